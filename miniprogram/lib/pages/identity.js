'use strict';
// 本人身份核验: WeChat face verification where the zone has it, else (or after a failed or cancelled face check)
// the ID-card photo the centre reviews. The act that needed it goes on when the proof passes (lib/proof.js).
const { idNumberError } = require('../validate');
const { beijingTime } = require('../format');
const { showError, fieldErrors } = require('./show');
const proofs = require('../proof');
const { OPTIONS } = require('../options');
const { oneAtATime } = require('../one-at-a-time');

const ID_TYPE_LABELS = Object.fromEntries(OPTIONS.id_type.map((o) => [o.value, o.label]));

function requestFacialVerify(wx, verifyId) {
  // success only means the capture finished; the backend asks WeChat for the real result either way.
  return new Promise((resolve) => {
    wx.requestFacialVerify({ verifyId, success: () => resolve(true), fail: () => resolve(false) });
  });
}

function createIdentityLogic({ wx, api, shared, setData }) {
  let proof = null;
  let person = { id_type: 'resident_id', id_number: '', name: '' };
  let photo = '';
  const oneTap = oneAtATime(setData);  // 人脸核身 and 提交审核 share one gate

  function show(extra = {}) {
    setData({ person, photo, idTypeLabel: ID_TYPE_LABELS[person.id_type] || '居民身份证',
      actLabel: proof ? proofs.ACT_LABELS[proof.act] || '办理' : '办理', ...extra });
  }

  function personErrors() {
    const errors = {};
    if (!String(person.name || '').trim()) errors.name = '请填写姓名（与身份证一致）';
    const number = String(person.id_number || '').replace(/\s+/g, '').toUpperCase();
    const problem = number ? idNumberError(person.id_type || 'resident_id', number) : '请填写证件号码';
    if (problem) errors.id_number = problem;
    person = { ...person, id_number: number, name: String(person.name || '').trim() };
    return errors;
  }

  function waiting(request) {
    proof = { ...(proof || { act: '', methods: ['centre'], resume: '', form: {} }), person, status: 'waiting' };
    proofs.save(wx, shared, proof);
    show({ mode: 'waiting', errors: {}, submittedAt: request ? beijingTime(request.created_at) : '' });
    return request;
  }

  function passed() {
    proofs.save(wx, shared, { ...proof, person, status: 'passed' });
    wx.showToast({ title: '身份核验通过', icon: 'success' });
    wx.navigateBack(); // the act's page does the act again (onShow)
  }

  return {
    async load() {
      proof = proofs.current(wx, shared);
      if (proof) person = { ...person, ...proof.person };
      const face = Boolean(proof && proof.methods.includes('face'));
      let mode = face ? 'face' : 'photo';
      let request = null;
      if (!proof || proof.status === 'waiting') {
        try { request = (await api.get('/identity/requests/latest')).request; } catch (error) { showError(wx, error); }
        if (request && request.status === 'pending') mode = 'waiting';
      }
      show({ loaded: true, mode, face, errors: {}, failedText: '',
        submittedAt: request ? beijingTime(request.created_at) : '' });
      return mode;
    },
    input(field, value) {
      person = { ...person, [field]: value };
      setData({ [`person.${field}`]: value, [`errors.${field}`]: '' });
    },
    face: oneTap(async () => {
      const errors = personErrors();
      if (Object.keys(errors).length) { show({ errors }); return null; }
      try {
        const session = await api.post('/identity/face', person);
        await requestFacialVerify(wx, session.verify_id);
        const result = await api.post('/identity/face/result', { verify_id: session.verify_id });
        if (result.status === 'passed') { passed(); return result; }
        // Failed or cancelled: nothing changed; the photo request is offered (or another try).
        show({ mode: 'photo', errors: {}, failedText: '人脸核身未通过或已取消。您可以再试一次，或上传身份证照片，由医保中心人工审核。' });
        return result;
      } catch (error) {
        show({ errors: fieldErrors(error) });
        if (error.code === 'face_unavailable') show({ mode: 'photo', face: false, failedText: error.message });
        showError(wx, error);
        return null;
      }
    }),
    usePhoto() { show({ mode: 'photo', errors: {} }); },
    choosePhoto() {
      wx.chooseMedia({ count: 1, mediaType: ['image'], sourceType: ['camera', 'album'],
        success: (res) => { photo = res.tempFiles[0].tempFilePath; show({ 'errors.file': '' }); } });
    },
    sendPhoto: oneTap(async () => {
      const errors = personErrors();
      if (!photo) errors.file = '请拍摄或选择身份证人像面照片';
      if (Object.keys(errors).length) { show({ errors }); return null; }
      try {
        return waiting(await api.upload('/identity/requests', photo, person));
      } catch (error) {
        if (error.code === 'review_pending') {
          // Sent before (another phone, a page opened earlier): the request the centre has is shown instead.
          const latest = await api.get('/identity/requests/latest').catch(() => ({ request: null }));
          return waiting(latest.request);
        }
        show({ errors: fieldErrors(error) });
        showError(wx, error);
        return null;
      }
    }),
    home() { wx.switchTab({ url: '/pages/home/home' }); },
  };
}

module.exports = { createIdentityLogic };
