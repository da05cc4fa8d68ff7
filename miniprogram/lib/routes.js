'use strict';
// Where each next_action of GET /me takes the student, and how to get there: tab pages only through switchTab.

const TAB_PAGES = ['/pages/home/home', '/pages/messages/messages', '/pages/help/help'];

const NEXT_PAGES = {
  choose_zone: '/pages/zones/zones',
  suspend_origin: '/pages/suspension/suspension',
  renew: '/pages/zones/zones',
  register: '/pages/register/register',
  sign_letter: '/pages/letter/letter',
  submit: '/pages/register/register',
  wait_review: '/pages/register/register',
  fix_returned: '/pages/register/register',
  pay: '/pages/payment/payment',
  wait_payment: '/pages/payment/payment',
  done: '/pages/receipts/receipts',
};

const NEXT_LABELS = {
  choose_zone: '选择地方专区', suspend_origin: '查看停保进度', renew: '续保缴费', register: '开始参保登记', sign_letter: '签署承诺书',
  submit: '提交审核', wait_review: '查看登记信息', fix_returned: '修改并重新提交', pay: '去缴费', wait_payment: '查看缴费',
  done: '查看缴费记录',
};

// The next steps about the current registration; the others (register again after a refusal, a withdrawal, an
// expiry or a revocation; choose a zone; renew) start something new and must not open the old record.
const ABOUT_REGISTRATION = ['sign_letter', 'submit', 'wait_review', 'fix_returned', 'pay', 'wait_payment', 'done'];

function pageFor(nextAction, registrationId) {
  const page = NEXT_PAGES[nextAction] || '/pages/home/home';
  const about = registrationId && ABOUT_REGISTRATION.includes(nextAction) && !TAB_PAGES.includes(page);
  return about ? `${page}?id=${registrationId}` : page;
}

// Open a page the way WeChat allows: a tab page by switchTab (no query), any other by navigateTo.
function open(wx, url, { replace = false } = {}) {
  const path = url.split('?')[0];
  if (TAB_PAGES.includes(path)) wx.switchTab({ url: path });
  else if (replace) wx.redirectTo({ url });
  else wx.navigateTo({ url });
  return url;
}

module.exports = { NEXT_PAGES, NEXT_LABELS, TAB_PAGES, pageFor, open };
