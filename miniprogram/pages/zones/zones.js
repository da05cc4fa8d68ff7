const { createZonesLogic } = require('../../lib/pages/zones');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createZonesLogic, {
  onLoad() { this.logic.load(); },
  onChoose(e) { this.logic.choose(e.currentTarget.dataset.code); },
  onRenew(e) { this.logic.renew(e.currentTarget.dataset.code); },
}));
