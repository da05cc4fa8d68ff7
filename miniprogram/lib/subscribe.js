'use strict';
// Ask for one-time subscriptions and report the accepted templates. wx.requestSubscribeMessage works only inside
// the tap itself (before any await), with at most 3 ids, all taken from /config.

function requestSubscribe(wx, tmplIds) {
  return new Promise((resolve) => {
    if (!tmplIds.length) { resolve({}); return; }
    wx.requestSubscribeMessage({ tmplIds, success: resolve, fail: () => resolve({}) });
  });
}

// Call synchronously at the start of a tap handler; the returned promise reports to the backend.
function subscribe({ wx, api, templates }, kinds) {
  const known = templates() || {};
  const tmplIds = [...new Set(kinds.map((kind) => known[kind]).filter(Boolean))].slice(0, 3);
  return requestSubscribe(wx, tmplIds).then(async (result) => {
    const accepted = tmplIds.filter((id) => result[id] === 'accept');
    if (accepted.length) {
      try { await api.post('/subscriptions', { accepted }); } catch { return []; }
    }
    return accepted;
  });
}

module.exports = { subscribe };
