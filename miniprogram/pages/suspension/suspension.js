const { createSuspensionLogic } = require('../../lib/pages/suspension');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createSuspensionLogic, {
  onLoad(query) { this.logic.load(query); },
  onShow() { if (this.shown && !this.logic.resume()) this.logic.refresh(); this.shown = true; },
  onInput(e) { this.logic.input(e.currentTarget.dataset.field, e.detail.value); },
  onOrigin(e) { this.logic.pickOrigin(e.detail.value); },
  onReason(e) { this.logic.pickReason(e.detail.value); },
  onConsent(e) { this.logic.consent(e.detail.value); },
  onSubmit() { this.logic.submit(); },
  onRefresh() { this.logic.refresh(); },
  onContinue() { this.logic.continueRegistration(); },
}));
