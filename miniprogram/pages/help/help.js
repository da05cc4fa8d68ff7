const { createHelpLogic } = require('../../lib/pages/help');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createHelpLogic, {
  onLoad() { this.logic.load(); },
  onCall() { this.logic.call(this.data.servicePhone); },
}));
