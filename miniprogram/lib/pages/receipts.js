'use strict';
const { yuan, beijingTime } = require('../format');
const { showError } = require('./show');

const CHANNELS = { tax: '税务系统缴费', family: '职工医保家庭共济', cash: '现场缴费' };

function createReceiptsLogic({ wx, api, ready, setData }) {
  let id = null;
  return {
    async load(registrationId) {
      id = registrationId;
      await ready;
      try {
        const { receipts } = await api.get(`/registrations/${id}/receipts`);
        setData({ loaded: true, receipts: receipts.map((r) => ({ voucher: r.voucher_no || '（无凭证号）',
          amount: yuan(r.amount_fen), at: beijingTime(r.paid_at), channel: CHANNELS[r.channel] || '缴费' })) });
        return receipts;
      } catch (error) { showError(wx, error); return []; }
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
