'use strict';
// Every method and path the API client uses exists in the backend's OpenAPI (exported by the Python tests).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ENDPOINTS } = require('../lib/api');

const SPEC = path.join(__dirname, '..', '..', 'build', 'openapi.json');

test('the client uses only operations the backend documents', () => {
  assert.ok(fs.existsSync(SPEC), `${SPEC} is missing: run the Python tests first (make test exports it)`);
  const spec = JSON.parse(fs.readFileSync(SPEC, 'utf8'));
  const missing = ENDPOINTS.filter(({ method, path: p }) => {
    const operations = spec.paths[`/api/v1${p}`];
    return !operations || !operations[method.toLowerCase()];
  });
  assert.deepEqual(missing, []);
});
