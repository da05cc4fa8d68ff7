'use strict';
const { yuan, beijingDate, registrationWindow } = require('../format');
const { idNumberError } = require('../validate');
const { showError, fieldErrors, loadFailed } = require('./show');
const { subscribe } = require('../subscribe');
const { oneAtATime } = require('../one-at-a-time');
const proofs = require('../proof');

function createZonesLogic({ wx, api, refreshConfig, templates, shared, setData }) {
  let zones = [];
  return {
    async load(query = {}) {
      try {
        zones = (await api.get('/zones')).zones;
        const pending = proofs.current(wx, shared);
        // Back after the centre's review: the renewal as it was asked for.
        const renewal = query.resume && pending && pending.act === 'renewal' ? pending.form
          : { zoneIndex: 0, id_number: '' };
        setData({ zones: zones.map((z) => ({ code: z.code, name: z.name, year: z.year, amount: yuan(z.premium_fen),
          opens: beijingDate(z.window_opens_at), closes: beijingDate(z.window_closes_at), agency: z.agency_name || '',
          window: registrationWindow(z, api.now ? api.now() : Date.now()).label })),
        zoneNames: zones.map((z) => `${z.name}专区`), renewal });
        return zones;
      } catch (error) { loadFailed(setData, error); return []; }
    },
    async choose(code) {
      try {
        await api.put('/me/zone', { zone_code: code });
        await refreshConfig().catch(() => null);
        wx.switchTab({ url: '/pages/home/home' });
        return true;
      } catch (error) { showError(wx, error); return false; }
    },
    // On show: back from 本人身份核验 with a passed proof, the renewal is asked for again.
    resume() {
      const proof = proofs.takePassed(wx, shared, 'renewal');
      return proof ? this.renew(proof.form.zoneIndex, proof.form.id_number, { again: true }) : null;
    },
    renew: oneAtATime(setData)(async (zoneIndex, idNumber, { again = false } = {}) => {
      // Inside the tap, before any await; a retry after the proof is no tap and was asked already.
      const asked = again ? Promise.resolve() : subscribe({ wx, api, templates }, ['renewal']);
      const zone = zones[Number(zoneIndex) || 0];
      const number = String(idNumber || '').replace(/\s+/g, '').toUpperCase();
      const problem = number ? idNumberError('resident_id', number) : '请填写去年参保时使用的身份证号码';
      if (problem) { setData({ errors: { id_number: problem } }); return null; }
      try {
        await asked;
        await api.put('/me/zone', { zone_code: zone.code });
        const registration = await api.post('/renewals', { zone_code: zone.code, id_number: number });
        setData({ errors: {} });
        proofs.clear(wx, shared, 'renewal');
        wx.navigateTo({ url: `/pages/payment/payment?id=${registration.id}` });
        return registration;
      } catch (error) {
        if (proofs.needsProof(error)) {
          proofs.startProof(wx, shared, error, { act: 'renewal', resume: '/pages/zones/zones?resume=1',
            person: { id_type: 'resident_id', id_number: number, name: '' }, form: { zoneIndex: Number(zoneIndex) || 0, id_number: number } });
          return null;
        }
        setData({ errors: fieldErrors(error) });
        showError(wx, error);
        return null;
      }
    }),
  };
}

module.exports = { createZonesLogic };
