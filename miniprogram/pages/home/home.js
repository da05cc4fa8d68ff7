const { createHomeLogic } = require('../../lib/pages/home');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createHomeLogic, {
  onShow() { this.logic.load(); },
  onNext() { this.logic.next(); },
  onProof() { this.logic.continueProof(); },
  onChangeZone() { this.logic.changeZone(); },
  onSuspendAgain() { this.logic.suspendAgain(); },
  onPhone(e) { this.logic.bindPhone(e.detail); },
}));
