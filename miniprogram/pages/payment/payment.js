const { createPaymentLogic } = require('../../lib/pages/payment');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createPaymentLogic, {
  onLoad(query) { this.logic.load(query.id); },
  onShow() { this.logic.returned(); },
  onPay(e) { this.logic.pay(e.currentTarget.dataset.channel); },
  onCheck() { this.logic.check(); },
  onQr() { this.logic.previewQr(this.data.qrUrl); },
  onReceipts() { this.logic.receipts(); },
  onHome() { this.logic.home(); },
}));
