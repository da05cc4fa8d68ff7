const { createRegisterLogic } = require('../../lib/pages/register');
const { bindPage } = require('../../utils/bind');
const { OPTIONS, picked } = require('../../lib/options');

Page(bindPage(createRegisterLogic, {
  onLoad(q) { this.setData({ options: OPTIONS, form: { id_type: 'resident_id', identity: 'college_student' } }); this.logic.load(q.id); },
  onPick(e) { const field = e.currentTarget.dataset.field; this.setData({ [`form.${field}`]: picked(field, e.detail.value) }); },
  onInput(e) { this.setData({ [`form.${e.currentTarget.dataset.field}`]: e.detail.value }); },
  onSchool(e) { this.setData({ 'form.school_code': this.data.schools[e.detail.value].code }); },
  onSave() { this.logic.save(this.data.form); },
  onPhoto() { this.logic.uploadPhoto(); },
  onSubmit() { this.logic.submit(); },
}));
