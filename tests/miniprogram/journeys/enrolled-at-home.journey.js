'use strict';
// A student still enrolled at home: registering is refused naming the home zone (the name typed is the one on
// file) → the suspension form opens with the name and ID number already typed and the home zone by name → the
// application needs the identity proof: WeChat face verification (the zone has it; the fake WeChat server says
// 10000) → the application goes through by itself → waiting shown on home → the home town confirms (a real rq
// worker) → the message opens the suspension → register.
const test = require('node:test');
const assert = require('node:assert/strict');
const { launch, student, world, waitFor, reads, shot, fillRegistration } = require('./helpers');

const LI_YUN = { name: '李云', id_number: '530102199901010023', hukou_address: '云南省昆明市五华区', hukou_region: { value: ['云南省', '昆明市', '五华区'], code: ['530000', '530100', '530102'] } };

test('enrolled at home: prove by face, suspend, wait, register', async () => {
  await world('/zone-setting', { face_verification: true });
  const wx = student('home');
  let router = await launch(wx, '/pages/zones/zones');
  await router.top.tap('进入宣城市专区');
  await router.top.tap('开始参保登记');
  let page = router.top;
  await fillRegistration(page, LI_YUN);
  await page.tap('保存并继续');
  const [modal] = wx.callsOf('showModal');
  assert.match(modal.content, /云南省本级/);
  page = router.top;
  assert.equal(page.route, '/pages/suspension/suspension');
  reads(page, '李云', '云南省本级', '申请暂停原参保地参保');
  assert.equal(page.data.form.id_number, LI_YUN.id_number);
  await shot(page, '12-suspension-form');
  await page.tap('申请暂停原参保地参保');
  assert.equal(page.errorUnder('consent'), '请勾选同意暂停原参保地的城乡居民基本医疗保险');
  await shot(page, '13-suspension-consent-error');
  await page.check('consent', ['agree']);
  await page.tap('申请暂停原参保地参保');
  // The backend wants proof that this WeChat user is 李云: the page for it opens with what was typed.
  const identity = router.top;
  assert.equal(identity.route, '/pages/identity/identity');
  reads(identity, '停保申请前需要确认您就是参保人本人', '李云', LI_YUN.id_number, '开始人脸核身', '上传身份证照片');
  await shot(identity, '23-identity-face');
  await identity.tap('开始人脸核身');
  const [verify] = wx.callsOf('requestFacialVerify');
  assert.match(verify.verifyId, /^verify-\d+$/);
  // Passed: back on the suspension form, the application was sent again without another tap.
  await waitFor(() => router.top === page && page.text().includes('等待原参保地确认'), 'the retried application');
  assert.equal(wx.callsOf('request').filter((r) => r.url.endsWith('/suspensions') && r.method === 'POST').length, 2);
  reads(page, '等待原参保地确认');
  assert.deepEqual(wx.callsOf('requestSubscribeMessage').map((r) => r.tmplIds),
    [['tpl-submitted', 'tpl-roster-reminder'], ['tpl-suspension']]);
  await shot(page, '14-suspension-waiting');

  wx.switchTab({ url: '/pages/home/home' });
  await waitFor(() => router.top.text().includes('停保进度'), 'home to show the waiting suspension');
  reads(router.top, '停保进度：等待原参保地确认');
  assert.equal(router.top.data.steps.find((s) => s.state === 'current').label, '停保');
  await shot(router.top, '15-home-suspension-waiting');

  await world('/suspensions-due', {});
  const { messages, outbox } = await world('/sent-messages');
  const confirmed = messages.find((m) => m.template_id === 'tpl-suspension');
  assert.ok(confirmed, JSON.stringify({ messages, outbox }));
  assert.match(confirmed.page, /^pages\/suspension\/suspension\?id=\d+$/);
  const [pagePath, query] = confirmed.page.split('?');
  router = await launch(wx, `/${pagePath}`, Object.fromEntries(new URLSearchParams(query)));
  page = router.top;
  reads(page, '原参保地已暂停参保，可以继续登记', '继续参保登记');
  await shot(page, '16-suspension-confirmed');
  await page.tap('继续参保登记');
  page = router.top;
  assert.equal(page.route, '/pages/register/register');
  // The form typed before the refusal is back (kept on the phone, the app started again from the message).
  await waitFor(() => page.data.loaded, 'the register page to load');
  reads(page, '李云', '云南省 昆明市 五华区', '保存并继续');
  assert.equal(page.data.form.hukou_address, LI_YUN.hukou_address);
  await page.tap('保存并继续');
  reads(page, '提交审核', '未上传');
  assert.deepEqual(wx.failures(), []);
});
