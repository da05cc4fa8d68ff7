'use strict';
const { showError } = require('./show');

function createZonesLogic({ wx, api, setData }) {
  return {
    async load() {
      try {
        const { zones } = await api.get('/zones');
        setData({ zones: zones.map((z) => ({ ...z, premium: (z.premium_fen / 100).toFixed(2) })) });
        return zones;
      } catch (error) { showError(wx, error); return []; }
    },
    async choose(code) {
      try {
        await api.put('/me/zone', { zone_code: code });
        wx.redirectTo({ url: '/pages/home/home' });
        return true;
      } catch (error) { showError(wx, error); return false; }
    },
    async renew(code, idNumber) {
      try {
        const registration = await api.post('/renewals', { zone_code: code, id_number: idNumber || undefined });
        wx.redirectTo({ url: `/pages/payment/payment?id=${registration.id}` });
        return registration;
      } catch (error) { showError(wx, error); return null; }
    },
  };
}

module.exports = { createZonesLogic };
