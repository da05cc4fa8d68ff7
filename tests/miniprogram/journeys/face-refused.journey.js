'use strict';
// A student enrolled at home whose face verification fails (cancelled: 90004): nothing changes, the page offers
// the ID-photo request → errors under their fields → sent → "医保中心审核中" on the page and on home → the centre
// approves it on the admin page 身份核验 (its HTML form) → home offers 继续办理停保申请 → the form as it was →
// the application goes through.
const test = require('node:test');
const assert = require('node:assert/strict');
const { PHOTO, launch, student, world, waitFor, reads, shot, fillRegistration } = require('./helpers');

const LI_YUN = { name: '李云', id_number: '530102199901010023', hukou_address: '云南省昆明市五华区', hukou_region: { value: ['云南省', '昆明市', '五华区'], code: ['530000', '530100', '530102'] } };

test('face refused: the centre reviews the ID photo, then the suspension goes through', async () => {
  await world('/zone-setting', { face_verification: true });
  const wx = student('refused');
  wx.faceResult = 90004; // the student cancels the capture
  let router = await launch(wx, '/pages/zones/zones');
  await router.top.tap('进入宣城市专区');
  await router.top.tap('开始参保登记');
  await fillRegistration(router.top, LI_YUN);
  await router.top.tap('保存并继续');
  const form = router.top;
  assert.equal(form.route, '/pages/suspension/suspension');
  await form.check('consent', ['agree']);
  await form.tap('申请暂停原参保地参保');
  let page = router.top;
  assert.equal(page.route, '/pages/identity/identity');
  await page.tap('开始人脸核身');
  // Refused: still on the proof page, nothing sent, the photo request offered.
  assert.equal(router.top, page);
  reads(page, '人脸核身未通过或已取消', '身份证照片（人像面）', '提交医保中心审核', '再试一次人脸核身');
  assert.deepEqual(wx.failures(), ['requestFacialVerify:fail 90004']);
  await shot(page, '24-identity-face-failed');
  wx.photo = null; // no photo chosen yet
  await page.type('name', '');
  await page.tap('提交医保中心审核');
  assert.equal(page.errorUnder('name'), '请填写姓名（与身份证一致）');
  assert.equal(page.errorUnder('file'), '请拍摄或选择身份证人像面照片');
  await shot(page, '25-identity-photo-errors');
  await page.type('name', '李云');
  wx.photo = PHOTO;
  await page.tap('拍摄或选择照片');
  assert.equal(page.errorUnder('file'), '');
  await page.tap('提交医保中心审核');
  const [upload] = wx.callsOf('uploadFile');
  assert.equal(upload.name, 'file');
  assert.deepEqual(upload.formData, { id_type: 'resident_id', id_number: LI_YUN.id_number, name: '李云' });
  reads(page, '已提交，医保中心审核中', '提交时间');
  await shot(page, '26-identity-waiting');

  await page.tap('返回首页');
  let home = router.top;
  assert.equal(home.route, '/pages/home/home');
  await waitFor(() => home.text().includes('医保中心审核中'), 'home to show the waiting request');
  reads(home, '身份核验：身份证照片已提交', '医保中心审核中');
  await shot(home, '27-home-identity-waiting');

  // The centre compares the photo with the name and ID number on its page 身份核验 and approves.
  const { shown } = await world('/identity-review', { decision: 'pass' });
  assert.match(shown, /李云/);
  assert.match(shown, /与登记信息一致/);

  // The student opens the app again (a new launch): home says it passed and offers to go on.
  router = await launch(wx, '/pages/home/home');
  home = router.top;
  await waitFor(() => home.text().includes('身份核验已通过'), 'home to show the approval');
  reads(home, '身份核验已通过，可以继续办理停保申请', '继续办理停保申请');
  await shot(home, '28-home-identity-passed');
  await home.tap('继续办理停保申请');
  page = router.top;
  assert.equal(page.route, '/pages/suspension/suspension');
  reads(page, '李云', '云南省本级');
  assert.equal(page.data.form.consent, true);
  await page.tap('申请暂停原参保地参保');
  reads(page, '等待原参保地确认');
  router = await launch(wx, '/pages/home/home');
  await waitFor(() => router.top.text().includes('停保进度'), 'home to show the waiting suspension');
  reads(router.top, '停保进度：等待原参保地确认');
  assert.ok(!router.top.text().includes('身份核验'), router.top.text());
  assert.deepEqual(wx.failures(), ['requestFacialVerify:fail 90004']);
});
