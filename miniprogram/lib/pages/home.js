'use strict';
const { pageFor } = require('../routes');
const { showError } = require('./show');

const STATUS_TEXT = {
  draft: '草稿', submitted: '已提交，等待审核', under_review: '审核中', returned: '已退回，请修改', rejected: '不予通过',
  approved: '审核通过，请缴费', paid: '参保成功', withdrawn: '已撤回', expired: '已过期',
};

function createHomeLogic({ wx, api, setData }) {
  let me = null;
  return {
    async load() {
      try {
        me = await api.get('/me');
        const registration = me.registration;
        let timeline = [];
        if (registration) {
          const detail = await api.get(`/registrations/${registration.id}`);
          timeline = detail.history.map((h) => ({ text: STATUS_TEXT[h.to_status] || h.to_status, at: h.at,
            reason: h.reason || '' }));
        }
        setData({ me, timeline, statusText: registration ? STATUS_TEXT[registration.status] : '未登记' });
        return me;
      } catch (error) {
        showError(wx, error);
        return null;
      }
    },
    next() {
      if (!me) return null;
      const url = pageFor(me.next_action, me.registration && me.registration.id);
      wx.navigateTo({ url });
      return url;
    },
  };
}

module.exports = { createHomeLogic, STATUS_TEXT };
