'use strict';
const { yuan, beijingDate } = require('../format');
const { idNumberError } = require('../validate');
const { showError, fieldErrors } = require('./show');
const { subscribe } = require('../subscribe');

function createZonesLogic({ wx, api, refreshConfig, templates, setData }) {
  let zones = [];
  return {
    async load() {
      try {
        zones = (await api.get('/zones')).zones;
        setData({ zones: zones.map((z) => ({ code: z.code, name: z.name, year: z.year, amount: yuan(z.premium_fen),
          closes: beijingDate(z.window_closes_at), agency: z.agency_name || '' })),
        zoneNames: zones.map((z) => `${z.name}专区`), renewal: { zoneIndex: 0, id_number: '' } });
        return zones;
      } catch (error) { showError(wx, error); return []; }
    },
    async choose(code) {
      try {
        await api.put('/me/zone', { zone_code: code });
        await refreshConfig().catch(() => null);
        wx.switchTab({ url: '/pages/home/home' });
        return true;
      } catch (error) { showError(wx, error); return false; }
    },
    async renew(zoneIndex, idNumber) {
      const asked = subscribe({ wx, api, templates }, ['renewal']); // inside the tap, before any await
      const zone = zones[Number(zoneIndex) || 0];
      const number = String(idNumber || '').replace(/\s+/g, '').toUpperCase();
      const problem = number ? idNumberError('resident_id', number) : '请填写去年参保时使用的身份证号码';
      if (problem) { setData({ errors: { id_number: problem } }); return null; }
      try {
        await asked;
        await api.put('/me/zone', { zone_code: zone.code });
        const registration = await api.post('/renewals', { zone_code: zone.code, id_number: number });
        setData({ errors: {} });
        wx.navigateTo({ url: `/pages/payment/payment?id=${registration.id}` });
        return registration;
      } catch (error) {
        setData({ errors: fieldErrors(error) });
        showError(wx, error);
        return null;
      }
    },
  };
}

module.exports = { createZonesLogic };
