'use strict';
const { subscribe } = require('../subscribe');
const { showError } = require('./show');

const REASONS = ['在学籍地（外地）参加城乡居民医保', '参加职工医保', '参军', '出国（境）定居', '其他'];
const WAITING = '等待原参保地确认（约10–30分钟）';

function createSuspensionLogic({ wx, api, setData, templates }) {
  return {
    reasons: REASONS,
    async submit(form) {
      const errors = {};
      if (!/^\d{6}$/.test(form.origin_zone_code || '')) errors.origin_zone_code = '请选择原参保地';
      if (!form.reason) errors.reason = '请选择暂停原因';
      if (!form.suspend_from) errors.suspend_from = '请选择暂停日期';
      if (form.consent !== true) errors.consent = '请勾选同意暂停原参保地的城乡居民基本医疗保险';
      if (Object.keys(errors).length) { setData({ errors }); return null; }
      try {
        await subscribe({ wx, api, templates }, ['suspension']);
        const suspension = await api.post('/suspensions', { ...form, consent: true });
        setData({ errors: {}, suspension, waiting: WAITING });
        return suspension;
      } catch (error) {
        setData({ errors: error.fieldErrors || {} });
        showError(wx, error);
        return null;
      }
    },
    async poll(id) {
      try {
        const suspension = await api.get(`/suspensions/${id}`);
        setData({ suspension, waiting: suspension.status === 'submitted' ? WAITING : '' });
        if (suspension.status === 'confirmed') wx.redirectTo({ url: '/pages/register/register' });
        return suspension;
      } catch (error) { showError(wx, error); return null; }
    },
  };
}

module.exports = { createSuspensionLogic, REASONS, WAITING };
