'use strict';
// Renewal: paid up last year in this zone, so the ID number typed on the zones page goes straight to payment.
const test = require('node:test');
const assert = require('node:assert/strict');
const { idNumber, launch, student, reads, shot } = require('./helpers');

test('renewal with the ID number goes straight to payment', async () => {
  const wx = student('renewal');
  const router = await launch(wx, '/pages/zones/zones');
  const page = router.top;
  await page.tap('续保缴费');
  assert.equal(page.errorUnder('id_number'), '请填写去年参保时使用的身份证号码');
  await page.type('id_number', '34052419800101001');
  await page.tap('续保缴费');
  assert.equal(page.errorUnder('id_number'), '证件号码应为18位，最后一位可为大写X');
  await shot(page, '19-zones-renewal-error');
  await page.type('id_number', idNumber('20040101', 42));
  await page.tap('续保缴费');
  assert.match(wx.callsOf('showToast').pop().title, /[\u4e00-\u9fa5]/);
  assert.equal(router.top.route, '/pages/zones/zones');
  await page.type('id_number', '34052419800101001X');
  await page.tap('续保缴费');
  assert.equal(router.top.route, '/pages/payment/payment');
  reads(router.top, '¥400.00', '去税务小程序缴费');
  assert.deepEqual(wx.failures(), []);
});
