'use strict';
const { registrationErrors } = require('../validate');
const { subscribe } = require('../subscribe');
const { showError } = require('./show');

function createRegisterLogic({ wx, api, setData, templates }) {
  let registration = null;

  function handle(error) {
    if (error.code === 'already_enrolled') {
      const zone = error.details || {};
      wx.showModal({ title: '不能重复参保', content: `${error.message}。请先申请暂停原参保地参保。`, showCancel: false });
      wx.navigateTo({ url: `/pages/suspension/suspension?origin=${zone.zone_code || ''}&name=${zone.zone_name || ''}` });
    } else if (error.code === 'draft_exists') {
      wx.redirectTo({ url: `/pages/register/register?id=${error.details.registration_id}` });
    } else {
      setData({ errors: flatten(error.fieldErrors) });
      showError(wx, error);
    }
  }

  return {
    async load(id) {
      const [schools, current] = await Promise.all([
        api.get('/me').then((me) => (me.zone ? api.get(`/zones/${me.zone.code}/schools`) : { schools: [] })),
        id ? api.get(`/registrations/${id}`) : Promise.resolve(null),
      ]).catch((error) => { showError(wx, error); return [{ schools: [] }, null]; });
      registration = current;
      setData({ schools: schools.schools, registration, reviewReason: current && current.review_reason });
      return registration;
    },
    async save(form) {
      const errors = registrationErrors(form);
      if (registration) delete errors.id_number;  // masked on the way back; the backend re-checks any change
      if (Object.keys(errors).length) { setData({ errors }); return null; }
      try {
        const body = clean(form);
        registration = registration
          ? await api.patch(`/registrations/${registration.id}`, body)
          : await api.post('/registrations', body);
        setData({ registration, errors: {} });
        return registration;
      } catch (error) { handle(error); return null; }
    },
    async uploadPhoto() {
      const file = await new Promise((resolve) => {
        wx.chooseMedia({ count: 1, mediaType: ['image'], success: (res) => resolve(res.tempFiles[0].tempFilePath),
          fail: () => resolve(null) });
      });
      if (!file || !registration) return null;
      try {
        registration = await api.upload(`/registrations/${registration.id}/id-photo`, file);
        setData({ registration });
        return registration;
      } catch (error) { showError(wx, error); return null; }
    },
    async submit() {
      if (!registration) return null;
      if (registration.letter_required && !registration.letter_signed) {
        wx.navigateTo({ url: `/pages/letter/letter?id=${registration.id}` });
        return null;
      }
      try {
        await subscribe({ wx, api, templates }, ['approved', 'returned', 'rejected']);
        registration = await api.post(`/registrations/${registration.id}/submit`);
        wx.redirectTo({ url: '/pages/home/home' });
        return registration;
      } catch (error) { handle(error); return null; }
    },
  };
}

function clean(form) {
  const body = {};
  Object.keys(form).forEach((key) => {
    if (form[key] !== '' && form[key] !== undefined) body[key] = form[key];
  });
  if (body.id_number) body.id_number = String(body.id_number).replace(/\s+/g, '').toUpperCase();
  if (!body.special_identity) body.special_identity = null;
  return body;
}

function flatten(fieldErrors) {
  const out = {};
  Object.keys(fieldErrors || {}).forEach((key) => { out[key] = (fieldErrors[key] || []).join('；'); });
  return out;
}

module.exports = { createRegisterLogic };
