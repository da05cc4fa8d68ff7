'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { createApi } = require('../lib/api');
const { createFakeWx, recorder } = require('./helpers/fake-wx');
const { createHomeLogic } = require('../lib/pages/home');
const { createRegisterLogic } = require('../lib/pages/register');
const { createSuspensionLogic, WAITING } = require('../lib/pages/suspension');
const { createPaymentLogic } = require('../lib/pages/payment');
const { createLetterLogic } = require('../lib/pages/letter');
const { createZonesLogic } = require('../lib/pages/zones');
const { createMessagesLogic } = require('../lib/pages/messages');
const { createHelpLogic, FAQ } = require('../lib/pages/help');
const { NEXT_PAGES, pageFor } = require('../lib/routes');

const BASE = 'http://127.0.0.1:5000/api/v1';
const TEMPLATES = { approved: 'tpl-approved', returned: 'tpl-returned', rejected: 'tpl-rejected', paid: 'tpl-paid',
  suspension: 'tpl-suspension' };
const FORM = { name: '张晓雨', id_type: 'resident_id', id_number: '34052419800101001X', phone: '13912345205',
  ethnicity: '01', marital_status: 'unmarried', residence_address: '安徽省宣城市', hukou_address: '安徽省淮南市',
  hukou_region_code: '340403', school_code: '10359X', student_no: '2022217001', zone_code: '341800' };

function setup() {
  const wx = createFakeWx();
  wx.storage.token = 't';
  const { state, setData } = recorder();
  const deps = { wx, api: createApi({ wx, baseUrl: BASE }), setData, templates: TEMPLATES };
  return { wx, state, deps };
}

test('every next_action has a page', () => {
  for (const action of ['choose_zone', 'suspend_origin', 'register', 'sign_letter', 'submit', 'wait_review',
    'fix_returned', 'pay', 'wait_payment', 'done']) {
    assert.ok(NEXT_PAGES[action], action);
  }
  assert.equal(pageFor('pay', 7), '/pages/payment/payment?id=7');
});

test('home shows the timeline and goes to the one next step', async () => {
  const { wx, state, deps } = setup();
  wx.route('GET', '/me', { body: { next_action: 'fix_returned', zone: { name: '宣城市', year: 2027 },
    registration: { id: 5, status: 'returned', review_reason: '照片不清晰' } } });
  wx.route('GET', '/registrations/5', { body: { history: [{ to_status: 'submitted', at: 'a' },
    { to_status: 'returned', at: 'b', reason: '照片不清晰' }] } });
  const home = createHomeLogic(deps);
  await home.load();
  assert.equal(state.statusText, '已退回，请修改');
  assert.deepEqual(state.timeline.map((t) => t.reason), ['', '照片不清晰']);
  assert.equal(home.next(), '/pages/register/register?id=5');
});

test('registration form errors are shown per field and nothing is sent', async () => {
  const { wx, state, deps } = setup();
  const logic = createRegisterLogic(deps);
  assert.equal(await logic.save({ ...FORM, id_number: '340524198001010011', phone: '12' }), null);
  assert.match(state.errors.id_number, /校验位/);
  assert.equal(state.errors.phone, '请输入11位手机号码');
  assert.equal(wx.callsOf('request').length, 0);
});

test('already_enrolled leads to the suspension page with the home zone', async () => {
  const { wx, deps } = setup();
  wx.route('POST', '/registrations', { status: 409, body: { code: 'already_enrolled',
    message: '该人员处于正常参保状态，不能重复参保（当前参保地：云南省本级）', details: { zone_code: '530000', zone_name: '云南省本级' } } });
  await createRegisterLogic(deps).save(FORM);
  const [navigation] = wx.callsOf('navigateTo');
  assert.match(navigation.url, /^\/pages\/suspension\/suspension\?origin=530000&name=云南省本级$/);
});

test('submit asks for subscriptions in the tap and reports only accepted ones', async () => {
  const { wx, deps } = setup();
  wx.subscribeResult = { 'tpl-approved': 'accept', 'tpl-returned': 'reject', 'tpl-rejected': 'accept' };
  wx.route('POST', '/registrations', { status: 201, body: { id: 9, letter_required: false } });
  wx.route('POST', '/subscriptions', { body: { quotas: {} } });
  wx.route('POST', '/registrations/9/submit', { body: { id: 9, status: 'submitted' } });
  const logic = createRegisterLogic(deps);
  await logic.save(FORM);
  await logic.submit();
  const subscription = wx.callsOf('request').find((r) => r.url.endsWith('/subscriptions'));
  assert.deepEqual(subscription.data, { accepted: ['tpl-approved', 'tpl-rejected'] });
  assert.deepEqual(wx.callsOf('requestSubscribeMessage')[0].tmplIds, ['tpl-approved', 'tpl-returned', 'tpl-rejected']);
  assert.equal(wx.callsOf('redirectTo')[0].url, '/pages/home/home');
});

test('a subsidised draft goes to the letter before submitting', async () => {
  const { wx, deps } = setup();
  wx.route('POST', '/registrations', { status: 201, body: { id: 4, letter_required: true, letter_signed: false } });
  const logic = createRegisterLogic(deps);
  await logic.save({ ...FORM, special_identity: 'orphan' });
  assert.equal(await logic.submit(), null);
  assert.equal(wx.callsOf('navigateTo')[0].url, '/pages/letter/letter?id=4');
});

test('the signature is exported from the canvas and uploaded; a blank pad is refused', async () => {
  const { wx, state, deps } = setup();
  wx.route('UPLOAD', '/registrations/4/commitment-letter', { body: { sha256: 'ab'.repeat(32), sealed_at: 'now' } });
  const letter = createLetterLogic(deps);
  assert.equal(await letter.sign(4, {}), null);
  assert.equal(wx.callsOf('uploadFile').length, 0);
  letter.start([1, 1]);
  for (let i = 2; i < 20; i += 1) letter.move([i, i]);
  const sealed = await letter.sign(4, { node: true });
  assert.equal(sealed.sha256.length, 64);
  assert.equal(wx.callsOf('canvasToTempFilePath')[0].fileType, 'png');
  assert.equal(wx.callsOf('uploadFile')[0].filePath, 'wxfile://sig.png');
  assert.equal(state.signed, true);
});

test('suspension needs consent, then waits for the home town', async () => {
  const { wx, state, deps } = setup();
  const logic = createSuspensionLogic(deps);
  assert.equal(await logic.submit({ origin_zone_code: '530000', reason: '其他', suspend_from: '2026-12-01', consent: false }), null);
  assert.match(state.errors.consent, /勾选同意/);
  wx.route('POST', '/suspensions', { status: 201, body: { id: 3, status: 'submitted' } });
  wx.route('GET', '/suspensions/3', { body: { id: 3, status: 'confirmed' } });
  await logic.submit({ origin_zone_code: '530000', reason: '其他', suspend_from: '2026-12-01', consent: true });
  assert.equal(state.waiting, WAITING);
  await logic.poll(3);
  assert.equal(wx.callsOf('redirectTo')[0].url, '/pages/register/register');
});

test('payment opens the tax mini-program with the backend descriptor', async () => {
  const { wx, state, deps } = setup();
  const navigate = { appId: 'wx-tax', path: 'pages/pay/index?zone=341800', extraData: { ref: 'R1' }, envVersion: 'release' };
  wx.route('GET', '/registrations/2/payment', { body: { amount_fen: 40000, qr_url: 'http://x/qr.png', navigate,
    channels: [{ channel: 'tax', label: '税务系统缴费', navigate }, { channel: 'family', label: '个人共济',
      navigate: { ...navigate, appId: 'wx-family' } }] } });
  const logic = createPaymentLogic(deps);
  await logic.load(2);
  assert.equal(state.amount, '400.00');
  assert.ok(state.warnings.includes('已缴费请勿重复缴费'));
  assert.equal(await logic.pay('family'), 'family');
  assert.equal(wx.callsOf('navigateToMiniProgram')[0].appId, 'wx-family');
  wx.navigateFails = true;
  assert.equal(await logic.pay('tax'), null);
});

test('network failures on a page show a toast', async () => {
  const { wx, deps } = setup();
  await createZonesLogic(deps).load();
  assert.equal(wx.callsOf('showToast')[0].title, '网络不可用，请检查网络后重试');
});

test('messages and help pages', async () => {
  const { wx, state, deps } = setup();
  wx.route('GET', '/me/messages', { body: { messages: [{ id: 1, title: '参保登记审核通过，请缴费', status: 'waiting_quota' }] } });
  wx.route('GET', '/config', { body: { templates: {}, service_phone: '0563-3022563', notices: [] } });
  await createMessagesLogic(deps).load();
  assert.equal(state.messages[0].status, 'waiting_quota');
  await createHelpLogic(deps).load();
  assert.equal(state.servicePhone, '0563-3022563');
  assert.ok(FAQ.some((item) => item.a.includes('24小时')));
});
