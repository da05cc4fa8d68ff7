'use strict';
// A fake `wx` that records every call and answers from scripts; request/uploadFile answer like WeChat does
// (success for any HTTP status, fail only when the network fails).

function createFakeWx() {
  const calls = [];
  const storage = {};
  const routes = [];
  let loginCount = 0;
  const wx = {
    calls,
    storage,
    subscribeResult: {},
    navigateFails: false,
    route(method, path, responses) { routes.push({ method, path, responses: [].concat(responses) }); },
    callsOf(name) { return calls.filter((c) => c.name === name).map((c) => c.args); },
    getStorageSync(key) { return storage[key] || ''; },
    setStorageSync(key, value) { storage[key] = value; },
    login(opts) { loginCount += 1; calls.push({ name: 'login', args: {} }); opts.success({ code: `code-${loginCount}` }); },
    request(opts) {
      calls.push({ name: 'request', args: opts });
      const path = opts.url.replace(/^https?:\/\/[^/]+\/api\/v1/, '');
      const route = routes.find((r) => r.method === opts.method && (r.path === path || (r.path instanceof RegExp && r.path.test(path))));
      if (!route) { opts.fail({ errMsg: 'request:fail' }); return; }
      const response = route.responses.length > 1 ? route.responses.shift() : route.responses[0];
      if (response === 'network') { opts.fail({ errMsg: 'request:fail' }); return; }
      opts.success({ statusCode: response.status || 200, data: response.body });
    },
    uploadFile(opts) {
      calls.push({ name: 'uploadFile', args: opts });
      const path = opts.url.replace(/^https?:\/\/[^/]+\/api\/v1/, '');
      const route = routes.find((r) => r.method === 'UPLOAD' && r.path === path);
      if (!route) { opts.fail({ errMsg: 'uploadFile:fail' }); return; }
      const response = route.responses[0];
      opts.success({ statusCode: response.status || 200, data: JSON.stringify(response.body) });
    },
    requestSubscribeMessage(opts) { calls.push({ name: 'requestSubscribeMessage', args: opts }); opts.success(wx.subscribeResult); },
    navigateToMiniProgram(opts) {
      calls.push({ name: 'navigateToMiniProgram', args: opts });
      if (wx.navigateFails) opts.fail({ errMsg: 'navigateToMiniProgram:fail cancel' }); else opts.success({});
    },
    canvasToTempFilePath(opts) { calls.push({ name: 'canvasToTempFilePath', args: opts }); opts.success({ tempFilePath: 'wxfile://sig.png' }); },
    chooseMedia(opts) { calls.push({ name: 'chooseMedia', args: opts }); opts.success({ tempFiles: [{ tempFilePath: 'wxfile://id.jpg' }] }); },
  };
  ['navigateTo', 'redirectTo', 'navigateBack', 'showToast', 'showModal', 'setClipboardData', 'makePhoneCall']
    .forEach((name) => { wx[name] = (args) => calls.push({ name, args }); });
  return wx;
}

function recorder() {
  const state = {};
  return { state, setData: (data) => Object.assign(state, data) };
}

module.exports = { createFakeWx, recorder };
