'use strict';
const { showError } = require('./show');

function createReceiptsLogic({ wx, api, setData }) {
  return {
    async load(id) {
      try {
        const { receipts } = await api.get(`/registrations/${id}/receipts`);
        setData({ receipts: receipts.map((r) => ({ ...r, amount: (r.amount_fen / 100).toFixed(2) })),
          certificateUrl: api.url(`/registrations/${id}/certificate`) });
        return receipts;
      } catch (error) { showError(wx, error); return []; }
    },
    copyCertificateUrl(url) {
      wx.setClipboardData({ data: url });
    },
  };
}

module.exports = { createReceiptsLogic };
