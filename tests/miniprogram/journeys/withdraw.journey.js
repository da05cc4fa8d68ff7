'use strict';
// Withdraw: a submitted registration is withdrawn after confirming, and home's 开始参保登记 opens a new form.
const test = require('node:test');
const assert = require('node:assert/strict');
const { idNumber, launch, student, waitFor, reads, shot, fillRegistration } = require('./helpers');

test('a submitted registration is withdrawn', async () => {
  const wx = student('withdraw');
  const router = await launch(wx, '/pages/zones/zones');
  await router.top.tap('进入宣城市专区');
  await router.top.tap('开始参保登记');
  const page = router.top;
  await fillRegistration(page, { name: '钱多', id_number: idNumber('20040202', 32) });
  await page.tap('保存并继续');
  await page.tap('上传证件照片');
  await page.tap('提交审核');
  await router.top.tap('查看登记信息');
  reads(router.top, '登记状态：已提交，等待审核', '撤回登记');
  await shot(router.top, '20-register-submitted');
  await router.top.tap('撤回登记');
  assert.equal(wx.callsOf('showModal').pop().title, '撤回登记');
  assert.equal(router.top.route, '/pages/home/home');
  await waitFor(() => router.top.text().includes('已撤回'), 'home to show the withdrawal');
  reads(router.top, '已撤回', '开始参保登记');
  await router.top.tap('开始参保登记');
  const again = router.top;
  assert.equal(again.route, '/pages/register/register');
  reads(again, '保存并继续');
  await fillRegistration(again, { name: '钱多', id_number: idNumber('20040202', 32) });
  await again.tap('保存并继续');
  await waitFor(() => again.text().includes('提交审核'), 'the new registration to be saved');
  assert.deepEqual(wx.failures(), []);
});
