const { createCertificateLogic } = require('../../lib/pages/certificate');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createCertificateLogic, {
  onLoad(query) { this.logic.load(query.id); },
}));
