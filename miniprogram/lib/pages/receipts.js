'use strict';
const { yuan, beijingTime } = require('../format');
const { showError, loadFailed } = require('./show');

const CHANNELS = { tax: '税务系统缴费', family: '职工医保家庭共济', cash: '现场缴费' };

function createReceiptsLogic({ wx, api, ready, setData }) {
  let id = null;
  return {
    async load(registrationId) {
      id = registrationId;
      await ready;
      try {
        const { receipts } = await api.get(`/registrations/${id}/receipts`);
        setData({ loaded: true, receipts: receipts.map((r) => ({ id: r.id, voucher: r.voucher_no || '（无凭证号）',
          amount: yuan(r.amount_fen), at: beijingTime(r.paid_at), channel: CHANNELS[r.channel] || '缴费' })) });
        return receipts;
      } catch (error) { loadFailed(setData, error); return []; }
    },
    // The e-receipt PDF from a signed 15-minute link (wx.downloadFile sends no bearer token), opened by WeChat.
    async openReceipt(paymentId) {
      try {
        const link = await api.get(`/registrations/${id}/receipts/${paymentId}/link`);
        wx.showLoading({ title: '正在打开' });
        const file = await new Promise((resolve) => {
          wx.downloadFile({ url: link.url, success: (res) => resolve(res.statusCode === 200 ? res.tempFilePath : null),
            fail: () => resolve(null), complete: () => wx.hideLoading() });
        });
        if (!file) { wx.showToast({ title: '电子缴费凭证下载失败，请稍后再试', icon: 'none' }); return null; }
        wx.openDocument({ filePath: file, fileType: 'pdf', showMenu: true,
          fail: () => wx.showToast({ title: '无法打开文件，请稍后再试', icon: 'none' }) });
        return file;
      } catch (error) { showError(wx, error); return null; }
    },
    openCertificate() {
      wx.navigateTo({ url: `/pages/certificate/certificate?id=${id}` });
    },
    async copyCertificateLink() {
      try {
        const link = await api.get(`/registrations/${id}/certificate-link`);
        wx.setClipboardData({ data: link.url });
        return link.url;
      } catch (error) { showError(wx, error); return null; }
    },
  };
}

module.exports = { createReceiptsLogic, CHANNELS };
