'use strict';
const { subscribe } = require('../subscribe');
const { yuan, beijingDate } = require('../format');
const { showError, loadFailed } = require('./show');

const UNPAYABLE = {
  expired: { title: '登记已过期', text: '本次登记未在缴费截止前查到缴费，已失效。如果在截止前已经缴费，税务部门确认后会自动更新为已缴费，请勿重复缴费；如需参保，请回首页重新登记。' },
  rejected: { title: '登记未通过审核', text: '本次登记不能缴费。不予通过的原因见首页，如需参保请回首页重新登记。' },
  revoked: { title: '登记已被撤销', text: '本次登记不能缴费。撤销原因见首页，如需参保请回首页重新登记。' },
  withdrawn: { title: '登记已撤回', text: '本次登记不能缴费，如需参保请回首页重新登记。' },
  other: { title: '尚未审核通过', text: '审核通过后才能缴费，审核结果会通过微信消息通知您，请回首页查看办理进度。' },
};

// 我已缴费: the backend asks the tax bureau at once (at most every 30 s); coming back from the tax mini-program
// (onShow after navigateToMiniProgram) does the same.
function createPaymentLogic({ wx, api, ready, templates, setData }) {
  let id = null;
  let target = null;
  let leftToPay = false;

  function paid(status) {
    setData({ paid: true, statusText: '已缴费', loaded: true });
    return status;
  }

  // Opened from a message or the list when the record cannot be paid (any more, or yet): say why and what next.
  function unpayable(status) {
    const view = UNPAYABLE[status] || UNPAYABLE.other;
    setData({ loaded: true, paid: false, unpayable: view });
    return status;
  }

  return {
    async load(registrationId) {
      id = registrationId;
      await ready;
      try {
        const registration = await api.get(`/registrations/${id}`);
        if (registration.status === 'paid') return paid(registration.status);
        if (registration.status !== 'approved') return unpayable(registration.status);
        target = await api.get(`/registrations/${id}/payment`);
        setData({
          loaded: true, paid: false, statusText: '待缴费', amount: yuan(target.amount_fen), year: registration.year || '',
          closes: beijingDate(target.window_closes_at), agency: target.agency_name || '',
          taxAuthority: target.tax_authority_name || '', qrUrl: target.qr_url,
          channels: target.channels.map((c) => ({ channel: c.channel, label: c.channel === 'tax' ? '去税务小程序缴费' : '用医保个人账户家庭共济缴费' })),
          hasFamily: target.channels.length > 1,
          closed: Boolean(target.window_closed),
        });
        return target;
      } catch (error) { loadFailed(setData, error); return null; }
    },
    pay(channel) {
      if (!target) return Promise.resolve(null);
      const chosen = target.channels.find((c) => c.channel === channel) || target.channels[0];
      // The reminder before the window closes is sent only to students who accepted it here.
      return subscribe({ wx, api, templates }, ['paid', 'window_closing', 'expired']).then(() => new Promise((resolve) => {
        wx.navigateToMiniProgram({
          ...chosen.navigate,
          success: () => { leftToPay = true; resolve(chosen.channel); },
          fail: () => { wx.showToast({ title: '已取消跳转缴费', icon: 'none' }); resolve(null); },
        });
      }));
    },
    async check({ quiet = false } = {}) {
      if (!id) return null;
      try {
        const result = await api.post(`/registrations/${id}/payment/check`);
        if (result.status === 'paid') return paid(result.status);
        if (!quiet) {
          wx.showToast({ title: result.checked ? '暂未查到缴费，税务系统可能有延迟，请稍后再查' : '刚刚查询过，请30秒后再试',
            icon: 'none', duration: 3000 });
        }
        return result.status;
      } catch (error) { showError(wx, error); return null; }
    },
    returned() {
      if (!leftToPay) return null;
      leftToPay = false;
      return this.check({ quiet: true });
    },
    previewQr(url) { wx.previewImage({ urls: [url], current: url }); },
    home() { wx.switchTab({ url: '/pages/home/home' }); },
    receipts() { wx.redirectTo({ url: `/pages/receipts/receipts?id=${id}` }); },
  };
}

module.exports = { createPaymentLogic };
