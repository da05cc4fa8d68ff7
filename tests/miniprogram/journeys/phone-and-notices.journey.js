'use strict';
// Phone binding with the getPhoneNumber button, and the zone's notices from /config on home; help shows the
// zone's service phone.
const test = require('node:test');
const assert = require('node:assert/strict');
const { launch, student, waitFor, reads, shot } = require('./helpers');

test('phone binding and notices', async () => {
  const wx = student('phone');
  const router = await launch(wx, '/pages/zones/zones');
  await router.top.tap('进入宣城市专区');
  const home = router.top;
  reads(home, '城乡居民医保集中缴费期进行中', '绑定微信手机号');
  await shot(home, '21-home-zone-chosen');
  await home.getPhoneNumber(null);
  assert.match(wx.callsOf('showToast').pop().title, /未授权手机号/);
  await home.getPhoneNumber('phone-13912345205');
  reads(home, '已绑定手机号：139****5205');
  assert.ok(!home.buttons().includes('绑定微信手机号'));
  wx.switchTab({ url: '/pages/help/help' });
  await waitFor(() => router.top.text().includes('拨打咨询电话'), 'help to show the service phone');
  reads(router.top, '常见问题', '拨打咨询电话');
  await shot(router.top, '22-help');
  assert.deepEqual(wx.failures(), []);
});
