'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { createApi, MESSAGES } = require('../lib/api');
const { createFakeWx } = require('./helpers/fake-wx');

const BASE = 'http://127.0.0.1:5000/api/v1';
const LOGIN = { status: 200, body: { token: 'tok-new', expires_in: 3600, student: { id: 1 } } };

test('a 401 logs in again once and retries with the new token', async () => {
  const wx = createFakeWx();
  wx.storage.token = 'tok-old';
  wx.route('GET', '/me', [{ status: 401, body: { code: 'token_expired', message: '登录已过期' } },
    { status: 200, body: { next_action: 'register' } }]);
  wx.route('POST', '/auth/login', LOGIN);
  const me = await createApi({ wx, baseUrl: BASE }).get('/me');
  assert.equal(me.next_action, 'register');
  assert.equal(wx.storage.token, 'tok-new');
  const requests = wx.callsOf('request');
  assert.deepEqual(requests.map((r) => r.header.Authorization), ['Bearer tok-old', undefined, 'Bearer tok-new']);
  assert.equal(wx.callsOf('login').length, 1);
});

test('a second 401 after re-login surfaces as an error, without a loop', async () => {
  const wx = createFakeWx();
  wx.route('GET', '/me', { status: 401, body: { code: 'invalid_token', message: '登录信息无效，请重新登录' } });
  wx.route('POST', '/auth/login', LOGIN);
  await assert.rejects(createApi({ wx, baseUrl: BASE }).get('/me'), (e) => e.status === 401 && e.code === 'invalid_token');
  assert.equal(wx.callsOf('login').length, 1);
});

test('the error shape becomes ApiError with field errors and details', async () => {
  const wx = createFakeWx();
  wx.route('POST', '/registrations', { status: 409, body: { code: 'already_enrolled', message: '该人员处于正常参保状态',
    errors: {}, details: { zone_code: '530000', zone_name: '云南省本级' } } });
  await assert.rejects(createApi({ wx, baseUrl: BASE }).post('/registrations', {}),
    (e) => e.code === 'already_enrolled' && e.details.zone_name === '云南省本级' && e.message === '该人员处于正常参保状态');
});

test('429, 5xx and network failures have student-facing messages', async () => {
  const wx = createFakeWx();
  wx.route('GET', '/zones', [{ status: 429, body: { code: 'rate_limited', message: 'x' } }, { status: 503, body: {} },
    'network']);
  const api = createApi({ wx, baseUrl: BASE });
  await assert.rejects(api.get('/zones'), (e) => e.message === MESSAGES[429]);
  await assert.rejects(api.get('/zones'), (e) => e.message === MESSAGES.server);
  await assert.rejects(api.get('/zones'), (e) => e.code === 'network' && e.message === MESSAGES.network);
});

test('uploads parse the string body and send the file as field "file"', async () => {
  const wx = createFakeWx();
  wx.storage.token = 't';
  wx.route('UPLOAD', '/registrations/3/id-photo', { status: 422, body: { code: 'invalid_image', message: '请上传JPG或PNG格式的证件照片' } });
  const file = wx.tempFile(Buffer.from('not an image'), 'png');
  await assert.rejects(createApi({ wx, baseUrl: BASE }).upload('/registrations/3/id-photo', file),
    (e) => e.code === 'invalid_image');
  assert.equal(wx.callsOf('uploadFile')[0].name, 'file');
});
