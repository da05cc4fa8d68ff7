'use strict';
// Returned → fix → resubmit, reached through the message list: the item opens this registration, prefilled, the
// reason at the top, the saved (masked) values shown as placeholders of empty inputs, so none is sent back masked.
const test = require('node:test');
const assert = require('node:assert/strict');
const { idNumber, launch, student, world, waitFor, reads, shot, fillRegistration } = require('./helpers');

test('returned registration is fixed and resubmitted from the message list', async () => {
  const wx = student('returned');
  const router = await launch(wx, '/pages/zones/zones');
  await router.top.tap('进入宣城市专区');
  await router.top.tap('开始参保登记');
  let page = router.top;
  await fillRegistration(page, { name: '赵敏', id_number: idNumber('20040101', 22) });
  await page.tap('保存并继续');
  await page.tap('上传证件照片');
  await page.tap('提交审核');
  const id = Number((await (await fetch(`${process.env.BACKEND}/api/v1/me`, {
    headers: { Authorization: `Bearer ${wx.storage.token}` } })).json()).registration.id);
  await world('/decide', { registration_id: id, decision: 'return', reason: '身份证照片不清晰，请重新上传' });

  wx.switchTab({ url: '/pages/messages/messages' });
  await waitFor(() => router.top.text().includes('参保登记被退回'), 'the message list to show the return');
  reads(router.top, '参保登记被退回，请修改后重新提交', '身份证照片不清晰');
  await shot(router.top, '17-messages');
  await router.top.tap('参保登记被退回，请修改后重新提交');
  page = router.top;
  assert.deepEqual([page.route, page.query], ['/pages/register/register', { id: String(id) }]);
  await waitFor(() => page.data.loaded, 'the returned registration to load');
  reads(page, '退回原因：身份证照片不清晰，请重新上传', '赵敏', '已上传', '提交审核', '安徽省 淮南市 田家庵区');
  assert.equal(page.data.form.id_number, '');
  assert.match(page.data.placeholders.id_number, /^已保存 340403\*+\d{3}[0-9X]$/);
  assert.match(page.data.placeholders.hukou_address, /^已保存 .+\*+$/);
  await shot(page, '18-register-returned');
  await page.type('phone', '13800000000');
  await page.type('hukou_address', '安徽省淮南市田家庵区洞山路12号');
  await page.tap('重新上传照片');
  await page.tap('提交审核');
  assert.equal(router.top.route, '/pages/home/home');
  await waitFor(() => router.top.text().includes('已提交，等待医保中心审核'), 'home to show the resubmission');
  const stored = await world(`/registration/${id}`);
  assert.deepEqual([stored.phone, stored.hukou_address, stored.residence_address],
    ['13800000000', '安徽省淮南市田家庵区洞山路12号', '安徽省宣城市宣州区薰化路301号'], 'typed values kept, the rest untouched');
  assert.deepEqual(wx.failures(), []);
});
