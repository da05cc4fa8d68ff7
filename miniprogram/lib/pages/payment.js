'use strict';
const { subscribe } = require('../subscribe');
const { showError } = require('./show');

const WARNINGS = ['已缴费请勿重复缴费', '税务系统暂未显示待缴信息？请等待最多24小时后再试'];

function createPaymentLogic({ wx, api, setData, templates }) {
  let target = null;
  return {
    async load(id) {
      try {
        target = await api.get(`/registrations/${id}/payment`);
        setData({ target, amount: (target.amount_fen / 100).toFixed(2), qrUrl: target.qr_url, warnings: WARNINGS });
        return target;
      } catch (error) { showError(wx, error); return null; }
    },
    async pay(channel) {
      if (!target) return null;
      const chosen = target.channels.find((c) => c.channel === channel) || target.channels[0];
      // The reminder before the window closes is sent only to students who accepted it here.
      await subscribe({ wx, api, templates }, ['paid', 'window_closing']);
      return new Promise((resolve) => {
        wx.navigateToMiniProgram({
          ...chosen.navigate,
          success: () => resolve(chosen.channel),
          fail: () => { wx.showToast({ title: '已取消跳转缴费', icon: 'none' }); resolve(null); },
        });
      });
    },
  };
}

module.exports = { createPaymentLogic, WARNINGS };
