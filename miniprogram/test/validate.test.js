'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { checkDigit, idNumberError, registrationErrors } = require('../lib/validate');

test('check digits match GB 11643 vectors', () => {
  assert.equal(checkDigit('34052419800101001'), 'X');
  assert.equal(checkDigit('44030819990110151'), '2');
  assert.equal(idNumberError('resident_id', '34052419800101001x'), null);
  assert.equal(idNumberError('hk_macau_permit', '810000199408230021'), null);
});

test('invalid ID numbers get Chinese reasons', () => {
  assert.match(idNumberError('resident_id', '340524198001010011'), /校验位/);
  assert.match(idNumberError('resident_id', '1234'), /18位/);
  assert.match(idNumberError('taiwan_permit', '810000199408230021'), /开头/);
  const first17 = '34052420050230123';
  assert.match(idNumberError('resident_id', first17 + checkDigit(first17)), /出生日期/);
});

test('the registration form names each bad field', () => {
  const errors = registrationErrors({ name: '', id_type: 'resident_id', id_number: '340524198001010011', phone: '123' });
  assert.equal(errors.name, '请填写姓名');
  assert.match(errors.id_number, /校验位/);
  assert.equal(errors.phone, '请输入11位手机号码');
  assert.equal(errors.school_code, '请选择学校');
});

test('form choices carry the backend codes', () => {
  const { OPTIONS, picked } = require('../lib/options');
  assert.equal(OPTIONS.ethnicity.length, 58);
  assert.deepEqual(OPTIONS.ethnicity[0], { value: '01', label: '汉族' });
  assert.deepEqual(OPTIONS.ethnicity[55], { value: '56', label: '基诺族' });
  assert.equal(picked('special_identity', 0), '');
  assert.equal(picked('id_type', 1), 'hk_macau_permit');
});
