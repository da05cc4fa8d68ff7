'use strict';
// Where each next_action of GET /me takes the student.

const NEXT_PAGES = {
  choose_zone: '/pages/zones/zones',
  suspend_origin: '/pages/suspension/suspension',
  register: '/pages/register/register',
  sign_letter: '/pages/letter/letter',
  submit: '/pages/register/register',
  wait_review: '/pages/home/home',
  fix_returned: '/pages/register/register',
  pay: '/pages/payment/payment',
  wait_payment: '/pages/payment/payment',
  done: '/pages/receipts/receipts',
};

function pageFor(nextAction, registrationId) {
  const page = NEXT_PAGES[nextAction] || '/pages/home/home';
  return registrationId ? `${page}?id=${registrationId}` : page;
}

module.exports = { NEXT_PAGES, pageFor };
