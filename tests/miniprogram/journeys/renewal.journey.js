'use strict';
// Renewal: paid up last year in this zone. The ID number typed on the zones page is someone's: before anything
// about that person is shown or done, the student proves to be them (face verification, with the name typed on
// the proof page), then the renewal goes straight to payment.
const test = require('node:test');
const assert = require('node:assert/strict');
const { idNumber, launch, student, world, waitFor, reads, shot } = require('./helpers');

test('renewal: prove by face, then straight to payment', async () => {
  await world('/zone-setting', { face_verification: true });
  const wx = student('renewal');
  const router = await launch(wx, '/pages/zones/zones');
  const page = router.top;
  await page.tap('续保缴费');
  assert.equal(page.errorUnder('id_number'), '请填写去年参保时使用的身份证号码');
  await page.type('id_number', '34052419800101001');
  await page.tap('续保缴费');
  assert.equal(page.errorUnder('id_number'), '证件号码应为18位，最后一位可为大写X');
  await shot(page, '19-zones-renewal-error');
  // Not insured here: the same answer as for anyone before proof, the proof page.
  await page.type('id_number', idNumber('20040101', 42));
  await page.tap('续保缴费');
  assert.equal(router.top.route, '/pages/identity/identity');
  reads(router.top, '续保缴费前需要确认您就是参保人本人');
  wx.navigateBack();
  await page.type('id_number', '34052419800101001X');
  await page.tap('续保缴费');
  const identity = router.top;
  assert.equal(identity.route, '/pages/identity/identity');
  // Nothing about the person before proof: the name is the student's to type.
  assert.equal(identity.data.person.name, '');
  assert.ok(!identity.text().includes('王宣'), identity.text());
  await identity.tap('开始人脸核身');
  assert.equal(identity.errorUnder('name'), '请填写姓名（与身份证一致）');
  assert.equal(wx.callsOf('requestFacialVerify').length, 0);
  await shot(identity, '29-identity-renewal-name');
  await identity.type('name', '王宣');
  await identity.tap('开始人脸核身');
  await waitFor(() => router.top.route === '/pages/payment/payment', 'the renewal to open its payment page');
  await waitFor(() => router.top.text().includes('去税务小程序缴费'), 'the payment page');
  reads(router.top, '¥400.00', '去税务小程序缴费');
  // Asked three times: refused twice before proof, then done again by itself once the face check passed.
  assert.equal(wx.callsOf('request').filter((r) => r.url.endsWith('/renewals')).length, 3);
  assert.deepEqual(wx.failures(), []);
});
