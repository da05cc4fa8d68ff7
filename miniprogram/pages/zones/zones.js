const { createZonesLogic } = require('../../lib/pages/zones');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createZonesLogic, {
  onLoad(query) { this.logic.load(query); },
  onShow() { if (this.shown) this.logic.resume(); this.shown = true; },
  onChoose(e) { this.logic.choose(e.currentTarget.dataset.code); },
  onRenewZone(e) { this.setData({ 'renewal.zoneIndex': Number(e.detail.value) }); },
  onRenewInput(e) { this.setData({ 'renewal.id_number': e.detail.value }); },
  onRenew() { this.logic.renew(this.data.renewal.zoneIndex, this.data.renewal.id_number); },
}));
