'use strict';
// The API client: bearer token in storage, one re-login on 401, the backend's error shape as ApiError.

const ENDPOINTS = [
  { method: 'POST', path: '/auth/login' },
  { method: 'GET', path: '/me' },
  { method: 'POST', path: '/me/phone' },
  { method: 'PUT', path: '/me/zone' },
  { method: 'GET', path: '/me/messages' },
  { method: 'GET', path: '/zones' },
  { method: 'GET', path: '/zones/{code}/schools' },
  { method: 'POST', path: '/suspensions' },
  { method: 'GET', path: '/suspensions/{suspension_id}' },
  { method: 'POST', path: '/registrations' },
  { method: 'GET', path: '/registrations/{registration_id}' },
  { method: 'PATCH', path: '/registrations/{registration_id}' },
  { method: 'POST', path: '/registrations/{registration_id}/id-photo' },
  { method: 'GET', path: '/registrations/{registration_id}/commitment-letter' },
  { method: 'POST', path: '/registrations/{registration_id}/commitment-letter' },
  { method: 'POST', path: '/registrations/{registration_id}/submit' },
  { method: 'POST', path: '/registrations/{registration_id}/withdraw' },
  { method: 'POST', path: '/renewals' },
  { method: 'GET', path: '/registrations/{registration_id}/payment' },
  { method: 'POST', path: '/registrations/{registration_id}/payment/check' },
  { method: 'GET', path: '/registrations/{registration_id}/certificate-link' },
  { method: 'GET', path: '/registrations/{registration_id}/receipts' },
  { method: 'GET', path: '/registrations/{registration_id}/receipts/{payment_id}/link' },
  { method: 'POST', path: '/subscriptions' },
  { method: 'GET', path: '/config' },
  { method: 'POST', path: '/identity/face' },
  { method: 'POST', path: '/identity/face/result' },
  { method: 'POST', path: '/identity/requests' },
  { method: 'GET', path: '/identity/requests/latest' },
];

const MESSAGES = {
  network: '网络不可用，请检查网络后重试',
  429: '操作太频繁，请稍后再试',
  server: '服务暂时不可用，请稍后再试',
};

class ApiError extends Error {
  constructor(status, body) {
    const data = body && typeof body === 'object' ? body : {};
    let message = data.message;
    if (status === 429) message = MESSAGES[429];
    else if (status >= 500) message = MESSAGES.server;
    super(message || MESSAGES.server);
    this.status = status;
    this.code = data.code || (status === 0 ? 'network' : 'error');
    this.fieldErrors = data.errors || {};
    this.details = data.details || {};
  }
}

function networkError() {
  const error = new ApiError(0, { code: 'network', message: MESSAGES.network });
  error.message = MESSAGES.network;
  return error;
}

function createApi({ wx, baseUrl }) {
  const TOKEN_KEY = 'token';
  // How far the phone's clock is from the server's, by each answer's Date header: what is open (the registration
  // window) is decided by the server's time, and a phone set a day wrong must not hide a step the server allows.
  let skew = 0;

  function noteServerTime(header) {
    const date = header && (header.Date || header.date);
    const at = date ? Date.parse(date) : NaN;
    if (!Number.isNaN(at)) skew = at - Date.now();
  }

  function call(method, path, data, anonymous = false) {
    return new Promise((resolve, reject) => {
      const token = anonymous ? '' : wx.getStorageSync(TOKEN_KEY);
      wx.request({
        url: baseUrl + path,
        method,
        data,
        header: token ? { Authorization: `Bearer ${token}` } : {},
        success: (res) => { noteServerTime(res.header); resolve({ status: res.statusCode, body: res.data }); },
        fail: () => reject(networkError()),
      });
    });
  }

  function upload(path, filePath, formData) {
    return new Promise((resolve, reject) => {
      wx.uploadFile({
        url: baseUrl + path,
        filePath,
        name: 'file',
        formData: formData || {},
        header: { Authorization: `Bearer ${wx.getStorageSync(TOKEN_KEY)}` },
        success: (res) => {
          let body = {};
          try { body = JSON.parse(res.data || "{}"); } catch { body = {}; }
          resolve({ status: res.statusCode, body });
        },
        fail: () => reject(networkError()),
      });
    });
  }

  function wxLogin() {
    return new Promise((resolve, reject) => {
      wx.login({ success: (res) => resolve(res.code), fail: () => reject(networkError()) });
    });
  }

  async function login() {
    const code = await wxLogin();
    const { status, body } = await call('POST', '/auth/login', { code }, true);
    if (status !== 200) throw new ApiError(status, body);
    wx.setStorageSync(TOKEN_KEY, body.token);
    return body;
  }

  async function send(doCall) {
    let result = await doCall();
    if (result.status === 401) {
      await login();
      result = await doCall();
    }
    if (result.status >= 200 && result.status < 300) return result.body;
    throw new ApiError(result.status, result.body);
  }

  return {
    login,
    get: (path) => send(() => call('GET', path)),
    post: (path, data) => send(() => call('POST', path, data)),
    put: (path, data) => send(() => call('PUT', path, data)),
    patch: (path, data) => send(() => call('PATCH', path, data)),
    upload: (path, filePath, formData) => send(() => upload(path, filePath, formData)),
    url: (path) => baseUrl + path,
    now: () => Date.now() + skew,
  };
}

module.exports = { createApi, ApiError, ENDPOINTS, MESSAGES };
