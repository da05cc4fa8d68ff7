'use strict';
// The registration form a student filled before registering was refused as enrolled at home: kept (in storage
// too, as the suspension may be confirmed hours later, the app closed) so the suspension page can take the name
// and ID number from it and the register page can show it again once the home town has confirmed.

const KEY = 'register-draft';

function keep(wx, shared, draft) {
  shared.draft = draft;
  wx.setStorageSync(KEY, draft);
}

function current(wx, shared) {
  if (!shared.draft) shared.draft = wx.getStorageSync(KEY) || null;
  return shared.draft;
}

function clear(wx, shared) {
  shared.draft = null;
  wx.removeStorageSync(KEY);
}

module.exports = { keep, current, clear };
