'use strict';
// Ask for one-time subscriptions and report the accepted templates. wx.requestSubscribeMessage must run inside
// the tap, so the template ids come from /config loaded beforehand (app.globalData.templates).

function requestSubscribe(wx, tmplIds) {
  return new Promise((resolve) => {
    if (!tmplIds.length) { resolve({}); return; }
    wx.requestSubscribeMessage({ tmplIds, success: resolve, fail: () => resolve({}) });
  });
}

async function subscribe({ wx, api, templates }, kinds) {
  const tmplIds = [...new Set(kinds.map((kind) => (templates || {})[kind]).filter(Boolean))].slice(0, 3);
  const result = await requestSubscribe(wx, tmplIds);
  const accepted = tmplIds.filter((id) => result[id] === 'accept');
  if (accepted.length) {
    try { await api.post('/subscriptions', { accepted }); } catch { return []; }
  }
  return accepted;
}

module.exports = { subscribe };
