'use strict';
const { showError } = require('./show');

function createMessagesLogic({ wx, api, setData }) {
  return {
    async load() {
      try {
        const { messages } = await api.get('/me/messages');
        setData({ messages });
        return messages;
      } catch (error) { showError(wx, error); return []; }
    },
  };
}

module.exports = { createMessagesLogic };
