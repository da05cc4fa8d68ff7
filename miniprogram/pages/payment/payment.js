const { createPaymentLogic } = require('../../lib/pages/payment');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createPaymentLogic, {
  onLoad(q) { this.logic.load(q.id); },
  onPay(e) { this.logic.pay(e.currentTarget.dataset.channel); },
}));
