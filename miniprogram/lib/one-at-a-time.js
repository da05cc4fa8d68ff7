'use strict';
// One tap at a time: while an action a tap started is on its way, another tap on any action behind the same gate
// does nothing (a second tap would send the request again). The action starts within the tap, so what WeChat
// allows only inside the user's tap (wx.requestSubscribeMessage) still is; `busy` in the page's data lets its
// buttons show it.
function oneAtATime(setData) {
  let busy = false;
  return (action) => async function guarded(...args) {
    if (busy) return null;
    busy = true;
    setData({ busy: true });
    try { return await action.apply(this, args); } finally { busy = false; setData({ busy: false }); }
  };
}

module.exports = { oneAtATime };
