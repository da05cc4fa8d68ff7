const { createSuspensionLogic } = require('../../lib/pages/suspension');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createSuspensionLogic, {
  onLoad(q) { this.setData({ form: { origin_zone_code: q.origin || '', consent: false }, originName: q.name || '原参保地', reasons: this.logic.reasons }); },
  onInput(e) { this.setData({ [`form.${e.currentTarget.dataset.field}`]: e.detail.value }); },
  onReason(e) { this.setData({ 'form.reason': this.data.reasons[e.detail.value] }); },
  onConsent(e) { this.setData({ 'form.consent': e.detail.value.length > 0 }); },
  onSubmit() { this.logic.submit(this.data.form).then((s) => { if (s) this.timer = setInterval(() => this.logic.poll(s.id), 60000); }); },
  onUnload() { clearInterval(this.timer); },
}));
