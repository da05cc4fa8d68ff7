'use strict';
const { pageFor, open, NEXT_LABELS } = require('../routes');
const { yuan, beijingDate, beijingTime, registrationWindow } = require('../format');
const { showError, loadFailed } = require('./show');
const { subscribe } = require('../subscribe');
const proofs = require('../proof');
const { oneAtATime } = require('../one-at-a-time');

const STATUS_TEXT = {
  draft: '草稿，尚未提交', submitted: '已提交，等待审核', under_review: '审核中', returned: '已退回，请修改后重新提交',
  rejected: '不予通过', approved: '审核通过，请缴费', paid: '已缴费，参保成功', withdrawn: '已撤回', expired: '已过期（未按时缴费）',
  revoked: '已被撤销，可重新登记',
};
// 办理记录 says what happened at each step, not the status of now (审核通过 stays 审核通过 after the payment).
const EVENT_TEXT = {
  submitted: '提交审核', under_review: '本环节审核通过，进入下一审核环节', returned: '被退回，需修改后重新提交',
  rejected: '审核不予通过', approved: '审核通过，待缴费', paid: '缴费成功，参保完成', withdrawn: '本人撤回登记',
  expired: '缴费期已过，登记失效', revoked: '被经办人员撤销',
};

function eventText(event) {
  if (event.to_status === 'approved' && !event.from_status) return '续保，待缴费';
  if (event.to_status === 'approved' && ['draft', 'returned'].includes(event.from_status)) return '提交登记，待缴费';
  return EVENT_TEXT[event.to_status] || '状态更新';
}

// Why a reviewer sent it back, refused it or took it back: the student reads it on home, under its own name.
const REASON_LABEL = { returned: '退回原因', rejected: '不予通过原因', revoked: '撤销原因' };
const SUSPENSION_TEXT = { submitted: '等待原参保地确认（约10–30分钟）', confirmed: '原参保地已暂停参保', refused: '原参保地未同意暂停' };

// The step bar: 选专区 → (停保) → 登记 → 审核 → 缴费 → 完成.
const STEP_OF = { choose_zone: 'zone', suspend_origin: 'suspend', renew: 'pay', register: 'register', sign_letter: 'register',
  submit: 'register', fix_returned: 'register', wait_review: 'review', pay: 'pay', wait_payment: 'pay', done: 'done' };

function steps(nextAction, withSuspension, suspensionRefused = false, reviewed = true) {
  const all = [['zone', '选专区'], ['suspend', '停保'], ['register', '登记'], ['review', '审核'], ['pay', '缴费'],
    ['done', '完成']].filter(([key]) => (key !== 'suspend' || withSuspension) && (key !== 'review' || reviewed));
  const current = all.findIndex(([key]) => key === STEP_OF[nextAction]);
  const state = (key, index) => {
    if (key === 'suspend' && suspensionRefused) return 'refused';  // not done: the home town said no
    if (index < current || (nextAction === 'done' && key === 'done')) return 'done';
    return index === current ? 'current' : 'todo';
  };
  return all.map(([key, label], index) => ({ key, label, number: index + 1, state: state(key, index) }));
}

// The student's request to the centre (本人身份核验 by ID photo), as home shows it.
function proofView(request, pending) {
  if (!request || !pending || pending.status !== 'waiting') return null;
  const act = proofs.ACT_LABELS[pending.act] || '';
  if (request.status === 'pending') {
    return { state: 'waiting', text: `身份核验：身份证照片已提交（${beijingTime(request.created_at)}），医保中心审核中` };
  }
  if (request.status === 'passed') {
    return { state: 'passed', text: `身份核验已通过，可以继续办理${act}`, button: `继续办理${act}`, url: pending.resume };
  }
  return { state: 'failed', text: `身份核验未通过${request.reason ? `：${request.reason}` : ''}，请重新核验`,
    button: '重新核验身份', url: '/pages/identity/identity' };
}

// Waiting for review: which review, by the zone's own name for it (seed 001 shows 辅导员审核 to the student).
// A zone without review (review_stages empty) approves a submission at once: nothing was 审核通过.
function reviewed(zone) {
  return !zone || !Array.isArray(zone.review_stages) || zone.review_stages.length > 0;
}

function statusText(registration, zone) {
  if (registration.status === 'approved' && !reviewed(zone)) return '登记成功，请缴费';
  const stage = registration.stage && zone && zone.stage_names ? zone.stage_names[registration.stage] : '';
  if (stage && registration.status === 'submitted') return `已提交，等待${stage}`;
  if (stage && registration.status === 'under_review') return `审核中：${stage}`;
  return STATUS_TEXT[registration.status] || '';
}

// The steps that file or submit a registration: outside the zone's window the server refuses them, so home says
// when the window opens or that it closed instead of offering them.
const IN_WINDOW = ['register', 'renew', 'sign_letter', 'submit', 'fix_returned'];

function suspensionText(suspension) {
  const text = SUSPENSION_TEXT[suspension.status] || '';
  return suspension.status === 'refused' && suspension.message ? `${text}：${suspension.message}` : text;
}

function noRegistrationText(nextAction, zone) {
  if (!zone) return '未选择专区';
  return nextAction === 'renew' ? '去年已在本专区参保，可续保' : '未登记';
}

function createHomeLogic({ wx, api, ready, config, refreshConfig, templates, shared, setData }) {
  let me = null;
  let proof = null;
  return {
    async load() {
      await ready;
      try {
        const pending = proofs.current(wx, shared);
        const [mine, latest] = await Promise.all([api.get('/me'),
          pending && pending.status === 'waiting' ? api.get('/identity/requests/latest') : Promise.resolve({})]);
        me = mine;
        proof = proofView(latest.request, pending);
        const suspending = Boolean(proof) && pending.act === 'suspension';
        const registration = me.registration;
        const suspension = me.suspension;
        let timeline = [];
        if (registration) {
          const detail = await api.get(`/registrations/${registration.id}`);
          timeline = detail.history.map((h) => ({ text: eventText(h), at: beijingTime(h.at),
            reason: h.reason || '' })).reverse();
        }
        const settings = me.zone ? await refreshConfig().catch(() => config()) : config();
        const zone = me.zone;
        const refused = Boolean(suspension) && !registration && suspension.status === 'refused';
        const period = registrationWindow(zone, api.now ? api.now() : Date.now());
        const shut = period.state !== 'open' && IN_WINDOW.includes(me.next_action);
        setData({
          loaded: true,
          // While the proof for a suspension is pending, the student is at 停保 and registering would be refused.
          steps: steps(suspending ? 'suspend_origin' : me.next_action,
            suspending || Boolean(suspension) || me.next_action === 'suspend_origin', refused, reviewed(me.zone)),
          suspendAgain: refused ? suspension.id : null,
          showNext: !(proof && (proof.button || suspending)) && !shut,
          windowText: shut ? period.text : '',
          zone: zone ? { name: zone.name, year: zone.year, amount: yuan(zone.premium_fen),
            closes: beijingDate(zone.window_closes_at), agency: zone.agency_name || '',
            taxAuthority: zone.tax_authority_name || '' } : null,
          statusText: registration ? statusText(registration, zone) : noRegistrationText(me.next_action, zone),
          renewing: me.next_action === 'renew',
          // Before anything is under way here, a zone picked by mistake (or a move to another city) can be changed.
          canChangeZone: Boolean(zone) && ['register', 'renew'].includes(me.next_action),
          reviewReason: registration && REASON_LABEL[registration.status] ? registration.review_reason || '' : '',
          reasonLabel: registration ? REASON_LABEL[registration.status] || '' : '',
          suspensionText: suspension && !registration ? suspensionText(suspension) : '',
          notices: (settings && settings.notices) || [],
          phoneBound: Boolean(me.student && me.student.phone),
          phone: (me.student && me.student.phone) || '',
          nextLabel: NEXT_LABELS[me.next_action] || '下一步',
          proof,
          timeline,
        });
        return me;
      } catch (error) {
        loadFailed(setData, error);
        return null;
      }
    },
    next() {
      if (!me) return null;
      if (me.next_action === 'renew') return this.renew();
      // Starting to register: ask (inside the tap) to be told when it is accepted, and reminded if left unfinished.
      if (me.next_action === 'register') subscribe({ wx, api, templates }, ['submitted', 'roster_reminder']);
      return open(wx, pageFor(me.next_action, me.registration && me.registration.id));
    },
    // 续保: paid up here last year, so this year's registration is approved as it is, straight to payment.
    renew: oneAtATime(setData)(async () => {
      const asked = subscribe({ wx, api, templates }, ['renewal']);  // inside the tap, before any await
      try {
        await asked;
        const registration = await api.post('/renewals', { zone_code: me.zone.code });
        wx.navigateTo({ url: `/pages/payment/payment?id=${registration.id}` });
        return registration;
      } catch (error) {
        // Asked to prove the person first: the zones page's renewal form takes the ID number and the proof step.
        if (proofs.needsProof(error)) return open(wx, '/pages/zones/zones');
        showError(wx, error);
        return null;
      }
    }),
    // The home town refused: the suspension page shows why and asks again, the person and home town filled in.
    suspendAgain() {
      const refusedId = me && me.suspension && me.suspension.status === 'refused' ? me.suspension.id : null;
      return refusedId ? open(wx, `/pages/suspension/suspension?id=${refusedId}`) : null;
    },
    changeZone() {
      return open(wx, '/pages/zones/zones');
    },
    continueProof() {
      return proof && proof.url ? open(wx, proof.url) : null;
    },
    async bindPhone(detail) {
      if (!detail || !detail.code) {
        wx.showToast({ title: '未授权手机号，可在登记时填写', icon: 'none' });
        return null;
      }
      try {
        const student = await api.post('/me/phone', { code: detail.code });
        setData({ phoneBound: true, phone: student.phone });
        wx.showToast({ title: '手机号已绑定', icon: 'success' });
        return student;
      } catch (error) { showError(wx, error); return null; }
    },
  };
}

module.exports = { createHomeLogic, STATUS_TEXT, steps };
