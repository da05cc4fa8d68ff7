'use strict';
// The real app and pages rendered by WeChat's official miniprogram-simulate (j-component + the wcc template
// compiler) in jsdom, with the strict fake `wx`. Pages are loaded as components (Page -> Component shim); a router
// keeps WeChat's page stack; a driver finds elements by the name / data-field / text the WXML declares and fires
// the events the WXML binds.
const path = require('node:path');
const fs = require('node:fs');
const { JSDOM } = require('jsdom');

const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
for (const key of ['window', 'document', 'Node', 'Element', 'HTMLElement', 'Event', 'CustomEvent', 'MutationObserver',
  'TouchEvent', 'Touch', 'getComputedStyle', 'requestAnimationFrame']) {
  global[key] = key === 'window' ? dom.window : dom.window[key];
}
const simulate = require('miniprogram-simulate');

const ROOT = path.join(__dirname, '..', '..');
const APP_JSON = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'));
const TABS = APP_JSON.tabBar.list.map((t) => `/${t.pagePath}`);

let nextQuery = {};
let currentWx = null;

// Page(options) as a component: handlers become methods; a tap handler runs as a user gesture (the only place
// WeChat lets requestSubscribeMessage through).
global.Page = (options) => {
  const methods = {};
  Object.keys(options).forEach((key) => {
    if (typeof options[key] !== 'function') return;
    methods[key] = function handler(...args) {
      const event = args[0];
      const tap = Boolean(event && event.type === 'tap');
      if (tap) currentWx.gesture = true;
      try { return options[key].apply(this, args); } finally { if (tap) currentWx.gesture = false; }
    };
  });
  global.Component({ data: JSON.parse(JSON.stringify(options.data || {})), methods,
    lifetimes: { attached() { if (this.onLoad) this.onLoad(nextQuery); } } });
};

let appInstance = null;
global.App = (options) => { appInstance = options; };
global.getApp = () => appInstance;

function sleep(ms) { return new Promise((resolve) => { setTimeout(resolve, ms); }); }

const loaded = {};
function load(page) {
  if (!loaded[page]) loaded[page] = simulate.load(path.join(ROOT, page.replace(/^\//, '')), { rootPath: ROOT });
  return loaded[page];
}

const ComponentClass = (comp) => Object.getPrototypeOf(Object.getPrototypeOf(comp)).constructor;

class PageDriver {
  constructor(route, query, comp) {
    this.route = route;
    this.query = query;
    this.comp = comp;
  }

  get data() { return this.comp.instance.data; }

  // What the student reads: the text of the page plus what stands in its inputs.
  text() {
    const parts = [];
    const walk = (node) => {
      if (node._vt && node._vt.tagName === 'input') parts.push(this.attrs(node).value || '');
      else if (!node._vt || !node._vt.tagName) { if (!(node.childNodes || []).length) parts.push(node.textContent || ''); }
      (node.childNodes || []).forEach(walk);
    };
    walk(this.comp._exparserNode.shadowRoot);
    return parts.join('').replace(/\s+/g, ' ').trim();
  }

  element(selector) {
    const el = this.comp.dom.querySelector(selector);
    return el ? el.__wxElement : null;
  }

  attrs(node) {
    const out = {};
    ((node && node._vt && node._vt.attrs) || []).forEach((a) => { out[a.name] = a.value; });
    return out;
  }

  fire(node, name, detail) {
    if (!node) throw new Error(`nothing to fire ${name} on in ${this.route}: ${this.text()}`);
    const events = (node._vt && node._vt.event) || {};
    if (!events[name]) throw new Error(`${this.route}: the element binds no ${name} (binds ${Object.keys(events)})`);
    new (ComponentClass(this.comp))(node).dispatchEvent(name, { detail });
  }

  field(name) {
    return this.element(`[data-field="${name}"]`) || this.nodes().find((n) => this.attrs(n).name === name) || null;
  }

  nodes() {
    const out = [];
    const walk = (node) => { if (node._vt && node._vt.tagName) out.push(node); (node.childNodes || []).forEach(walk); };
    walk(this.comp._exparserNode.shadowRoot);
    return out;
  }

  // Typing into the input named / data-field `name`, the way WeChat reports it (detail.value).
  async type(name, value) {
    const node = this.field(name);
    if (!node || node._vt.tagName !== 'input') throw new Error(`${this.route}: no input for ${name}`);
    if (this.attrs(node).disabled) throw new Error(`${this.route}: the input for ${name} is disabled`);
    this.fire(node, 'input', { value: String(value), cursor: String(value).length });
    await settle();
  }

  // Choosing the option whose Chinese label is `label` in the picker of field `name` (or a date for mode=date; for
  // mode=region, `label` is WeChat's answer: { value: [province, city, county], code: [their division codes] }).
  async pick(name, label) {
    const node = this.field(name);
    if (!node || node._vt.tagName !== 'picker') throw new Error(`${this.route}: no picker for ${name}`);
    const attrs = this.attrs(node);
    if (attrs.disabled) throw new Error(`${this.route}: the picker for ${name} is disabled`);
    if (attrs.mode === 'date') { this.fire(node, 'change', { value: label }); await settle(); return; }
    if (attrs.mode === 'region') {
      if (!label || label.value.length !== 3 || label.code.length !== 3) throw new Error(`${name}: region ${label}`);
      this.fire(node, 'change', { value: label.value, code: label.code, postcode: '' });
      await settle();
      return;
    }
    const range = attrs.range || [];
    const index = range.findIndex((item) => (attrs.rangeKey ? item[attrs.rangeKey] : item) === label);
    if (index < 0) throw new Error(`${this.route}: ${name} offers no "${label}"`);
    this.fire(node, 'change', { value: index });
    await settle();
  }

  options(name) {
    const attrs = this.attrs(this.field(name));
    return (attrs.range || []).map((item) => (attrs.rangeKey ? item[attrs.rangeKey] : item));
  }

  async check(name, values) {
    this.fire(this.field(name), 'change', { value: values });
    await settle();
  }

  tappables() {
    return this.nodes().filter((n) => n._vt.event && n._vt.event.tap);
  }

  // Tapping the element whose text is `text` (buttons, cells).
  async tap(text) {
    const nodes = this.tappables();
    const node = nodes.find((n) => n.$$.textContent.trim() === text) || nodes.find((n) => n.$$.textContent.includes(text));
    if (!node) throw new Error(`${this.route}: nothing tappable says "${text}"; the page shows: ${this.text()}`);
    this.fire(node, 'tap', {});
    await settle();
  }

  buttons() {
    return this.nodes().filter((n) => n._vt.tagName === 'button').map((n) => n.$$.textContent.trim());
  }

  // The error shown right under the field (in the element following the field's cell).
  errorUnder(name) {
    const el = this.comp.dom.querySelector(`[data-field="${name}"]`);
    if (!el) return '';
    const cell = el.closest('[class*="weui-cell "], [class$="weui-cell"]') || el.closest('wx-picker') || el;
    const next = cell.nextElementSibling;
    return next && /field-error/.test(next.className) ? next.textContent.trim() : '';
  }

  images() { return this.nodes().filter((n) => n._vt.tagName === 'image').map((n) => this.attrs(n).src).filter(Boolean); }

  async getPhoneNumber(code) {
    const node = this.nodes().find((n) => (this.attrs(n).openType || this.attrs(n)['open-type']) === 'getPhoneNumber');
    if (!node) throw new Error(`${this.route}: no getPhoneNumber button`);
    this.fire(node, 'getphonenumber', code ? { code, errMsg: 'getPhoneNumber:ok' } : { errMsg: 'getPhoneNumber:fail user deny' });
    await settle();
  }

  // A finger drawing on the element with id `id`: the touchstart/touchmove handlers its WXML binds, called with
  // WeChat's touch event shape (jsdom has no Touch to dispatch natively).
  async touch(id, points) {
    const found = this.comp.querySelector(`#${id}`);
    const events = (found && found._exparserNode._vt.event) || {};
    if (!events.touchstart || !events.touchmove) throw new Error(`${this.route}: #${id} binds no touch events`);
    const call = (type, point) => this.comp.instance[events[type].handler]({ type, touches: [point],
      changedTouches: [point], currentTarget: { id, dataset: {} } });
    call('touchstart', points[0]);
    points.slice(1).forEach((point) => call('touchmove', point));
    await settle();
  }
}

async function settle() {
  let quiet = 0;
  for (let i = 0; i < 2000 && quiet < 4; i += 1) {
    await sleep(5);
    quiet = currentWx.pending() === 0 ? quiet + 1 : 0;
  }
}

// WeChat's page stack: navigateTo pushes, redirectTo replaces, switchTab keeps only the tab page, navigateBack pops.
class Router {
  constructor(wx) {
    this.wx = wx;
    this.stack = [];
    this.parent = dom.window.document.createElement('parent-wrapper');
  }

  get top() { return this.stack[this.stack.length - 1]; }

  mount(route, query) {
    nextQuery = query || {};
    const comp = simulate.render(load(route));
    comp.attach(this.parent);
    const page = new PageDriver(route, query || {}, comp);
    if (comp.instance.onShow) comp.instance.onShow();
    if (comp.instance.onReady) comp.instance.onReady();
    return page;
  }

  navigateTo(route, query) { this.stack.push(this.mount(route, query)); }

  redirectTo(route, query) { this.unmountTop(); this.stack.push(this.mount(route, query)); }

  switchTab(route) {
    while (this.stack.length) this.unmountTop();
    this.stack.push(this.mount(route, {}));
  }

  navigateBack() {
    this.unmountTop();
    if (this.top && this.top.comp.instance.onShow) this.top.comp.instance.onShow();
  }

  unmountTop() {
    const page = this.stack.pop();
    if (page) { if (page.comp.instance.onUnload) page.comp.instance.onUnload(); page.comp.detach(); }
  }

  // Back from another mini-program (the tax bureau's): the page below comes back, onShow runs.
  async returnFromMiniProgram() {
    this.wx.leftApp = null;
    if (this.top.comp.instance.onShow) this.top.comp.instance.onShow();
    await settle();
  }
}

// Launch the app (app.js's onLaunch with the fake wx), then open `route` as WeChat would.
async function launch(wx, route = '/pages/home/home', query = {}) {
  currentWx = wx;
  global.wx = wx;
  delete require.cache[require.resolve(path.join(ROOT, 'app.js'))];
  require(path.join(ROOT, 'app.js'));
  appInstance.onLaunch();
  const router = new Router(wx);
  wx.router = router;
  if (TABS.includes(route)) router.switchTab(route);
  else router.navigateTo(route, query);
  await settle();
  return router;
}

module.exports = { launch, settle, sleep, PageDriver };
