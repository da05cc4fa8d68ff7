'use strict';
const { open } = require('../routes');
const { beijingTime } = require('../format');
const { loadFailed } = require('./show');

const DELIVERY = { waiting_quota: '未订阅服务通知，仅在此显示', failed: '服务通知发送失败，仅在此显示' };

// The body repeats the title before the reason ("标题；原因"): show only what the title does not say.
function detail(message) {
  const body = message.body || '';
  if (body === message.title) return '';
  return body.startsWith(`${message.title}；`) ? body.slice(message.title.length + 1) : body;
}

function createMessagesLogic({ wx, api, ready, setData }) {
  let messages = [];
  return {
    async load() {
      await ready;
      try {
        messages = (await api.get('/me/messages')).messages;
        setData({ loaded: true, messages: messages.map((m) => ({ id: m.id, title: m.title, body: detail(m),
          at: beijingTime(m.created_at), note: DELIVERY[m.status] || '' })) });
        return messages;
      } catch (error) { loadFailed(setData, error); return []; }
    },
    openMessage(id) {
      const message = messages.find((m) => String(m.id) === String(id));
      if (!message || !message.page) return null;
      return open(wx, `/${message.page.replace(/^\//, '')}`);
    },
  };
}

module.exports = { createMessagesLogic };
