'use strict';
const { showError } = require('./show');
const { oneAtATime } = require('../one-at-a-time');

// Strokes drawn on a <canvas type="2d">, exported to PNG and uploaded with the letter.
function createLetterLogic({ wx, api, ready, setData }) {
  let strokes = [];
  return {
    async load(id) {
      await ready;
      try {
        const letter = await api.get(`/registrations/${id}/commitment-letter`);
        setData({ loaded: true, text: letter.text, signed: letter.signed, hasInk: false });
        return letter;
      } catch (error) { showError(wx, error); return null; }
    },
    start(point) { strokes.push([point]); setData({ hasInk: true }); },
    move(point) { if (strokes.length) strokes[strokes.length - 1].push(point); },
    clear() { strokes = []; setData({ hasInk: false }); },
    inkPoints() { return strokes.reduce((n, s) => n + s.length, 0); },
    sign: oneAtATime(setData)(async function sign(id, canvas) {
      if (this.inkPoints() < 10) {
        wx.showToast({ title: '请在框内手写签名', icon: 'none' });
        return null;
      }
      try {
        const path = await new Promise((resolve, reject) => {
          wx.canvasToTempFilePath({ canvas, fileType: 'png', success: (res) => resolve(res.tempFilePath),
            fail: () => reject(new Error('签名导出失败，请重试')) });
        });
        const sealed = await api.upload(`/registrations/${id}/commitment-letter`, path);
        setData({ signed: true });
        wx.showToast({ title: '承诺书已签署', icon: 'success' });
        wx.navigateBack();
        return sealed;
      } catch (error) { showError(wx, error); return null; }
    }),
  };
}

module.exports = { createLetterLogic };
