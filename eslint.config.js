// ESLint (flat config): eslint:recommended over the mini-program, with WeChat's globals for its code and node's
// for its tests, and over the admin page's script with the browser's.
const js = require('@eslint/js');
const globals = require('globals');

const wechat = { wx: 'readonly', App: 'readonly', Page: 'readonly', Component: 'readonly', getApp: 'readonly',
  getCurrentPages: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly',
  clearInterval: 'readonly', console: 'readonly' };

module.exports = [
  { ignores: ['miniprogram/styles/**'] },
  js.configs.recommended,
  {
    files: ['miniprogram/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'commonjs', globals: { ...wechat, ...globals.commonjs } },
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_' }] },
  },
  {
    files: ['miniapp_backend/admin/static/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'script', globals: { ...globals.browser } },
  },
  {
    files: ['miniprogram/test/**/*.js', 'tests/miniprogram/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { ...globals.node } },
  },
];
