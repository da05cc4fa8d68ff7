const { createIdentityLogic } = require('../../lib/pages/identity');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createIdentityLogic, {
  onLoad() { this.logic.load(); },
  onInput(e) { this.logic.input(e.currentTarget.dataset.field, e.detail.value); },
  onFace() { this.logic.face(); },
  onUsePhoto() { this.logic.usePhoto(); },
  onChoosePhoto() { this.logic.choosePhoto(); },
  onSendPhoto() { this.logic.sendPhoto(); },
  onHome() { this.logic.home(); },
}));
