'use strict';
// What the student reads: money in yuan with the sign, times in Beijing time (UTC+8), never ISO strings.

function yuan(fen) {
  if (fen === null || fen === undefined || fen === '') return '';
  return `¥${(Number(fen) / 100).toFixed(2)}`;
}

function beijing(iso) {
  if (!iso) return null;
  const text = String(iso);
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  if (Number.isNaN(date.getTime())) return null;
  const shifted = new Date(date.getTime() + 8 * 3600 * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  return { date: `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`,
    time: `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}` };
}

function beijingTime(iso) {
  const parts = beijing(iso);
  return parts ? `${parts.date} ${parts.time}` : '';
}

function beijingDate(iso) {
  const parts = beijing(iso);
  return parts ? parts.date : '';
}

// The zone's registration window as the student should read it at `now` (the server's time, api.now; the server
// refuses outside it in any case): 'open', 'not_open' or 'closed', with the sentence that says so.
function registrationWindow(zone, now = Date.now()) {
  if (!zone || !zone.window_opens_at || !zone.window_closes_at) return { state: 'open', text: '' };
  const opens = beijingDate(zone.window_opens_at);
  const closes = beijingDate(zone.window_closes_at);
  if (now < Date.parse(zone.window_opens_at)) {
    return { state: 'not_open', label: '未开始', text: `${zone.year}年度参保登记尚未开始，${opens}起可以办理` };
  }
  if (now > Date.parse(zone.window_closes_at)) {
    return { state: 'closed', label: '已截止', text: `${zone.year}年度参保登记已于${closes}截止，不能再登记或提交` };
  }
  return { state: 'open', label: '办理中', text: '' };
}

module.exports = { yuan, beijingTime, beijingDate, registrationWindow };
