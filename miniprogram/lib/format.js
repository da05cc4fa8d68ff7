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

module.exports = { yuan, beijingTime, beijingDate };
