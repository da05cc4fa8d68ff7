'use strict';
// Choices of the registration form, with the codes the backend expects (GB 3304 for ethnicity).

const NAMES = ['汉族', '蒙古族', '回族', '藏族', '维吾尔族', '苗族', '彝族', '壮族', '布依族', '朝鲜族', '满族', '侗族', '瑶族',
  '白族', '土家族', '哈尼族', '哈萨克族', '傣族', '黎族', '傈僳族', '佤族', '畲族', '高山族', '拉祜族', '水族', '东乡族', '纳西族',
  '景颇族', '柯尔克孜族', '土族', '达斡尔族', '仫佬族', '羌族', '布朗族', '撒拉族', '毛南族', '仡佬族', '锡伯族', '阿昌族', '普米族',
  '塔吉克族', '怒族', '乌孜别克族', '俄罗斯族', '鄂温克族', '德昂族', '保安族', '裕固族', '京族', '塔塔尔族', '独龙族', '鄂伦春族',
  '赫哲族', '门巴族', '珞巴族', '基诺族'];

const OPTIONS = {
  ethnicity: NAMES.map((label, i) => ({ value: String(i + 1).padStart(2, '0'), label }))
    .concat([{ value: '97', label: '其他' }, { value: '98', label: '外国血统中国籍人士' }]),
  id_type: [{ value: 'resident_id', label: '居民身份证' }, { value: 'hk_macau_permit', label: '港澳居民居住证' },
    { value: 'taiwan_permit', label: '台湾居民居住证' }, { value: 'foreign_permanent', label: '外国人永久居留身份证' }],
  marital_status: [{ value: 'unmarried', label: '未婚' }, { value: 'married', label: '已婚' },
    { value: 'divorced', label: '离婚' }, { value: 'widowed', label: '丧偶' }],
  special_identity: [{ value: '', label: '无' }, { value: 'subsistence_allowance', label: '低保对象' },
    { value: 'extreme_poverty', label: '特困人员' }, { value: 'disability', label: '残疾人' },
    { value: 'poverty_monitoring', label: '防止返贫监测对象' }, { value: 'orphan', label: '孤儿' }],
};

function picked(field, index) {
  const option = OPTIONS[field][Number(index)];
  return option ? option.value : '';
}

module.exports = { OPTIONS, picked };
