'use strict';
// A first-time, subsidised student in a zone that asks for the ID photo (seed 002's 登记材料): zone → register →
// 提交审核 without the photo names it → photo → sign the letter → submit → approved → pay in
// the tax mini-program → 已缴费 within seconds of coming back → receipts (the e-receipt PDF opens) → certificate;
// the parents' QR decodes to WeChat's URL scheme and loads without a token; the "approved" message opens this
// registration's payment page.
const test = require('node:test');
const assert = require('node:assert/strict');
const { PNG } = require('pngjs');
const jsQR = require('jsqr');
const { idNumber, launch, student, world, waitFor, reads, shot, fillRegistration } = require('./helpers');

test('first-time student from zone to certificate', async () => {
  await world('/zone-setting', { id_photo_required: true });
  const wx = student('first');
  let router = await launch(wx, '/pages/home/home');
  reads(router.top, '请先选择参保的地方专区', '选择地方专区');
  await shot(router.top, '01-home-new');
  await router.top.tap('选择地方专区');
  reads(router.top, '宣城市专区', '¥400.00');
  await shot(router.top, '02-zones');
  await router.top.tap('进入宣城市专区');
  assert.equal(router.top.route, '/pages/home/home');
  reads(router.top, '宣城市专区', '¥400.00', '开始参保登记', '城乡居民医保集中缴费期进行中');

  await router.top.tap('开始参保登记');
  let page = router.top;
  assert.equal(page.route, '/pages/register/register');
  await shot(page, '03-register-empty');
  await page.tap('保存并继续');
  assert.equal(page.errorUnder('id_number'), '请填写证件号码');
  await shot(page, '04-register-errors');
  await fillRegistration(page, { name: '张晓雨', id_number: idNumber('20050314', 12), special: '低保对象' });
  await page.tap('保存并继续');
  reads(page, '提交审核', '未上传', '证件照片（登记材料，提交前须上传）', '资助参保承诺书', '提交前需签署');
  await page.tap('提交审核');
  assert.equal(page.route, '/pages/register/register');
  assert.equal(page.errorUnder('id_photo'), '请上传参保人身份证照片后再提交');
  await page.tap('上传证件照片');
  assert.equal(page.errorUnder('id_photo'), '');
  reads(page, '已上传');
  await shot(page, '05-register-saved');

  await page.tap('提交审核');
  assert.equal(router.top.route, '/pages/letter/letter');
  reads(router.top, '承诺书', '确认签署');
  await shot(router.top, '06-letter');
  await router.top.touch('sig', Array.from({ length: 20 }, (_, i) => ({ x: 10 + i * 10, y: 40 + (i % 5) * 8 })));
  await router.top.tap('确认签署');
  page = router.top;
  assert.equal(page.route, '/pages/register/register');
  await waitFor(() => page.text().includes('已签署'), 'the register page to show the signed letter');
  await page.tap('提交审核');
  assert.equal(router.top.route, '/pages/home/home');
  reads(router.top, '已提交，等待医保中心审核', '办理记录提交审核');
  assert.deepEqual(router.top.data.steps.map((s) => s.state), ['done', 'done', 'current', 'todo', 'todo']);
  await shot(router.top, '07-home-submitted');
  const me = await (await fetch(`${process.env.BACKEND}/api/v1/me`, { headers: { Authorization: `Bearer ${wx.storage.token}` } })).json();
  const id = me.registration.id;

  await world('/decide', { registration_id: id, decision: 'approve' });
  router.top.comp.instance.onShow();
  await waitFor(() => router.top.text().includes('审核通过，请缴费'), 'home to show the approval');
  await shot(router.top, '08-home-approved');
  await router.top.tap('去缴费');
  page = router.top;
  assert.deepEqual([page.route, page.query], ['/pages/payment/payment', { id: String(id) }]);
  reads(page, '¥400.00', '宣城市医疗保障局', '国家税务总局宣城市税务局', '缴费截止');
  await shot(page, '09-payment');

  const [qrSrc] = page.images();
  const image = await fetch(qrSrc);  // an <image src> sends no Authorization header
  assert.equal(image.status, 200);
  const png = PNG.sync.read(Buffer.from(await image.arrayBuffer()));
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height).data;
  const scheme = new URL(decoded);
  assert.equal(`${scheme.protocol}//${scheme.host}${scheme.pathname}`, 'weixin://dl/business/');
  assert.equal(scheme.searchParams.get('path'), 'pages/pay/index');
  assert.match(decoded, /&query=zone%3D341800%26year%3D\d{4}%26ref%3DR\d{8}/);

  await page.tap('去税务小程序缴费');
  assert.equal(wx.leftApp.appId, 'wx-tax-demo-appid');
  await world('/tax-payment', { registration_id: id });
  const back = Date.now();
  await router.returnFromMiniProgram();
  await waitFor(() => page.text().includes('缴费成功，参保完成'), '已缴费 after returning from the tax app', 10000);
  assert.ok(Date.now() - back < 10000);
  reads(page, '已缴费');
  await shot(page, '10-payment-paid');

  await page.tap('查看缴费记录');
  page = router.top;
  reads(page, '342026112400001', '¥400.00', '税务系统缴费');
  await shot(page, '11-receipts');
  // The e-receipt: a signed link fetched by wx.downloadFile (no token), opened by wx.openDocument as a PDF.
  await page.tap('下载电子缴费凭证');
  const [download] = wx.callsOf('downloadFile');
  assert.ok(!download.header || !download.header.Authorization, 'downloadFile sends no bearer token');
  const [opened] = wx.callsOf('openDocument');
  assert.equal(opened.fileType, 'pdf');
  assert.equal(wx.openedDocument.bytes.subarray(0, 4).toString(), '%PDF');
  await page.tap('复制参保证明链接（15分钟内有效）');
  const copied = wx.callsOf('setClipboardData')[0].data;
  const fromClipboard = await fetch(copied);  // a copied link carries no token
  assert.ok(fromClipboard.status === 200 && (await fromClipboard.text()).includes('参保证明'));
  await page.tap('查看参保证明');
  const webView = router.top;
  assert.equal(webView.route, '/pages/certificate/certificate');
  const src = webView.attrs(webView.nodes().find((n) => n._vt.tagName === 'web-view')).src;
  const certificate = await fetch(src);
  assert.ok(certificate.status === 200 && (await certificate.text()).includes('参保证明'));

  // The approval's subscription message opens this registration's payment page.
  const { messages } = await world('/sent-messages');
  const approved = messages.find((m) => m.template_id === 'tpl-approved');
  assert.equal(approved.page, `pages/payment/payment?id=${id}`);
  const [pagePath, query] = approved.page.split('?');
  router = await launch(wx, `/${pagePath}`, Object.fromEntries(new URLSearchParams(query)));
  reads(router.top, '已缴费');

  // The next autumn: paid up here, the student renews from home with one tap, no registration and no review.
  const { year } = await world('/next-year', {});
  router = await launch(wx, '/pages/home/home');
  page = router.top;
  await waitFor(() => page.text().includes('续保缴费'), 'home offering the renewal');
  reads(page, `${year}年度`, '去年已在本专区参保，可续保', '无需重新登记和审核');
  await shot(page, '12-home-renewal');
  await page.tap('续保缴费');
  await waitFor(() => router.top.route === '/pages/payment/payment', 'the renewal to open its payment page');
  await waitFor(() => router.top.text().includes('去税务小程序缴费'), 'the renewal\'s payment page');
  reads(router.top, '¥400.00');
  assert.notEqual(router.top.query.id, String(id));
  assert.deepEqual(wx.failures(), []);
});
