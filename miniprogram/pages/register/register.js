const { createRegisterLogic } = require('../../lib/pages/register');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createRegisterLogic, {
  onLoad(query) { this.id = query.id; this.logic.load(query.id, query); },
  onShow() {
    if (this.shown && !this.logic.resume() && this.data.registrationId) this.logic.load(this.data.registrationId);
    this.shown = true;
  },
  onInput(e) { this.logic.input(e.currentTarget.dataset.field, e.detail.value); },
  onPick(e) { this.logic.pick(e.currentTarget.dataset.field, e.detail.value); },
  onRegion(e) { this.logic.region(e.detail); },
  onSave() { this.logic.saveOnly(); },
  onPhoto() { this.logic.uploadPhoto(); },
  onPrimary() { this.logic.primary(); },
  onWithdraw() { this.logic.withdraw(); },
}));
