'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'));

test('every page in app.json has its four files', () => {
  for (const page of app.pages) {
    for (const ext of ['.js', '.json', '.wxml', '.wxss']) {
      assert.ok(fs.existsSync(path.join(ROOT, page + ext)), page + ext);
    }
  }
  for (const file of ['app.js', 'app.wxss', 'project.config.json', 'sitemap.json']) {
    assert.ok(fs.existsSync(path.join(ROOT, file)), file);
  }
});

test('every navigation target is a page of app.json', () => {
  const sources = [];
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'test') walk(full);
    else if (entry.name.endsWith('.js')) sources.push(fs.readFileSync(full, 'utf8'));
  });
  walk(ROOT);
  const targets = new Set();
  for (const source of sources) {
    for (const match of source.matchAll(/'\/(pages\/[a-z]+\/[a-z]+)/g)) targets.add(match[1]);
    for (const match of source.matchAll(/`\/(pages\/[a-z]+\/[a-z]+)/g)) targets.add(match[1]);
  }
  assert.ok(targets.size >= 7, [...targets].join(', '));
  for (const target of targets) assert.ok(app.pages.includes(target), target);
});
