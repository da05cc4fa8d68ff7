const { createRegisterLogic } = require('../../lib/pages/register');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createRegisterLogic, {
  onLoad(q) { this.setData({ form: { id_type: 'resident_id', identity: 'college_student' } }); this.logic.load(q.id); },
  onInput(e) { this.setData({ [`form.${e.currentTarget.dataset.field}`]: e.detail.value }); },
  onSchool(e) { this.setData({ 'form.school_code': this.data.schools[e.detail.value].code }); },
  onSave() { this.logic.save(this.data.form); },
  onPhoto() { this.logic.uploadPhoto(); },
  onSubmit() { this.logic.submit(); },
}));
