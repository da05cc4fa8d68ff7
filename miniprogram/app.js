const { createApi } = require('./lib/api');
const { baseUrl } = require('./config');

// The app logs in when it holds no token (a stale one is replaced on the first 401) and loads /config (message
// templates, service phone, notices); pages wait on `ready`.
App({
  globalData: { templates: {}, config: null, draft: null },
  onLaunch() {
    this.api = createApi({ wx, baseUrl });
    const signedIn = wx.getStorageSync('token') ? Promise.resolve() : this.api.login();
    this.ready = signedIn
      .then(() => this.api.get('/config'))
      .then((config) => {
        this.globalData.config = config;
        this.globalData.templates = config.templates || {};
        return config;
      })
      .catch(() => null);
  },
});
