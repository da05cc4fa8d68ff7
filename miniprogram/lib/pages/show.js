'use strict';
// How a page tells the student what went wrong.

function showError(wx, error) {
  wx.showToast({ title: (error && error.message) || '操作失败，请稍后再试', icon: 'none', duration: 3000 });
}

module.exports = { showError };
