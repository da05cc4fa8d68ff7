'use strict';
// Field checks that match the backend's, so students see errors before submitting.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';
const PROVINCES = new Set(['11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65']);
const PERMITS = { hk_macau_permit: ['810000', '820000'], taiwan_permit: ['830000'] };

function checkDigit(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

function realDate(yyyymmdd, today = new Date()) {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
    && y >= 1900 && date <= today;
}

function idNumberError(idType, raw) {
  const number = String(raw || '').replace(/\s+/g, '').toUpperCase();
  if (idType === 'foreign_permanent') {
    return /^([A-Z]{3}\d{12}|9\d{16}[0-9X])$/.test(number) ? null : '永久居留身份证号码格式不正确';
  }
  if (!/^\d{17}[\dX]$/.test(number)) return '证件号码应为18位，最后一位可为大写X';
  if (checkDigit(number.slice(0, 17)) !== number[17]) return '证件号码校验位不正确，请核对';
  if (idType === 'resident_id' && !PROVINCES.has(number.slice(0, 2))) return '身份证号码的地区码不正确';
  if (PERMITS[idType] && !PERMITS[idType].includes(number.slice(0, 6))) return '居住证号码开头不正确';
  if (!realDate(number.slice(6, 14))) return '证件号码中的出生日期不存在';
  return null;
}

const REQUIRED = {
  name: '请填写姓名', id_number: '请填写证件号码', phone: '请填写手机号码', ethnicity: '请选择民族',
  marital_status: '请选择婚姻状况', residence_address: '请填写居住地址', hukou_address: '请填写户籍地址',
  hukou_region_code: '请选择户籍所在区县', school_code: '请选择学校', student_no: '请填写学号',
};

function registrationErrors(form) {
  const errors = {};
  Object.keys(REQUIRED).forEach((field) => {
    if (!String(form[field] || '').trim()) errors[field] = REQUIRED[field];
  });
  if (form.id_number && !errors.id_number) {
    const problem = idNumberError(form.id_type || 'resident_id', form.id_number);
    if (problem) errors.id_number = problem;
  }
  if (form.phone && !/^1\d{10}$/.test(form.phone)) errors.phone = '请输入11位手机号码';
  if (form.hukou_region_code && !/^\d{6}$/.test(form.hukou_region_code)) errors.hukou_region_code = '户籍地区划应为6位数字';
  return errors;
}

module.exports = { checkDigit, idNumberError, registrationErrors };
