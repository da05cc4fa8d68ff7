const { createLetterLogic } = require('../../lib/pages/letter');
const { bindPage } = require('../../utils/bind');

Page(bindPage(createLetterLogic, {
  onLoad(q) { this.id = q.id; this.logic.load(q.id); },
  onReady() { wx.createSelectorQuery().select('#sig').fields({ node: true, size: true }).exec((res) => { const canvas = res[0].node; const dpr = wx.getWindowInfo().pixelRatio; canvas.width = res[0].width * dpr; canvas.height = res[0].height * dpr; this.canvas = canvas; this.ctx = canvas.getContext('2d'); this.ctx.scale(dpr, dpr); this.ctx.lineWidth = 4; }); },
  onStart(e) { const t = e.touches[0]; this.logic.start([t.x, t.y]); this.ctx.beginPath(); this.ctx.moveTo(t.x, t.y); },
  onMove(e) { const t = e.touches[0]; this.logic.move([t.x, t.y]); this.ctx.lineTo(t.x, t.y); this.ctx.stroke(); },
  onClear() { this.logic.clear(); this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height); },
  onSign() { this.logic.sign(this.id, this.canvas); },
}));
