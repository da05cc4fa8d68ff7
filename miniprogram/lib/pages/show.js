'use strict';
// How a page tells the student what went wrong: a toast, and the backend's field errors under their fields.

function showError(wx, error) {
  wx.showToast({ title: (error && error.message) || '操作失败，请稍后再试', icon: 'none', duration: 3000 });
}

function fieldErrors(error) {
  const out = {};
  Object.keys((error && error.fieldErrors) || {}).forEach((key) => {
    const value = error.fieldErrors[key];
    out[key.replace(/^bank\./, 'bank_')] = Array.isArray(value) ? value.join('；') : String(value);
  });
  return out;
}

// A page that could not load shows why in place of its content, with 重试 (bindPage's onRetry), not an empty page
// or a wrong one (home without its answer looked like a student with no zone) behind a toast that goes away.
function loadFailed(setData, error) {
  setData({ loaded: true, loadFailed: (error && error.message) || '加载失败，请稍后重试' });
}

module.exports = { showError, fieldErrors, loadFailed };
