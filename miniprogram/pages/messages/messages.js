const { createMessagesLogic } = require('../../lib/pages/messages');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createMessagesLogic, {
  onShow() { this.logic.load(); },
  onOpen(e) { this.logic.openMessage(e.currentTarget.dataset.id); },
}));
