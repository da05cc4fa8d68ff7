'use strict';
// Every page rendered from its WXML by miniprogram-simulate and driven through the events and name/data-field
// attributes the WXML declares, against scripted backend answers; assertions are on what the student sees.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createFakeWx } = require('./helpers/fake-wx');
const { launch, settle } = require('./helpers/simulate');
const { beijingDate } = require('../lib/format');

const TEMPLATES = { approved: 'tpl-approved', returned: 'tpl-returned', rejected: 'tpl-rejected', paid: 'tpl-paid',
  suspension: 'tpl-suspension', window_closing: 'tpl-window-closing' };
// Open today whenever the tests run (home offers registering only inside the window, by the phone's clock).
const DAY = 24 * 3600 * 1000;
const ZONE = { code: '341800', name: '宣城市', year: 2027, premium_fen: 40000,
  window_opens_at: new Date(Date.now() - 60 * DAY).toISOString(), window_closes_at: new Date(Date.now() + 30 * DAY).toISOString(), agency_name: '宣城市医疗保障局', tax_authority_name: '国家税务总局宣城市税务局',
  payment_channels: ['tax', 'family'] };
const ENGLISH_OR_CODES = /[A-Za-z_]{4,}|\d{4}-\d\d-\d\dT/;

// The test's own routes first: the fake answers with the first route that matches.
function backend(extra = (wx) => wx) {
  const wx = createFakeWx();
  extra(wx);
  wx.route('POST', '/auth/login', { body: { token: 't', student: { id: 1 } } });
  wx.route('GET', '/config', { body: { templates: TEMPLATES, service_phone: '0563-3022563',
    notices: ['2027年度集中参保期：2026年9月1日至12月31日'] } });
  wx.route('GET', '/zones', { body: { zones: [ZONE, { ...ZONE, code: '530000', name: '云南省本级' }] } });
  wx.route('GET', '/zones/341800/schools', { body: { schools: [{ code: '10359X', name: '合肥工业大学（宣城校区）' }] } });
  return wx;
}

// Every field of the registration form, through the inputs and pickers the WXML declares.
async function fillForm(page, ethnicity = '汉族') {
  await page.type('name', '张晓雨');
  await page.type('id_number', '34052419800101001X');
  await page.pick('ethnicity', ethnicity);
  await page.pick('marital_status', '未婚');
  await page.type('phone', '13912345205');
  await page.type('residence_address', '安徽省宣城市宣州区薰化路301号');
  await page.type('hukou_address', '安徽省淮南市田家庵区洞山路12号');
  await page.pick('hukou_region_code', { value: ['安徽省', '淮南市', '田家庵区'], code: ['340000', '340400', '340403'] });
  await page.pick('school_code', '合肥工业大学（宣城校区）');
  await page.type('student_no', '2022217001');
}

function visible(page) {
  const text = page.text();
  assert.doesNotMatch(text, ENGLISH_OR_CODES, `${page.route} shows a key, code or ISO time: ${text}`);
  return text;
}

test('home shows the step bar, amount, closing date, payee, notices and a Beijing-time history', async () => {
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'fix_returned', zone: ZONE, student: { id: 1, phone: null },
      registration: { id: 5, status: 'returned', review_reason: '照片不清晰' }, suspension: null } });
    w.route('GET', '/registrations/5', { body: { history: [{ to_status: 'submitted', at: '2026-10-08T09:35:00+00:00' },
      { to_status: 'returned', at: '2026-10-09T01:02:00Z', reason: '照片不清晰' }] } });
  });
  const router = await launch(wx, '/pages/home/home');
  const text = visible(router.top);
  for (const expected of ['选专区', '登记', '审核', '缴费', '完成', '¥400.00', beijingDate(ZONE.window_closes_at), '宣城市医疗保障局',
    '国家税务总局宣城市税务局', '2027年度集中参保期', '退回原因：照片不清晰', '2026-10-08 17:35', '修改并重新提交']) {
    assert.ok(text.includes(expected), `home lacks ${expected}: ${text}`);
  }
  assert.deepEqual(router.top.data.steps.map((s) => s.state), ['done', 'current', 'todo', 'todo', 'todo']);
  // The record says what happened then, newest first (not today's status twice).
  assert.deepEqual(router.top.data.timeline.map((t) => t.text), ['被退回，需修改后重新提交', '提交审核']);
  await router.top.tap('修改并重新提交');
  assert.equal(router.top.route, '/pages/register/register');
});

test('home names the review the registration waits for, by the zone\'s own name for it', async () => {
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'wait_review', student: { id: 1 }, suspension: null,
      zone: { ...ZONE, stage_names: { counsellor: '辅导员审核', college: '学院审核', school: '学校审核', centre: '市医保中心复核' } },
      registration: { id: 5, status: 'under_review', stage: 'college' } } });
    w.route('GET', '/registrations/5', { body: { history: [] } });
  });
  const router = await launch(wx, '/pages/home/home');
  assert.ok(visible(router.top).includes('审核中：学院审核'), router.top.text());
});

test('a record staff revoked: home says 已被撤销 with its reason, and 登记 starts a new registration', async () => {
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'register', zone: ZONE, student: { id: 1, phone: null },
      registration: { id: 5, status: 'revoked', review_reason: '学院重复导入' }, suspension: null } });
    w.route('GET', '/registrations/5', { body: { history: [{ to_status: 'submitted', at: '2026-10-08T09:35:00Z' },
      { to_status: 'revoked', at: '2026-10-09T01:02:00Z', reason: '学院重复导入' }] } });
  });
  const router = await launch(wx, '/pages/home/home');
  const text = visible(router.top);
  for (const expected of ['已被撤销，可重新登记', '撤销原因：学院重复导入']) {
    assert.ok(text.includes(expected), `home lacks ${expected}: ${text}`);
  }
  assert.ok(!text.includes('退回原因'), text);
  await router.top.tap(router.top.data.nextLabel);
  assert.equal(router.top.route, '/pages/register/register');
  assert.deepEqual(router.top.query, {}, 'a new registration, not the revoked one');
});

test('outside the registration window home says when it opens or that it closed, and offers no 开始参保登记', async () => {
  const cases = [
    [{ window_opens_at: new Date(Date.now() + 10 * DAY).toISOString(), window_closes_at: new Date(Date.now() + 90 * DAY).toISOString() },
      '2027年度参保登记尚未开始', '未开始'],
    [{ window_opens_at: new Date(Date.now() - 90 * DAY).toISOString(), window_closes_at: new Date(Date.now() - DAY).toISOString() },
      '2027年度参保登记已于', '已截止'],
  ];
  for (const [dates, says, label] of cases) {
    const zone = { ...ZONE, ...dates };
    const wx = backend((w) => {
      w.route('GET', '/me', { body: { next_action: 'register', zone, student: { id: 1 }, registration: null, suspension: null } });
      w.route('GET', '/zones', { body: { zones: [zone] } });
    });
    const router = await launch(wx, '/pages/home/home');
    const text = visible(router.top);
    assert.ok(text.includes(says) && !text.includes('开始参保登记'), text);
    const zones = await launch(wx, '/pages/zones/zones');
    assert.ok(visible(zones.top).includes(`（${label}）`), zones.top.text());
  }
});

test('without the network a page says so in its place with 重试, which loads it again once the network is back', async () => {
  const me = { next_action: 'register', zone: ZONE, student: { id: 1 }, registration: null, suspension: null };
  const wx = backend((w) => {
    w.route('GET', '/me', ['network', { body: me }]);
    w.route('GET', '/me/messages', ['network', { body: { messages: [] } }]);
  });
  const router = await launch(wx, '/pages/home/home');
  let text = visible(router.top);
  assert.ok(text.includes('加载失败') && text.includes('网络不可用，请检查网络后重试'), text);
  assert.ok(!text.includes('请先选择参保的地方专区'), 'home must not look like a student without a zone');
  await router.top.tap('重试');
  text = visible(router.top);
  assert.ok(text.includes('开始参保登记') && !text.includes('加载失败'), text);
  wx.switchTab({ url: '/pages/messages/messages' });
  await settle();
  assert.ok(router.top.text().includes('加载失败'), router.top.text());
  await router.top.comp.instance.onPullDownRefresh();
  assert.ok(router.top.text().includes('暂无消息'), router.top.text());
  assert.equal(wx.callsOf('stopPullDownRefresh').length, 1);
});

test('the window is judged by the server\'s clock (its Date header), not a phone set weeks wrong', async () => {
  const me = { next_action: 'register', zone: ZONE, student: { id: 1 }, registration: null, suspension: null };
  const wx = backend((w) => {
    w.route('GET', '/me', { body: me, header: { Date: new Date(Date.now() + 60 * DAY).toUTCString() } });
  });
  const router = await launch(wx, '/pages/home/home');
  const text = visible(router.top);
  assert.ok(text.includes('2027年度参保登记已于') && !text.includes('开始参保登记'), text);
});

test('paid up here last year: home offers 续保缴费, one tap renews and opens its payment page', async () => {
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'renew', zone: ZONE, student: { id: 1, phone: null },
      registration: null, suspension: null } });
    w.route('POST', '/renewals', { status: 201, body: { id: 9, status: 'approved', renewal: true } });
    w.route('GET', '/registrations/9', { body: { id: 9, status: 'approved' } });
    w.route('GET', '/registrations/9/payment', { body: { amount_fen: 40000, window_closes_at: '2026-12-31T15:59:59Z',
      channels: [{ channel: 'tax', navigate: { appId: 'wx-tax', path: 'pages/pay/index' } }] } });
  });
  const router = await launch(wx, '/pages/home/home');
  const home = router.top;
  const text = visible(home);
  for (const expected of ['去年已在本专区参保，可续保', '无需重新登记和审核', '续保缴费', '更换专区']) {
    assert.ok(text.includes(expected), `home lacks ${expected}: ${text}`);
  }
  assert.ok(!text.includes('开始参保登记'), text);
  await home.tap('续保缴费');
  await settle();
  const sent = wx.callsOf('request').filter((r) => r.method === 'POST' && /renewals$/.test(r.url));
  assert.deepEqual(sent.map((r) => r.data), [{ zone_code: '341800' }]);
  assert.deepEqual([router.top.route, router.top.query], ['/pages/payment/payment', { id: '9' }]);
  assert.deepEqual(wx.failures(), []);
});

test('before anything is under way, home lets the student change the zone', async () => {
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'register', zone: ZONE, student: { id: 1 }, registration: null } });
  });
  const router = await launch(wx, '/pages/home/home');
  await router.top.tap('更换专区');
  assert.equal(router.top.route, '/pages/zones/zones');
  const waiting = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'wait_review', zone: ZONE, student: { id: 1 },
      registration: { id: 5, status: 'submitted' } } });
    w.route('GET', '/registrations/5', { body: { history: [] } });
  });
  const second = await launch(waiting, '/pages/home/home');
  assert.ok(!second.top.text().includes('更换专区'), second.top.text());
});

test('a tab page is never opened by navigateTo or redirectTo', async () => {
  const wx = backend();
  await launch(wx, '/pages/zones/zones');
  wx.redirectTo({ url: '/pages/home/home' });
  wx.navigateTo({ url: '/pages/messages/messages' });
  wx.switchTab({ url: '/pages/home/home?id=3' });
  assert.deepEqual(wx.failures(), ['redirectTo:fail can not redirectTo a tabbar page',
    'navigateTo:fail can not navigateTo a tabbar page', 'switchTab:fail the url can not have a query']);
});

test('subscriptions are asked only inside a tap, with ids from /config', async () => {
  const wx = backend();
  await launch(wx, '/pages/zones/zones');
  wx.requestSubscribeMessage({ tmplIds: ['tpl-paid'] });
  wx.gesture = true;
  wx.requestSubscribeMessage({ tmplIds: ['tpl-unknown'] });
  wx.requestSubscribeMessage({ tmplIds: ['a', 'b', 'c', 'd'] });
  wx.gesture = false;
  assert.deepEqual(wx.failures().map((m) => m.split(' ')[0]), Array(3).fill('requestSubscribeMessage:fail'));
});

test('the registration form: Chinese labels and pickers, errors under their own fields, zone_code sent', async () => {
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'register', zone: ZONE, student: { id: 1 }, registration: null } });
    w.route('POST', '/registrations', { status: 422, body: { code: 'validation_error', message: '填写内容有误，请检查标注的字段',
      errors: { student_no: ['学号与学校名册不符'] } } });
  });
  const router = await launch(wx, '/pages/register/register');
  const page = router.top;
  let text = visible(page);
  for (const label of ['姓名', '证件类型', '证件号码', '民族', '婚姻状况', '手机号码', '户籍地址', '学校', '学号', '开户银行',
    '证件照片', '未上传']) assert.ok(text.includes(label), label);
  assert.deepEqual(page.options('marital_status'), ['未婚', '已婚', '离婚', '丧偶']);
  assert.ok(page.options('ethnicity').includes('回族'));
  await page.tap('保存并继续');
  assert.equal(page.errorUnder('name'), '请填写姓名');
  assert.equal(page.errorUnder('school_code'), '请选择学校');
  assert.equal(wx.callsOf('request').filter((r) => r.method === 'POST' && /registrations$/.test(r.url)).length, 0);
  await fillForm(page, '回族');
  text = visible(page);
  assert.ok(text.includes('回族') && text.includes('合肥工业大学（宣城校区）'), text);
  await page.tap('保存并继续');
  const sent = wx.callsOf('request').find((r) => r.method === 'POST' && /registrations$/.test(r.url)).data;
  assert.equal(sent.zone_code, '341800');
  assert.equal(sent.ethnicity, '03');
  assert.equal(sent.hukou_region_code, '340403');  // the county's code from WeChat's region picker
  assert.equal(sent.hukou_region_name, '安徽省 淮南市 田家庵区');  // and its name, to show it back
  assert.ok(text.includes('安徽省 淮南市 田家庵区'), text);
  assert.equal(page.errorUnder('student_no'), '学号与学校名册不符');
  assert.equal(page.errorUnder('name'), '');
});

test('a saved record: masked values are placeholders of empty inputs when editable, shown as they are when not', async () => {
  const saved = { id: 5, name: '赵敏', id_type: 'resident_id', id_number: '340403********0326', phone: '139****5205',
    hukou_region_code: '340403',
    residence_address: '安徽省宣城市****', hukou_address: '安徽省淮南市****', school_code: '10359X', history: [] };
  for (const [status, editable] of [['returned', true], ['submitted', false]]) {
    const wx = backend((w) => {
      w.route('GET', '/me', { body: { next_action: 'register', zone: ZONE, student: { id: 1 }, registration: null } });
      w.route('GET', '/registrations/5', { body: { ...saved, status, review_reason: '地址不完整' } });
      w.route('PATCH', '/registrations/5', { body: { ...saved, status } });
    });
    const router = await launch(wx, '/pages/register/register', { id: '5' });
    const page = router.top;
    const text = visible(page);
    if (editable) {
      assert.equal(page.data.form.hukou_address, '');
      assert.equal(page.data.placeholders.hukou_address, '已保存 安徽省淮南市****');
      assert.ok(text.includes('无需修改的留空即可'), text);
      await page.type('student_no', '2022217099');
      await page.tap('暂存修改');
      const sent = wx.callsOf('request').find((r) => r.method === 'PATCH');
      assert.deepEqual(sent.data, { student_no: '2022217099' }, 'nothing masked is sent back');
    } else {
      assert.equal(page.data.form.hukou_address, '安徽省淮南市****');
      assert.ok(!text.includes('无需修改的留空即可') && !text.includes('需要更正时'), text);
      assert.ok(text.includes('已选择') && !text.includes('行政区划'), text);  // saved before names were kept
    }
  }
});

test('提交审核 asks the student to confirm who is being enrolled; cancelling sends nothing', async () => {
  const draft = { id: 5, status: 'draft', name: '张晓雨', id_type: 'resident_id', id_number: '34052419800101001X',
    ethnicity: '01', marital_status: '10', phone: '13912345205', residence_address: '安徽省宣城市宣州区薰化路301号',
    hukou_address: '安徽省淮南市田家庵区洞山路12号', hukou_region_code: '340403', school_code: '10359X',
    student_no: '2022217001', photo_uploaded: true, letter_required: false };
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'submit', zone: ZONE, student: { id: 1 }, registration: draft } });
    w.route('GET', '/registrations/5', { body: draft });
    w.route('PATCH', '/registrations/5', { body: draft });
    w.route('POST', '/registrations/5/submit', { body: { ...draft, status: 'submitted' } });
  });
  const router = await launch(wx, '/pages/register/register', { id: '5' });
  const page = router.top;
  wx.modalConfirm = false;
  await page.tap('提交审核');
  await settle();
  const [asked] = wx.callsOf('showModal');
  assert.ok(asked.content.includes('参保人：张晓雨') && asked.content.includes('340524********001X'), asked.content);
  assert.ok(asked.content.includes('在校大学生'), asked.content);
  const submits = () => wx.callsOf('request').filter((r) => r.method === 'POST' && /submit$/.test(r.url));
  assert.equal(submits().length, 0);
  wx.modalConfirm = true;
  await page.tap('提交审核');
  await settle();
  assert.equal(submits().length, 1);
});

test('in a zone without review 提交审核 says payment follows and opens the payment page', async () => {
  const saved = { id: 5, status: 'draft', name: '张晓雨', id_number: '340524********001X', photo_uploaded: true, history: [] };
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'submit', zone: { ...ZONE, review_stages: [] }, student: { id: 1 },
      registration: saved } });
    w.route('GET', '/registrations/5', { body: saved });
    w.route('POST', '/registrations/5/submit', { body: { ...saved, status: 'approved' } });
  });
  const router = await launch(wx, '/pages/register/register', { id: '5' });
  await router.top.tap('提交审核');
  assert.match(wx.callsOf('showModal').pop().content, /提交后即可缴费/);
  assert.deepEqual([router.top.route, router.top.query], ['/pages/payment/payment', { id: '5' }]);
  assert.equal(wx.callsOf('showToast').pop().title, '登记成功，请缴费');
});

test('a zone that asks for the ID photo: marked required, and 提交审核 without it names it and sends nothing', async () => {
  const draft = { id: 5, status: 'draft', name: '张晓雨', id_type: 'resident_id', id_number: '34052419800101001X',
    photo_uploaded: false, letter_required: false, letter_signed: false, history: [] };
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'register', zone: { ...ZONE, id_photo_required: true },
      student: { id: 1 }, registration: draft } });
    w.route('GET', '/registrations/5', { body: draft });
    w.route('UPLOAD', '/registrations/5/id-photo', { body: { ...draft, photo_uploaded: true } });
  });
  wx.photo = Buffer.from('89504e470d0a1a0a', 'hex');
  const router = await launch(wx, '/pages/register/register', { id: '5' });
  const page = router.top;
  assert.match(visible(page), /证件照片（登记材料，提交前须上传）/);
  await page.tap('提交审核');
  assert.equal(page.errorUnder('id_photo'), '请上传参保人身份证照片后再提交');
  assert.deepEqual(wx.callsOf('showToast').map((t) => t.title), ['请按提示修改标红的项目']);
  assert.deepEqual(wx.callsOf('request').filter((r) => r.method === 'POST' && /registrations/.test(r.url)), []);
  await page.tap('上传证件照片');
  assert.equal(page.errorUnder('id_photo'), '');
  assert.match(page.text(), /已上传/);
});

test('a second tap on 保存并继续 while the first is on its way sends nothing; the button shows it is busy', async () => {
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'register', zone: ZONE, student: { id: 1 }, registration: null } });
    w.route('POST', '/registrations', { status: 201, body: { id: 9, status: 'draft', name: '张晓雨', zone: ZONE } });
  });
  const router = await launch(wx, '/pages/register/register');
  const page = router.top;
  await fillForm(page);
  const button = page.tappables().find((n) => n.$$.textContent.trim() === '保存并继续');
  page.fire(button, 'tap', {});
  await Promise.resolve();  // the tap is delivered in a microtask, the answer after a timer
  assert.equal(page.data.busy, true);
  page.fire(button, 'tap', {});
  await Promise.resolve();
  await settle();
  assert.equal(wx.callsOf('request').filter((r) => r.method === 'POST' && /registrations$/.test(r.url)).length, 1);
  assert.equal(page.data.busy, false);
  assert.ok(page.buttons().includes('提交审核'), page.buttons().join(' '));
});

test('a second tap on 申请暂停原参保地参保 while the first is on its way asks the home town once', async () => {
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'suspend_origin', zone: ZONE, student: { id: 1 }, registration: null,
      suspension: null } });
    w.route('POST', '/suspensions', { status: 201, body: { id: 4, status: 'submitted', origin_zone_code: '530000',
      message: '已提交，等待原参保地确认' } });
  });
  const router = await launch(wx, '/pages/suspension/suspension');
  const page = router.top;
  await page.pick('origin_zone_code', '云南省本级');
  await page.type('name', '张晓雨');
  await page.type('id_number', '34052419800101001X');
  await page.pick('suspend_from', '2027-01-01');
  await page.check('consent', ['agree']);
  const button = page.tappables().find((n) => n.$$.textContent.trim() === '申请暂停原参保地参保');
  page.fire(button, 'tap', {});
  await Promise.resolve();
  page.fire(button, 'tap', {});
  await Promise.resolve();
  await settle();
  assert.equal(wx.callsOf('request').filter((r) => r.method === 'POST' && /suspensions$/.test(r.url)).length, 1);
  assert.equal(page.data.busy, false);
});

test('the suspension form says cover does not lapse; a refusal says what to do after a phone suspension', async () => {
  const form = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'suspend_origin', zone: ZONE, student: { id: 1 }, registration: null,
      suspension: null } });
  });
  let text = visible((await launch(form, '/pages/suspension/suspension')).top);
  assert.ok(text.includes('停保不影响当年已缴费的医保待遇') && text.includes('不会断保'), text);
  assert.ok(!text.includes('办好后请联系学校所在地医保中心'), text);
  const refused = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'register', zone: ZONE, student: { id: 1 }, registration: null,
      suspension: { id: 4, status: 'refused', origin_zone_code: '530000', message: '原参保地系统未受理本次申请，请联系原参保地医保经办机构',
        created_at: '2026-11-20T02:00:00Z' } } });
  });
  text = visible((await launch(refused, '/pages/suspension/suspension')).top);
  assert.ok(text.includes('原参保地未同意暂停参保：原参保地系统未受理本次申请'), text);
  assert.ok(text.includes('办好后请联系学校所在地医保中心登记停保信息'), text);
});

test('a refused suspension: home marks 停保 not done, says why, and 重新申请停保 opens the form filled in', async () => {
  const refused = { id: 4, status: 'refused', origin_zone_code: '530000', name: '王宣',
    message: '原参保地系统未受理本次申请', created_at: '2026-11-20T02:00:00Z' };
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'register', zone: ZONE, student: { id: 1 }, registration: null,
      suspension: refused } });
    w.route('GET', '/suspensions/4', { body: refused });
  });
  const router = await launch(wx, '/pages/home/home');
  const text = visible(router.top);
  assert.ok(text.includes('停保进度：原参保地未同意暂停：原参保地系统未受理本次申请'), text);
  assert.deepEqual(router.top.data.steps.map((s) => s.state), ['done', 'refused', 'current', 'todo', 'todo', 'todo']);
  await router.top.tap('重新申请停保');
  const page = router.top;
  assert.deepEqual([page.route, page.query], ['/pages/suspension/suspension', { id: '4' }]);
  assert.deepEqual([page.data.form.name, page.data.form.origin_zone_code, page.data.form.origin_name],
    ['王宣', '530000', '云南省本级']);
});

test('asking again while the first request waits shows that request, not a second form', async () => {
  const waiting = { id: 4, status: 'submitted', origin_zone_code: '530000', message: '已提交，等待原参保地确认',
    created_at: '2026-11-20T02:00:00Z' };
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'register', zone: ZONE, student: { id: 1 },
      registration: { id: 5, status: 'draft' }, suspension: waiting } });
    w.route('POST', '/suspensions', { status: 409, body: { code: 'suspension_pending',
      message: '该人员已申请暂停在该原参保地的参保，正在等待原参保地确认，请勿重复申请',
      errors: { id_number: ['该人员已申请暂停在该原参保地的参保，正在等待原参保地确认，请勿重复申请'] },
      details: { suspension_id: 4 } } });
    w.route('GET', '/suspensions/4', { body: waiting });
  });
  const router = await launch(wx, '/pages/suspension/suspension',
    { origin: '530000', origin_name: encodeURIComponent('云南省本级') });
  const page = router.top;
  await page.type('name', '张晓雨');
  await page.type('id_number', '34052419800101001X');
  await page.check('consent', ['agree']);
  page.fire(page.tappables().find((n) => n.$$.textContent.trim() === '申请暂停原参保地参保'), 'tap', {});
  await settle();
  const text = visible(page);
  assert.match(text, /等待原参保地确认/);
  assert.match(text, /申请时间：2026-11-20 10:00/);
  assert.ok(page.buttons().includes('刷新进度'), page.buttons().join(' '));
  assert.ok(!page.buttons().includes('申请暂停原参保地参保'), page.buttons().join(' '));
  assert.deepEqual(wx.callsOf('showToast').map((c) => c.title), ['已申请过，正在等待原参保地确认']);
});

test('payment shows amount, deadline and payee, and 我已缴费 asks the backend now', async () => {
  const wx = backend((w) => {
    w.route('GET', '/registrations/7', { body: { id: 7, status: 'approved', year: 2027 } });
    w.route('GET', '/registrations/7/payment', { body: { amount_fen: 40000, window_closes_at: '2026-12-31T15:59:59Z',
      agency_name: '宣城市医疗保障局', tax_authority_name: '国家税务总局宣城市税务局', qr_url: 'http://127.0.0.1:5000/api/v1/links/payment-qr/7.x.y',
      channels: [{ channel: 'tax', navigate: { appId: 'wx-tax', path: 'pages/pay/index' } }] } });
    w.route('POST', '/registrations/7/payment/check', [{ body: { checked: true, status: 'approved' } },
      { body: { checked: true, status: 'paid' } }]);
  });
  const router = await launch(wx, '/pages/payment/payment', { id: '7' });
  const page = router.top;
  const text = visible(page);
  for (const expected of ['¥400.00', '2026-12-31', '国家税务总局宣城市税务局', '宣城市医疗保障局', '2027年度', '缴费年度选2027年度']) {
    assert.ok(text.includes(expected), expected);
  }
  assert.ok(!text.includes('请勿重复缴费'), 'no double-payment warning before paying');
  await page.tap('去税务小程序缴费');
  assert.equal(wx.callsOf('navigateToMiniProgram')[0].appId, 'wx-tax');
  assert.deepEqual(wx.callsOf('requestSubscribeMessage')[0].tmplIds, ['tpl-paid', 'tpl-window-closing']);
  await router.returnFromMiniProgram();
  assert.equal(wx.callsOf('request').filter((r) => /payment\/check$/.test(r.url)).length, 1);
  assert.ok(!page.text().includes('缴费成功'));
  await page.tap('我已缴费，查询结果');
  assert.ok(page.text().includes('缴费成功，参保完成'), page.text());
});

test('after the close the payment page offers no payment and says a payment made in time is still confirmed', async () => {
  const wx = backend((w) => {
    w.route('GET', '/registrations/7', { body: { id: 7, status: 'approved' } });
    w.route('GET', '/registrations/7/payment', { body: { amount_fen: 40000, window_closes_at: '2026-12-31T15:59:59Z',
      window_closed: true, agency_name: '宣城市医疗保障局', tax_authority_name: '国家税务总局宣城市税务局',
      qr_url: 'http://127.0.0.1:5000/api/v1/links/payment-qr/7.x.y',
      channels: [{ channel: 'tax', navigate: { appId: 'wx-tax', path: 'pages/pay/index' } }] } });
    w.route('POST', '/registrations/7/payment/check', { body: { checked: true, status: 'paid' } });
  });
  const router = await launch(wx, '/pages/payment/payment', { id: '7' });
  const page = router.top;
  const text = visible(page);
  for (const expected of ['本年度缴费期已于2026-12-31截止', '确认缴费需要1~2个工作日', '请勿重复缴费']) {
    assert.ok(text.includes(expected), `${expected}: ${text}`);
  }
  assert.ok(!text.includes('去税务小程序缴费') && !text.includes('请家长代缴'), text);
  await page.tap('我已缴费，查询结果');
  assert.ok(page.text().includes('缴费成功，参保完成'), page.text());
  assert.deepEqual(wx.callsOf('navigateToMiniProgram'), []);
});

test('a payment page opened for a record that cannot be paid says why, asks nothing of the bureau, leads home', async () => {
  for (const [status, title] of [['expired', '登记已过期'], ['revoked', '登记已被撤销'], ['submitted', '尚未审核通过']]) {
    const wx = backend((w) => {
      w.route('GET', '/registrations/7', { body: { id: 7, status } });
    });
    const router = await launch(wx, '/pages/payment/payment', { id: '7' });
    const text = visible(router.top);
    assert.ok(text.includes(title) && !text.includes('去税务小程序缴费'), text);
    if (status === 'expired') assert.ok(text.includes('请勿重复缴费'), text);
    assert.equal(wx.callsOf('request').filter((r) => /payment/.test(r.url)).length, 0);
    await router.top.tap('返回首页');
    assert.equal(router.top.route, '/pages/home/home');
  }
});

test('messages open the record they are about; help lists the phone', async () => {
  const wx = backend((w) => {
    w.route('GET', '/me/messages', { body: { messages: [{ id: 2, title: '参保登记审核通过，请缴费', body: '参保登记审核通过，请缴费',
      status: 'waiting_quota', created_at: '2026-10-09T01:02:00Z', page: 'pages/payment/payment?id=7' }] } });
    w.route('GET', '/registrations/7', { body: { id: 7, status: 'paid' } });
  });
  const router = await launch(wx, '/pages/messages/messages');
  const text = visible(router.top);
  assert.ok(text.includes('2026-10-09 09:02') && text.includes('未订阅服务通知'), text);
  await router.top.tap('参保登记审核通过，请缴费');
  assert.deepEqual([router.top.route, router.top.query], ['/pages/payment/payment', { id: '7' }]);
  router.switchTab('/pages/help/help');
  await new Promise((r) => { setTimeout(r, 50); });
  assert.ok(router.top.text().includes('0563-3022563'));
});

test('requestFacialVerify takes only a verifyId the backend handed to this user, once', async () => {
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'register', zone: ZONE, student: { id: 1 }, registration: null } });
  });
  await launch(wx, '/pages/home/home');
  const outcomes = [];
  const verify = (verifyId) => new Promise((resolve) => {
    wx.requestFacialVerify({ verifyId, success: () => resolve('ok'), fail: (res) => resolve(res.errMsg) });
  }).then((outcome) => outcomes.push(outcome));
  await verify(undefined);
  await verify('verify-made-up');
  wx.route('POST', '/identity/face', { status: 201, body: { verify_id: 'verify-7', expires_in: 3600 } });
  await getApp().api.post('/identity/face', { id_number: '34052419800101001X', name: '王宣' });
  await verify('verify-7');
  await verify('verify-7');
  assert.deepEqual(outcomes, ['requestFacialVerify:fail invalid verifyId',
    'requestFacialVerify:fail 84001 invalid verify_id', 'ok', 'requestFacialVerify:fail 84001 invalid verify_id']);
});

test('registering over an imported record: proof by face, then 保存 again takes the record over', async () => {
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'register', zone: { ...ZONE, face_verification: true },
      student: { id: 1 }, registration: null } });
    w.route('POST', '/registrations', [
      { status: 403, body: { code: 'needs_proof', message: '暂不能为您办理：不符合办理条件或需先核验本人身份',
        details: { methods: ['face', 'phone', 'centre'] } } },
      { status: 201, body: { id: 9, status: 'submitted', name: '张晓雨', id_type: 'resident_id', id_number: '3405**********001X',
        history: [], photo_uploaded: false, letter_required: false, letter_signed: false } }]);
    w.route('POST', '/identity/face', { status: 201, body: { verify_id: 'verify-1', expires_in: 3600 } });
    w.route('POST', '/identity/face/result', { body: { id: 1, method: 'face', status: 'passed', message: '身份核验通过' } });
  });
  const router = await launch(wx, '/pages/register/register');
  const page = router.top;
  await fillForm(page);
  await page.tap('保存并继续');
  const identity = router.top;
  assert.equal(identity.route, '/pages/identity/identity');
  const text = visible(identity);
  assert.ok(text.includes('参保登记前需要确认您就是参保人本人') && text.includes('张晓雨'), text);
  await identity.tap('开始人脸核身');
  assert.deepEqual(wx.callsOf('requestFacialVerify').map((c) => c.verifyId), ['verify-1']);
  assert.equal(router.top, page);
  const posts = wx.callsOf('request').filter((r) => r.method === 'POST' && /registrations$/.test(r.url));
  assert.equal(posts.length, 2);
  assert.equal(posts[1].data.id_number, '34052419800101001X');
  assert.deepEqual(wx.failures(), []);
});

test('a photo sent again while the first waits for the centre shows the waiting request', async () => {
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'register', zone: ZONE, student: { id: 1 }, registration: null } });
    // Another phone's request, already waiting for the centre.
    w.route('GET', '/identity/requests/latest', { body: { request: { id: 3, method: 'centre', status: 'pending',
      message: null, created_at: '2026-11-20T02:00:00Z', reason: null } } });
    w.route('UPLOAD', '/identity/requests', { status: 409, body: { code: 'review_pending',
      message: '您已提交该证件的照片，正在等待医保中心审核，请勿重复提交', errors: {} } });
  });
  wx.photo = Buffer.from('89504e470d0a1a0a', 'hex');
  wx.setStorageSync('proof', { act: 'renewal', status: 'needed', methods: ['centre'], resume: '/pages/zones/zones',
    person: { id_type: 'resident_id', id_number: '34052419800101001X', name: '张晓雨' }, form: {} });
  const router = await launch(wx, '/pages/identity/identity');
  const page = router.top;
  assert.ok(page.buttons().includes('提交医保中心审核'), page.buttons().join(' '));
  await page.tap('拍摄或选择照片');
  await page.tap('提交医保中心审核');
  const text = visible(page);
  assert.match(text, /已提交，医保中心审核中/);
  assert.match(text, /提交时间：2026-11-20 10:00/);
  assert.deepEqual(wx.callsOf('showModal'), []);
  assert.equal(wx.getStorageSync('proof').status, 'waiting');
});

test('after the centre approved, 继续办理 opens the registration form as it was when 保存 needed the proof', async () => {
  const wx = backend((w) => {
    w.route('GET', '/me', { body: { next_action: 'register', zone: ZONE, student: { id: 1 }, registration: null } });
    w.route('GET', '/identity/requests/latest', { body: { request: { id: 3, method: 'centre', status: 'passed',
      message: '身份核验通过', created_at: '2026-10-08T09:35:00Z', reason: null } } });
  });
  wx.setStorageSync('proof', { act: 'claim', status: 'waiting', methods: ['phone', 'centre'],
    resume: '/pages/register/register?resume=1', person: { id_type: 'resident_id', id_number: '34052419800101001X', name: '张晓雨' },
    form: { name: '张晓雨', id_type: 'resident_id', id_number: '34052419800101001X', student_no: '2022217001' } });
  const router = await launch(wx, '/pages/home/home');
  const home = visible(router.top);
  assert.ok(home.includes('身份核验已通过，可以继续办理参保登记'), home);
  await router.top.tap('继续办理参保登记');
  const page = router.top;
  assert.equal(page.route, '/pages/register/register');
  const text = visible(page);
  assert.ok(text.includes('张晓雨') && text.includes('34052419800101001X') && text.includes('2022217001'), text);
});
