'use strict';
// The FAQ, drawn from the user guides students already know.
const FAQ = [
  { q: '登记后在税务系统查不到待缴费信息？', a: '登记信息需要同步到税务部门，一般需等待最多24小时，请稍后再查。' },
  { q: '已经缴过费了还要再缴吗？', a: '请勿重复缴费。缴费成功后在“缴费记录”中可查看电子税票号码。' },
  { q: '提示“该人员处于正常参保状态，不能重复参保”？', a: '说明您在原户籍地仍是正常参保，请先在本小程序申请“暂停原参保地参保”，确认后再登记。' },
  { q: '暂停参保要等多久？', a: '原参保地确认一般需要10–30分钟，确认后会收到服务通知。' },
  { q: '享受资助参保的同学怎么办？', a: '低保、特困、残疾、监测对象等资助对象在校参保须签署承诺书，放弃户籍地资助参保政策。' },
  { q: '医保待遇什么时候开始？', a: '集中参保期内缴费的，次年1月1日起享受待遇。' },
];

function createHelpLogic({ wx, api, ready, setData }) {
  return {
    async load() {
      await ready;
      let servicePhone = '';
      try { servicePhone = (await api.get('/config')).service_phone; } catch { servicePhone = ""; }
      setData({ faq: FAQ, servicePhone });
      return servicePhone;
    },
    call(phone) { wx.makePhoneCall({ phoneNumber: phone }); },
  };
}

module.exports = { createHelpLogic, FAQ };
