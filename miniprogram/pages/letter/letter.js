const { createLetterLogic } = require('../../lib/pages/letter');
const { bindPage } = require('../../utils/bind');

// The pad: a 2d canvas scaled to the screen's pixel ratio; strokes are drawn here and counted by the logic.
function setUpCanvas(page) {
  wx.createSelectorQuery().select('#sig').fields({ node: true, size: true }).exec((res) => {
    const found = res && res[0];
    if (!found || !found.node) return;
    const dpr = wx.getWindowInfo().pixelRatio;
    page.canvas = found.node;
    page.canvas.width = found.width * dpr;
    page.canvas.height = found.height * dpr;
    page.ctx = page.canvas.getContext('2d');
    page.ctx.scale(dpr, dpr);
    page.ctx.lineWidth = 4;
    page.ctx.lineCap = 'round';
  });
}

Page(bindPage(createLetterLogic, {
  onLoad(query) { this.id = query.id; this.logic.load(query.id); },
  onReady() { setUpCanvas(this); },
  onStart(e) {
    const t = e.touches[0];
    this.logic.start([t.x, t.y]);
    if (this.ctx) { this.ctx.beginPath(); this.ctx.moveTo(t.x, t.y); }
  },
  onMove(e) {
    const t = e.touches[0];
    this.logic.move([t.x, t.y]);
    if (this.ctx) { this.ctx.lineTo(t.x, t.y); this.ctx.stroke(); }
  },
  onClear() {
    this.logic.clear();
    if (this.ctx) this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
  },
  onSign() { this.logic.sign(this.id, this.canvas); },
}));
