'use strict';
// A page's render (the exparser tree miniprogram-simulate built from its WXML) as HTML with the WeUI styles, the
// navigation bar and, on tab pages, the tab bar: what `make screenshots` photographs in Chromium at 375x812.
// Built-in components (button, picker, switch) are approximations of WeChat's own.
const fs = require('node:fs');
const path = require('node:path');

const MP = path.join(__dirname, '..', '..', '..', 'miniprogram');
const APP = JSON.parse(fs.readFileSync(path.join(MP, 'app.json'), 'utf8'));
const TAGS = { view: 'div', text: 'span', button: 'button', input: 'input', image: 'img', picker: 'div', label: 'label',
  'checkbox-group': 'div', checkbox: 'input', canvas: 'canvas', 'web-view': 'iframe', block: 'div' };

function css() {
  const wxss = (file) => fs.readFileSync(file, 'utf8').replace(/@import[^;]+;/g, '')
    .replace(/(-?\d*\.?\d+)rpx/g, (m, n) => `${Number(n) / 2}px`)
    .replace(/(^|[},\s])page(?=[\s,{.[:])/g, '$1body');
  return wxss(path.join(MP, 'styles', 'weui.wxss')) + wxss(path.join(MP, 'app.wxss'));
}

const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function toHtml(node, images) {
  if (!node._vt || !node._vt.tagName || node.__virtual) {
    if (node.childNodes && node.childNodes.length) return node.childNodes.map((child) => toHtml(child, images)).join('');
    return escape(node.textContent || '');
  }
  const tag = node._vt.tagName;
  const attrs = {};
  (node._vt.attrs || []).forEach((a) => { attrs[a.name] = a.value; });
  const html = TAGS[tag] || 'div';
  const out = [];
  if (attrs.class) out.push(`class="${escape(attrs.class)}"`);
  if (attrs.style) out.push(`style="${escape(attrs.style)}"`);
  const children = (node.childNodes || []).map((child) => toHtml(child, images)).join('');
  if (tag === 'input') {
    const value = attrs.value || '';
    return `<input ${out.join(' ')} value="${escape(value)}" placeholder="${escape(attrs.placeholder || '')}"${attrs.disabled ? ' disabled' : ''}>`;
  }
  if (tag === 'checkbox') return `<input type="checkbox"${attrs.checked ? ' checked' : ''} style="margin-right:6px">`;
  if (tag === 'image') return `<img ${out.join(' ')} src="${escape(images[attrs.src] || attrs.src || '')}">`;
  if (tag === 'web-view') return `<iframe src="${escape(attrs.src || '')}" style="position:fixed;top:44px;left:0;width:100%;height:768px;border:0"></iframe>`;
  if (tag === 'canvas') return `<canvas ${out.join(' ')} width="340" height="160"></canvas>`;
  return `<${html} ${out.join(' ')}>${children}</${html}>`;
}

function tabBar(route) {
  const tabs = APP.tabBar.list;
  if (!tabs.some((t) => `/${t.pagePath}` === route)) return '';
  const items = tabs.map((t) => {
    const active = `/${t.pagePath}` === route;
    const icon = fs.readFileSync(path.join(MP, active ? t.selectedIconPath : t.iconPath)).toString('base64');
    return `<div style="flex:1;text-align:center;font-size:10px;color:${active ? APP.tabBar.selectedColor : APP.tabBar.color}">`
      + `<img src="data:image/png;base64,${icon}" style="width:24px;height:24px;display:block;margin:6px auto 2px">${escape(t.text)}</div>`;
  }).join('');
  return `<div style="position:fixed;bottom:0;left:0;right:0;height:56px;display:flex;background:#fff;border-top:1px solid #e5e5e5">${items}</div>`;
}

function saveShot(page, name, dir, images = {}) {
  const json = JSON.parse(fs.readFileSync(path.join(MP, `${page.route.replace(/^\//, '')}.json`), 'utf8'));
  const title = json.navigationBarTitleText || APP.window.navigationBarTitleText;
  const body = page.comp._exparserNode.shadowRoot.childNodes.map((child) => toHtml(child, images)).join('');
  const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>${css()}
body{margin:0;font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;background:#ededed}
.nav{height:44px;line-height:44px;text-align:center;background:${APP.window.navigationBarBackgroundColor};color:#fff;font-size:17px;font-weight:500}
button{width:100%;border:0;font-size:17px}
.content{height:${tabBar(page.route) ? 712 : 768}px;overflow:hidden}</style></head>
<body><div class="nav">${escape(title)}</div><div class="content">${body}</div>${tabBar(page.route)}</body></html>`;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.html`), html);
}

module.exports = { saveShot };
