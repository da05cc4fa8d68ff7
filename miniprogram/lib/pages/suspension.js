'use strict';
const { subscribe } = require('../subscribe');
const { idNumberError } = require('../validate');
const { beijingTime } = require('../format');
const { showError, fieldErrors, loadFailed } = require('./show');
const proofs = require('../proof');
const drafts = require('../draft');
const { oneAtATime } = require('../one-at-a-time');

const REASONS = ['在学籍地（外地）参加城乡居民医保', '参加职工医保', '参军', '出国（境）定居', '其他'];
const STATUS_TEXT = { submitted: '等待原参保地确认（约10–30分钟）', confirmed: '原参保地已暂停参保，可以继续登记',
  refused: '原参保地未同意暂停参保' };

function today() {
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  return now.toISOString().slice(0, 10);
}

function createSuspensionLogic({ wx, api, ready, templates, shared, setData }) {
  let zones = [];
  let form = {};
  let suspension = null;

  function show(extra = {}) {
    setData({ form, suspension: suspension ? { ...suspension, statusText: STATUS_TEXT[suspension.status] || '',
      at: beijingTime(suspension.created_at) } : null, ...extra });
  }

  async function refresh(id = suspension && suspension.id) {
    if (!id) return null;
    try {
      suspension = await api.get(`/suspensions/${id}`);
      show();
      return suspension;
    } catch (error) { showError(wx, error); return null; }
  }

  return {
    reasons: REASONS,
    async load(query) {
      await ready;
      const draft = drafts.current(wx, shared) || {};
      form = { name: draft.name || '', id_number: draft.id_number || '', origin_zone_code: query.origin || '',
        origin_name: query.origin_name ? decodeURIComponent(query.origin_name) : '', reason: REASONS[0],
        suspend_from: today(), consent: false };
      const pending = proofs.current(wx, shared);
      // Back after the centre's review: the form as it was when the proof was asked for.
      if (query.resume && pending && pending.act === 'suspension') form = { ...form, ...pending.form };
      try {
        const [me, list] = await Promise.all([api.get('/me'), api.get('/zones')]);
        zones = list.zones.filter((z) => !me.zone || z.code !== me.zone.code);
        suspension = query.id ? await api.get(`/suspensions/${query.id}`) : (me.registration ? null : me.suspension);
        // Asking again after a refusal: the same person and home town, only the ID number typed again.
        if (suspension && suspension.status === 'refused' && !query.resume) {
          const origin = list.zones.find((z) => z.code === suspension.origin_zone_code);
          form = { ...form, name: form.name || suspension.name || '' };
          if (origin) form = { ...form, origin_zone_code: origin.code, origin_name: origin.name };
        }
      } catch (error) { loadFailed(setData, error); return null; }
      show({ loaded: true, errors: {}, reasons: REASONS, originNames: zones.map((z) => z.name),
        originFixed: Boolean(form.origin_name) });
      return suspension;
    },
    // On show: back from 本人身份核验 with a passed proof, the application is sent again.
    resume() {
      return proofs.takePassed(wx, shared, 'suspension') ? this.submit({ again: true }) : null;
    },
    input(field, value) { form = { ...form, [field]: value }; setData({ [`form.${field}`]: value, [`errors.${field}`]: '' }); },
    pickOrigin(index) {
      const zone = zones[Number(index)];
      if (zone) this.input('origin_zone_code', zone.code);
      if (zone) this.input('origin_name', zone.name);
    },
    pickReason(index) { this.input('reason', REASONS[Number(index)] || REASONS[0]); },
    consent(values) { this.input('consent', (values || []).length > 0); },
    submit: oneAtATime(setData)(({ again = false } = {}) => {
      const errors = {};
      if (!String(form.name || '').trim()) errors.name = '请填写姓名';
      const number = String(form.id_number || '').replace(/\s+/g, '').toUpperCase();
      const problem = number ? idNumberError('resident_id', number) : '请填写证件号码';
      if (problem) errors.id_number = problem;
      if (!/^\d{6}$/.test(form.origin_zone_code || '')) errors.origin_zone_code = '请选择原参保地';
      if (!form.suspend_from) errors.suspend_from = '请选择暂停日期';
      if (form.consent !== true) errors.consent = '请勾选同意暂停原参保地的城乡居民基本医疗保险';
      if (Object.keys(errors).length) { setData({ errors }); return Promise.resolve(null); }
      // Messages are asked for inside the tap; a retry after the proof is no tap and was asked already.
      const asked = again ? Promise.resolve() : subscribe({ wx, api, templates }, ['suspension']);
      return asked.then(async () => {
        suspension = await api.post('/suspensions', { name: form.name.trim(), id_number: number,
          origin_zone_code: form.origin_zone_code, reason: form.reason, suspend_from: form.suspend_from, consent: true });
        proofs.clear(wx, shared, 'suspension');
        show({ errors: {} });
        return suspension;
      }).catch(async (error) => {
        const waiting = error.code === 'suspension_pending' && (error.details || {}).suspension_id;
        if (waiting) {
          // Asked before (another phone, an earlier visit): the request waiting for its answer is shown instead.
          wx.showToast({ title: '已申请过，正在等待原参保地确认', icon: 'none' });
          return refresh(waiting);
        }
        if (proofs.needsProof(error)) {
          proofs.startProof(wx, shared, error, { act: 'suspension', resume: '/pages/suspension/suspension?resume=1',
            person: { id_type: 'resident_id', id_number: number, name: form.name.trim() }, form });
          return null;
        }
        setData({ errors: fieldErrors(error) });
        showError(wx, error);
        return null;
      });
    }),
    refresh,
    continueRegistration() {
      wx.redirectTo({ url: '/pages/register/register' });
    },
  };
}

module.exports = { createSuspensionLogic, REASONS, STATUS_TEXT };
