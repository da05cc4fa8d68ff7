'use strict';
const { OPTIONS } = require('../options');
const { registrationErrors } = require('../validate');
const { subscribe } = require('../subscribe');
const { showError, fieldErrors, loadFailed } = require('./show');
const proofs = require('../proof');
const drafts = require('../draft');
const { oneAtATime } = require('../one-at-a-time');

const TEXT_FIELDS = ['name', 'id_number', 'phone', 'residence_address', 'hukou_address', 'hukou_region_code', 'hukou_region_name',
  'student_no', 'college', 'class_name', 'bank_name', 'bank_account_name', 'bank_account_no'];
const PICKED_FIELDS = ['id_type', 'ethnicity', 'marital_status', 'special_identity', 'school_code'];
const BANK = { bank_name: 'bank_name', bank_account_name: 'account_name', bank_account_no: 'account_no' };
const EDITABLE = ['draft', 'returned'];
const STATUS_NOTE = { submitted: '已提交，等待审核', under_review: '审核中，请耐心等待', approved: '审核通过，请缴费',
  paid: '已缴费，参保成功', rejected: '不予通过', withdrawn: '已撤回', expired: '已过期',
  revoked: '已被撤销，可回首页重新登记' };

function labelOf(field, value, schools) {
  if (field === 'school_code') {
    const school = schools.find((s) => s.code === value);
    return school ? school.name : '';
  }
  const option = (OPTIONS[field] || []).find((o) => o.value === (value || ''));
  return option ? option.label : '';
}

// The county as the picker named it; a record saved before names were kept (or imported) shows that it is set.
function regionLabel(form) {
  if (form.hukou_region_name) return form.hukou_region_name;
  return form.hukou_region_code ? '已选择，如需修改请重新选择' : '';
}

// The server masks these on the way out (139****5205, 安徽省淮南市****): an editable form leaves them empty, the
// saved value shown as the placeholder, so a masked value is never typed onto and sent back as if it were data.
const MASKED = ['id_number', 'phone', 'residence_address', 'hukou_address', 'bank_account_name', 'bank_account_no'];
const PLACEHOLDERS = { id_number: '18位证件号码', phone: '11位手机号码', residence_address: '现居住的详细地址',
  hukou_address: '户口簿上的地址', bank_account_name: '银行账户的户名', bank_account_no: '12至30位数字' };

function maskedOf(form) {
  const saved = {};
  MASKED.forEach((field) => { if (String(form[field] || '').includes('*')) saved[field] = form[field]; });
  return saved;
}

function placeholders(saved, editable) {
  const out = {};
  MASKED.forEach((field) => {
    out[field] = editable && saved[field] ? `已保存 ${saved[field]}` : PLACEHOLDERS[field];
  });
  return out;
}

function formFrom(registration) {
  const form = { id_type: 'resident_id', special_identity: '' };
  if (!registration) return form;
  TEXT_FIELDS.concat(PICKED_FIELDS).forEach((field) => {
    if (registration[field] !== undefined && registration[field] !== null) form[field] = registration[field];
  });
  if (registration.bank) {
    Object.keys(BANK).forEach((field) => { form[field] = registration.bank[BANK[field]] || ''; });
  }
  form.special_identity = registration.special_identity || '';
  return form;
}

function createRegisterLogic({ wx, api, ready, templates, shared, setData }) {
  let registration = null;
  let schools = [];
  let form = formFrom(null);
  let changed = new Set();
  let zoneCode = '';
  let photoRequired = false;
  let reviewedZone = true;  // a zone without review approves a submission at once
  let saved = {};  // the masked values of the saved record, by field
  const oneTap = oneAtATime(setData);  // 保存, 提交, 暂存 and 撤回 share one gate

  // Seed 003 asks before submitting whether the student is who the form says; a submitted form waits for review.
  function confirmSubmission() {
    const number = String(form.id_number || saved.id_number || '');
    const masked = number.length > 10 ? `${number.slice(0, 6)}********${number.slice(-4)}` : number;
    return new Promise((resolve) => {
      wx.showModal({ title: '确认提交', confirmText: '提交',
        content: `参保人：${form.name || ''}，证件号码：${masked}。请确认信息与身份证一致、参保人为在校大学生。${
          reviewedZone ? '提交后进入审核，审核期间不能修改。' : '提交后即可缴费，登记信息不能再修改。'}`,
        success: (res) => resolve(Boolean(res.confirm)), fail: () => resolve(false) });
    });
  }

  // The form of a saved record: its masked values kept aside, their inputs empty.
  function adopt(record) {
    form = formFrom(record);
    saved = maskedOf(form);
    Object.keys(saved).forEach((field) => { form[field] = ''; });
  }

  async function saveAndClear() {
    try {
      const saved = await save();
      if (saved) proofs.clear(wx, shared, 'claim');
      return saved;
    } catch (error) { refused(error); return null; }
  }

  function render(extra = {}) {
    const display = {};
    PICKED_FIELDS.forEach((field) => { display[field] = labelOf(field, form[field], schools); });
    display.hukou_region = regionLabel(form);
    const status = registration ? registration.status : 'new';
    const editable = !registration || EDITABLE.includes(status);
    setData({
      // Read-only, the masked values are shown as they are; editable, as placeholders of empty inputs.
      form: editable ? form : { ...form, ...saved }, display, options: OPTIONS, schoolNames: schools.map((s) => s.name),
      registrationId: registration ? registration.id : null,
      editable,
      saved,
      placeholders: placeholders(saved, editable),
      withdrawable: Boolean(registration) && ['draft', 'submitted', 'returned'].includes(status),
      statusNote: STATUS_NOTE[status] || '',
      reviewReason: registration && status === 'returned' ? registration.review_reason || '' : '',
      photoUploaded: Boolean(registration && registration.photo_uploaded),
      photoRequired,
      letterRequired: Boolean(registration && registration.letter_required),
      letterSigned: Boolean(registration && registration.letter_signed),
      primaryLabel: registration ? '提交审核' : '保存并继续',
      ...extra,
    });
  }

  function body() {
    const fields = registration ? [...changed] : Object.keys(form);
    const out = {};
    fields.forEach((field) => {
      if (BANK[field]) return;
      const value = form[field];
      if (field === 'special_identity') out.special_identity = value || null;
      else if (value !== '' && value !== undefined) out[field] = field === 'id_number' ? String(value).replace(/\s+/g, '').toUpperCase() : value;
    });
    if (Object.keys(BANK).some((field) => (registration ? changed.has(field) : form[field]))) {
      out.bank = {};
      Object.keys(BANK).forEach((field) => { out.bank[BANK[field]] = form[field] || ''; });
    }
    if (!registration) out.zone_code = zoneCode;
    return out;
  }

  function localErrors() {
    const errors = registrationErrors(form);
    if (registration) Object.keys(errors).forEach((field) => { if (!changed.has(field)) delete errors[field]; });
    const bankFilled = Object.keys(BANK).filter((field) => form[field]);
    if (bankFilled.length && bankFilled.length < 3) {
      Object.keys(BANK).forEach((field) => { if (!form[field]) errors[field] = '请填写完整的银行账户信息，或全部留空'; });
    }
    if (form.bank_account_no && !/^\d{12,30}$/.test(form.bank_account_no)) errors.bank_account_no = '银行账号应为12至30位数字';
    return errors;
  }

  function refused(error) {
    if (proofs.needsProof(error)) {
      // A school imported this person: taking the record over needs the proof, then 保存 is done again.
      proofs.startProof(wx, shared, error, { act: 'claim', resume: '/pages/register/register?resume=1', form,
        person: { id_type: form.id_type || 'resident_id', id_number: form.id_number || '', name: form.name || '' } });
    } else if (error.code === 'already_enrolled') {
      const zone = error.details || {};
      // The whole form is kept: after the home town confirms the suspension, the student registers without
      // typing it all again (the suspension page takes the name and ID number from it).
      drafts.keep(wx, shared, { ...form });
      wx.showModal({ title: '不能重复参保', content: `${error.message}。请先申请暂停原参保地参保，确认后再登记。`,
        showCancel: false });
      wx.navigateTo({ url: `/pages/suspension/suspension?origin=${zone.zone_code || ''}&origin_name=${encodeURIComponent(zone.zone_name || '')}` });
    } else if (error.code === 'draft_exists') {
      wx.redirectTo({ url: `/pages/register/register?id=${error.details.registration_id}` });
    } else {
      render({ errors: fieldErrors(error) });
      showError(wx, error);
    }
  }

  async function save() {
    const errors = localErrors();
    if (Object.keys(errors).length) {
      render({ errors });
      wx.showToast({ title: '请按提示修改标红的项目', icon: 'none' });
      return null;
    }
    const data = body();
    if (registration && !Object.keys(data).length) return registration;
    const created = !registration;
    registration = registration ? await api.patch(`/registrations/${registration.id}`, data)
      : await api.post('/registrations', data);
    if (created) drafts.clear(wx, shared);
    changed = new Set();
    adopt(registration);
    render({ errors: {} });
    return registration;
  }

  return {
    async load(id, query = {}) {
      await ready;
      try {
        const me = await api.get('/me');
        zoneCode = me.zone ? me.zone.code : '';
        photoRequired = Boolean(me.zone && me.zone.id_photo_required);
        reviewedZone = !(me.zone && Array.isArray(me.zone.review_stages) && me.zone.review_stages.length === 0);
        const [list, current] = await Promise.all([
          zoneCode ? api.get(`/zones/${zoneCode}/schools`) : Promise.resolve({ schools: [] }),
          id ? api.get(`/registrations/${id}`) : Promise.resolve(null),
        ]);
        schools = list.schools;
        registration = current;
        adopt(current);
        const pending = proofs.current(wx, shared);
        // Back after the centre's review: the form as it was when 保存 needed the proof.
        if (!current && query.resume && pending && pending.act === 'claim') form = { ...form, ...pending.form };
        // Back after suspending the home-town enrolment: the form as it was when registering was refused.
        else if (!current && drafts.current(wx, shared)) form = { ...form, ...drafts.current(wx, shared) };
        changed = new Set();
        render({ loaded: true, errors: {} });
        return registration;
      } catch (error) { loadFailed(setData, error); return null; }
    },
    input(field, value) {
      form = { ...form, [field]: value };
      changed.add(field);
      setData({ [`form.${field}`]: value, [`errors.${field}`]: '' });
    },
    pick(field, index) {
      const list = field === 'school_code' ? schools.map((s) => ({ value: s.code })) : OPTIONS[field];
      const option = list[Number(index)];
      if (!option) return;
      form = { ...form, [field]: option.value };
      changed.add(field);
      setData({ [`form.${field}`]: option.value, [`display.${field}`]: labelOf(field, option.value, schools),
        [`errors.${field}`]: '' });
    },
    // WeChat's region picker (mode="region") answers the names and the division codes of province, city and
    // county: the county's code is the hukou region the backend wants, no student knows it by heart.
    region(detail) {
      const codes = (detail && detail.code) || [];
      const code = codes[2] || codes[1] || '';
      if (!/^\d{6}$/.test(code)) {
        setData({ 'errors.hukou_region_code': '请选择户口所在的区县' });
        return;
      }
      const name = (detail.value || []).filter(Boolean).join(' ').slice(0, 64);
      form = { ...form, hukou_region_code: code, hukou_region_name: name };
      changed.add('hukou_region_code');
      if (name) changed.add('hukou_region_name');
      setData({ 'form.hukou_region_code': code, 'display.hukou_region': regionLabel(form),
        'errors.hukou_region_code': '' });
    },
    saveOnly: oneTap(saveAndClear),
    // On show: back from 本人身份核验 with a passed proof, 保存 is done again (the imported record is taken over).
    resume() {
      return proofs.takePassed(wx, shared, 'claim') ? this.saveOnly() : null;
    },
    async uploadPhoto() {
      if (!registration) {
        wx.showToast({ title: '请先填写并保存登记信息', icon: 'none' });
        return null;
      }
      const file = await new Promise((resolve) => {
        wx.chooseMedia({ count: 1, mediaType: ['image'], sourceType: ['album', 'camera'],
          success: (res) => resolve(res.tempFiles[0].tempFilePath), fail: () => resolve(null) });
      });
      if (!file) return null;
      try {
        registration = await api.upload(`/registrations/${registration.id}/id-photo`, file);
        render({ photoPreview: file, 'errors.id_photo': '' });
        wx.showToast({ title: '照片已上传', icon: 'success' });
        return registration;
      } catch (error) { showError(wx, error); return null; }
    },
    // The tap on the primary button: save a new form; submit a saved one (asking for messages first, in the tap).
    primary: oneTap(() => {
      if (!registration) return saveAndClear();
      const errors = localErrors();
      if (photoRequired && !registration.photo_uploaded) errors.id_photo = '请上传参保人身份证照片后再提交';
      if (Object.keys(errors).length) {
        render({ errors });
        wx.showToast({ title: '请按提示修改标红的项目', icon: 'none' });
        return Promise.resolve(null);
      }
      if (registration.letter_required && !registration.letter_signed) {
        return saveAndClear().then((saved) => {
          if (saved) wx.navigateTo({ url: `/pages/letter/letter?id=${saved.id}` });
          return null;
        });
      }
      const asked = subscribe({ wx, api, templates }, ['approved', 'returned', 'rejected']);
      return asked.then(() => confirmSubmission()).then((sure) => (sure ? save() : null)).then(async (saved) => {
        if (!saved) return null;
        registration = await api.post(`/registrations/${saved.id}/submit`);
        render({ errors: {} });
        if (registration.status === 'approved') {
          // A zone without review: registered, and the next step is paying (seed 002: 登记成功跳转缴费).
          wx.showToast({ title: '登记成功，请缴费', icon: 'success' });
          wx.redirectTo({ url: `/pages/payment/payment?id=${registration.id}` });
          return registration;
        }
        wx.showToast({ title: '已提交，等待审核', icon: 'success' });
        wx.switchTab({ url: '/pages/home/home' });
        return registration;
      }).catch((error) => { refused(error); return null; });
    }),
    withdraw: oneTap(() => {
      if (!registration) return Promise.resolve(null);
      return new Promise((resolve) => {
        wx.showModal({ title: '撤回登记', content: '撤回后本次登记作废，需要时可重新登记。确定撤回吗？', confirmText: '撤回',
          success: async (res) => {
            if (!res.confirm) { resolve(null); return; }
            try {
              registration = await api.post(`/registrations/${registration.id}/withdraw`);
              render();
              wx.showToast({ title: '已撤回', icon: 'success' });
              wx.switchTab({ url: '/pages/home/home' });
              resolve(registration);
            } catch (error) { showError(wx, error); resolve(null); }
          } });
      });
    }),
  };
}

module.exports = { createRegisterLogic, TEXT_FIELDS };
