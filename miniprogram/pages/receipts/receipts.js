const { createReceiptsLogic } = require('../../lib/pages/receipts');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createReceiptsLogic, {
  onLoad(query) { this.logic.load(query.id); },
  onCertificate() { this.logic.openCertificate(); },
  onCopy() { this.logic.copyCertificateLink(); },
  onReceipt(e) { this.logic.openReceipt(e.currentTarget.dataset.id); },
}));
