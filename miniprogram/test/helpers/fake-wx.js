'use strict';
// A fake `wx` that enforces WeChat's documented rules and records every call:
// - navigateTo/redirectTo refuse tab pages; switchTab takes only a tab page and no query;
// - requestSubscribeMessage only inside a tap, at most 3 ids, only ids /config handed out;
// - navigateToMiniProgram needs appId; uploadFile sends name 'file' and a file the app was given;
// - requestFacialVerify needs a verifyId the backend handed out (POST /identity/face) to this user, once; against a
//   backend it drives the fake WeChat server's session (the capture's verify_ret, `wx.faceResult`, default 10000),
//   which the backend's queryverifyinfo then reads; success only when the capture finished (WeChat: success means
//   "人脸识别完成", the real result is the backend's to ask). WeChat documents no user-tap rule for it;
// - downloadFile fetches the URL with only the headers given (a signed link needs none) and succeeds for any HTTP
//   status; openDocument opens only a file downloadFile saved, of a documented fileType;
// - request/uploadFile call success for any HTTP status and fail only when the network fails.
// Requests go either to scripted routes (page tests) or over real HTTP to a backend (journeys).
const fs = require('node:fs');
const path = require('node:path');

const APP_JSON = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'app.json'), 'utf8'));
const PAGES = APP_JSON.pages.map((p) => `/${p}`);
const TABS = APP_JSON.tabBar.list.map((t) => `/${t.pagePath}`);
const DEV_ORIGIN = 'http://127.0.0.1:5000';
const DOCUMENT_TYPES = ['doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'pdf'];

function createFakeWx({ backend = null, wechat = null } = {}) {
  const calls = [];
  const storage = {};
  const routes = [];
  const files = {};
  const handedOut = new Set();
  const verifyIds = new Map(); // verify_id -> the openid of the user it was handed to; deleted once used
  let pending = 0;
  let loginCount = 0;
  let fileCount = 0;

  function record(name, args) { calls.push({ name, args }); }
  function fail(opts, errMsg) { record('fail', { errMsg }); if (opts.fail) opts.fail({ errMsg }); if (opts.complete) opts.complete({ errMsg }); }
  function ok(opts, res) { if (opts.success) opts.success(res); if (opts.complete) opts.complete(res); }
  function tempFile(bytes, ext) {
    fileCount += 1;
    const name = `wxfile://tmp_${fileCount}.${ext}`;
    files[name] = bytes;
    return name;
  }
  function noteConfig(url, body) {
    if (/\/config$/.test(url) && body && body.templates) Object.values(body.templates).forEach((id) => handedOut.add(id));
    if (/\/identity\/face$/.test(url) && body && body.verify_id) verifyIds.set(body.verify_id, wx.openid);
  }

  function scripted(method, url) {
    const p = url.replace(/^https?:\/\/[^/]+\/api\/v1/, '');
    const route = routes.find((r) => r.method === method && (r.path === p || (r.path instanceof RegExp && r.path.test(p))));
    if (!route) return 'network';
    return route.responses.length > 1 ? route.responses.shift() : route.responses[0];
  }

  async function http(method, url, { header = {}, data, form } = {}) {
    const target = url.startsWith(DEV_ORIGIN) ? url.replace(DEV_ORIGIN, backend) : url;
    const init = { method, headers: { ...header } };
    if (form) init.body = form;
    else if (data !== undefined && method !== 'GET') {
      init.body = JSON.stringify(data);
      init.headers['Content-Type'] = 'application/json';
    }
    const response = await fetch(target, init);
    const text = await response.text();
    return { status: response.status, text, header: Object.fromEntries(response.headers) };
  }

  function checkPage(name, url, opts) {
    const [page, query] = String(url || '').split('?');
    if (!PAGES.includes(page)) { fail(opts, `${name}:fail page "${page}" is not found`); return null; }
    if (name === 'switchTab' && !TABS.includes(page)) { fail(opts, 'switchTab:fail can not switch to no-tabBar page'); return null; }
    if (name === 'switchTab' && query) { fail(opts, 'switchTab:fail the url can not have a query'); return null; }
    if ((name === 'navigateTo' || name === 'redirectTo') && TABS.includes(page)) {
      fail(opts, `${name}:fail can not ${name} a tabbar page`);
      return null;
    }
    return { page, query: Object.fromEntries(new URLSearchParams(query || '')) };
  }

  const wx = {
    calls,
    storage,
    files,
    backend,
    gesture: false,
    subscribeResult: null,
    navigateFails: false,
    router: null,
    route(method, p, responses) { routes.push({ method, path: p, responses: [].concat(responses) }); },
    callsOf(name) { return calls.filter((c) => c.name === name).map((c) => c.args); },
    failures() { return calls.filter((c) => c.name === 'fail').map((c) => c.args.errMsg); },
    pending() { return pending; },
    tempFile,
    getStorageSync(key) { return storage[key] || ''; },
    setStorageSync(key, value) { storage[key] = value; },
    faceResult: 10000,
    openid: null,
    removeStorageSync(key) { delete storage[key]; },
    stopPullDownRefresh() { record('stopPullDownRefresh', {}); },
    login(opts) {
      loginCount += 1;
      record('login', {});
      const user = `${wx.loginPrefix || 'page'}-${loginCount}`;
      wx.openid = `openid-${user}`; // the fake WeChat server's jscode2session answers this openid for the code
      ok(opts, { code: `code-${user}` });
    },
    request(opts) {
      record('request', opts);
      const method = opts.method || 'GET';
      if (!backend) {
        const response = scripted(method, opts.url);
        setTimeout(() => {
          if (response === 'network') { fail(opts, 'request:fail'); return; }
          noteConfig(opts.url, response.body);
          ok(opts, { statusCode: response.status || 200, data: response.body, header: response.header || {} });
        }, 0);
        return;
      }
      pending += 1;
      http(method, opts.url, { header: opts.header, data: opts.data })
        .then(({ status, text, header }) => {
          let body = text;
          try { body = JSON.parse(text); } catch { body = text; }
          noteConfig(opts.url, body);
          ok(opts, { statusCode: status, data: body, header });
        })
        .catch(() => fail(opts, 'request:fail'))
        .finally(() => { pending -= 1; });
    },
    uploadFile(opts) {
      record('uploadFile', opts);
      if (opts.name !== 'file') { fail(opts, 'uploadFile:fail the backend reads the part named "file"'); return; }
      if (!files[opts.filePath]) { fail(opts, `uploadFile:fail file not found ${opts.filePath}`); return; }
      if (!backend) {
        const response = scripted('UPLOAD', opts.url);
        setTimeout(() => {
          if (response === 'network') { fail(opts, 'uploadFile:fail'); return; }
          ok(opts, { statusCode: response.status || 200, data: JSON.stringify(response.body) });
        }, 0);
        return;
      }
      const form = new FormData();
      Object.entries(opts.formData || {}).forEach(([key, value]) => form.append(key, String(value)));
      form.append(opts.name, new Blob([files[opts.filePath]]), path.basename(opts.filePath));
      pending += 1;
      http('POST', opts.url, { header: opts.header, form })
        .then(({ status, text }) => ok(opts, { statusCode: status, data: text }))
        .catch(() => fail(opts, 'uploadFile:fail'))
        .finally(() => { pending -= 1; });
    },
    requestSubscribeMessage(opts) {
      record('requestSubscribeMessage', opts);
      const ids = opts.tmplIds || [];
      if (!wx.gesture) { fail(opts, 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.'); return; }
      if (!ids.length || ids.length > 3) { fail(opts, 'requestSubscribeMessage:fail 20003 too many or no tmplIds'); return; }
      if (ids.some((id) => !handedOut.has(id))) { fail(opts, 'requestSubscribeMessage:fail 20001 No template data return'); return; }
      const result = { errMsg: 'requestSubscribeMessage:ok' };
      ids.forEach((id) => { result[id] = (wx.subscribeResult || {})[id] || 'accept'; });
      setTimeout(() => ok(opts, result), 0);
    },
    requestFacialVerify(opts) {
      record('requestFacialVerify', opts);
      const verifyId = opts.verifyId;
      if (typeof verifyId !== 'string' || !verifyId) { fail(opts, 'requestFacialVerify:fail invalid verifyId'); return; }
      if (!verifyIds.has(verifyId) || verifyIds.get(verifyId) !== wx.openid) {
        fail(opts, 'requestFacialVerify:fail 84001 invalid verify_id'); // not from getVerifyId for this user
        return;
      }
      verifyIds.delete(verifyId);
      const verifyRet = Number(wx.faceResult);
      const finish = () => {
        if (verifyRet === 10000) ok(opts, { errMsg: 'requestFacialVerify:ok', errCode: 0 });
        else fail(opts, `requestFacialVerify:fail ${verifyRet}`);
      };
      if (!backend) { setTimeout(finish, 0); return; }
      if (!wechat) throw new Error('requestFacialVerify against a backend needs the fake WeChat server (wechat option)');
      pending += 1;
      fetch(`${wechat}/_face/${encodeURIComponent(verifyId)}`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ openid: wx.openid, verify_ret: verifyRet }) })
        .then((response) => (response.ok ? finish() : fail(opts, 'requestFacialVerify:fail 84001 invalid verify_id')))
        .catch(() => fail(opts, 'requestFacialVerify:fail network'))
        .finally(() => { pending -= 1; });
    },
    downloadFile(opts) {
      record('downloadFile', opts);
      if (!/^https?:\/\//.test(opts.url || '')) { fail(opts, 'downloadFile:fail invalid url'); return; }
      const save = (status, bytes) => ok(opts, { statusCode: status,
        tempFilePath: tempFile(bytes, (opts.url.split('?')[0].match(/\.(\w+)$/) || [null, 'tmp'])[1]) });
      if (!backend) {
        const response = scripted('DOWNLOAD', opts.url);
        setTimeout(() => {
          if (response === 'network') { fail(opts, 'downloadFile:fail'); return; }
          save(response.status || 200, Buffer.from(response.body || ''));
        }, 0);
        return;
      }
      pending += 1;
      fetch(opts.url, { headers: opts.header || {} })
        .then(async (response) => save(response.status, Buffer.from(await response.arrayBuffer())))
        .catch(() => fail(opts, 'downloadFile:fail'))
        .finally(() => { pending -= 1; });
    },
    openDocument(opts) {
      record('openDocument', opts);
      if (!files[opts.filePath]) { fail(opts, `openDocument:fail file not found ${opts.filePath}`); return; }
      if (opts.fileType && !DOCUMENT_TYPES.includes(opts.fileType)) { fail(opts, 'openDocument:fail invalid fileType'); return; }
      wx.openedDocument = { filePath: opts.filePath, bytes: files[opts.filePath], fileType: opts.fileType };
      setTimeout(() => ok(opts, { errMsg: 'openDocument:ok' }), 0);
    },
    navigateToMiniProgram(opts) {
      record('navigateToMiniProgram', opts);
      if (!opts.appId) { fail(opts, 'navigateToMiniProgram:fail invalid appId'); return; }
      if (wx.navigateFails) { fail(opts, 'navigateToMiniProgram:fail cancel'); return; }
      wx.leftApp = opts;
      setTimeout(() => ok(opts, { errMsg: 'navigateToMiniProgram:ok' }), 0);
    },
    canvasToTempFilePath(opts) {
      record('canvasToTempFilePath', opts);
      if (!opts.canvas) { fail(opts, 'canvasToTempFilePath:fail canvas is empty'); return; }
      ok(opts, { tempFilePath: tempFile(wx.signaturePng || Buffer.from('png'), 'png') });
    },
    chooseMedia(opts) {
      record('chooseMedia', opts);
      if (!wx.photo) { fail(opts, 'chooseMedia:fail cancel'); return; }
      ok(opts, { tempFiles: [{ tempFilePath: tempFile(wx.photo, 'png'), fileType: 'image' }] });
    },
    createSelectorQuery() {
      const context = { beginPath() {}, moveTo() {}, lineTo() {}, stroke() {}, clearRect() {}, scale() {} };
      const node = { width: 0, height: 0, getContext: () => context };
      const query = { select: () => query, fields: () => query, exec: (cb) => cb([{ node, width: 320, height: 160 }]) };
      return query;
    },
    getWindowInfo() { return { pixelRatio: 2, windowWidth: 375, windowHeight: 812 }; },
  };
  ['navigateTo', 'redirectTo', 'switchTab'].forEach((name) => {
    wx[name] = (opts) => {
      record(name, opts);
      const target = checkPage(name, opts.url, opts);
      if (!target) return;
      if (wx.router) wx.router[name](target.page, target.query);
      ok(opts, { errMsg: `${name}:ok` });
    };
  });
  wx.navigateBack = (opts = {}) => { record('navigateBack', opts); if (wx.router) wx.router.navigateBack(); ok(opts, {}); };
  ['showToast', 'showLoading', 'hideLoading', 'setClipboardData', 'makePhoneCall', 'previewImage']
    .forEach((name) => { wx[name] = (opts = {}) => { record(name, opts); ok(opts, { errMsg: `${name}:ok` }); }; });
  wx.showModal = (opts = {}) => { record('showModal', opts); setTimeout(() => ok(opts, { confirm: wx.modalConfirm !== false, cancel: wx.modalConfirm === false }), 0); };
  return wx;
}

module.exports = { createFakeWx, PAGES, TABS };
