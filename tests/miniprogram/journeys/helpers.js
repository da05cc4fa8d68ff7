'use strict';
// What every journey needs: the real app launched with the strict fake wx talking real HTTP to the backend under
// test, the "world" (reviewer, tax bureau, clock) through the control server, and a picture of each page.
const assert = require('node:assert/strict');
const { PNG } = require('pngjs');
const { createFakeWx } = require('../../../miniprogram/test/helpers/fake-wx');
const { launch, settle, sleep } = require('../../../miniprogram/test/helpers/simulate');
const { saveShot } = require('./render');
const { checkDigit } = require('../../../miniprogram/lib/validate');

const BACKEND = process.env.BACKEND;
const CONTROL = process.env.CONTROL;
const WECHAT = process.env.WECHAT;
// What a first-year student must never see: field keys, enum codes, English, ISO timestamps.
const NOT_FOR_STUDENTS = /[A-Za-z_]{4,}|\d{4}-\d\d-\d\dT\d/;

function png(width, height, draw) {
  const image = new PNG({ width, height });
  image.data.fill(255);
  draw((x, y) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (width * y + x) << 2;
    image.data[i] = 20; image.data[i + 1] = 20; image.data[i + 2] = 20; image.data[i + 3] = 255;
  });
  return PNG.sync.write(image);
}

const SIGNATURE = png(600, 240, (dot) => {
  for (let x = 40; x < 560; x += 1) for (let w = -3; w <= 3; w += 1) dot(x, Math.round(120 + 60 * Math.sin(x / 40)) + w);
});
const PHOTO = png(640, 400, (dot) => { for (let x = 40; x < 200; x += 1) for (let y = 40; y < 240; y += 1) dot(x, y); });

function student(name) {
  const wx = createFakeWx({ backend: BACKEND, wechat: WECHAT });
  wx.loginPrefix = name;
  wx.signaturePng = SIGNATURE;
  wx.photo = PHOTO;
  return wx;
}

async function world(path, body) {
  const response = await fetch(CONTROL + path, body === undefined ? {} : {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  assert.equal(response.status, 200, `${path}: ${text}`);
  return JSON.parse(text);
}

async function waitFor(check, what, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
    await sleep(50);
  }
}

// The page as the student reads it; fails on anything not meant for a student.
function reads(page, ...expected) {
  const text = page.text();
  assert.doesNotMatch(text, NOT_FOR_STUDENTS, `${page.route} shows a key, code or ISO time: ${text}`);
  for (const item of expected) assert.ok(text.includes(item), `${page.route} does not show "${item}": ${text}`);
  return text;
}

// Save the page for `make screenshots`; images are fetched now (a signed link expires, a paid QR is gone later).
async function shot(page, name) {
  if (!process.env.SHOTS_HTML) return;
  const images = {};
  for (const src of page.images().filter((s) => /^https?:/.test(s))) {
    const response = await fetch(src);
    images[src] = `data:${response.headers.get('content-type')};base64,${Buffer.from(await response.arrayBuffer()).toString('base64')}`;
  }
  saveShot(page, name, process.env.SHOTS_HTML, images);
}

// A valid resident ID number born on `birth` (YYYYMMDD) in `region`.
function idNumber(birth, serial, region = '340403') {
  const first17 = `${region}${birth}${String(serial).padStart(3, '0')}`;
  return first17 + checkDigit(first17);
}

async function fillRegistration(page, person) {
  await page.type('name', person.name);
  if (person.idType) await page.pick('id_type', person.idType);
  await page.type('id_number', person.id_number);
  await page.pick('ethnicity', person.ethnicity || '汉族');
  await page.pick('marital_status', '未婚');
  await page.type('phone', '13912345205');
  await page.type('residence_address', '安徽省宣城市宣州区薰化路301号');
  await page.type('hukou_address', person.hukou_address || '安徽省淮南市田家庵区洞山路12号');
  await page.pick('hukou_region_code', person.hukou_region
    || { value: ['安徽省', '淮南市', '田家庵区'], code: ['340000', '340400', '340403'] });
  if (person.special) await page.pick('special_identity', person.special);
  await page.pick('school_code', page.options('school_code')[0]);
  await page.type('student_no', '2022217001');
  await page.type('college', '计算机与信息学院');
  await page.type('class_name', '计算机22-1班');
}

module.exports = { PHOTO, idNumber, launch, settle, sleep, student, world, waitFor, reads, shot, fillRegistration, BACKEND };
