const { createReceiptsLogic } = require('../../lib/pages/receipts');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createReceiptsLogic, {
  onLoad(q) { this.logic.load(q.id); },
  onCopy() { this.logic.copyCertificateUrl(this.data.certificateUrl); },
}));
