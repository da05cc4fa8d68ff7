const { createApi } = require('./lib/api');
const { baseUrl } = require('./config');

// The app logs in once and loads /config (message templates, service phone, notices); pages wait on `ready`.
App({
  globalData: { templates: {}, config: null, draft: null },
  onLaunch() {
    this.api = createApi({ wx, baseUrl });
    this.ready = this.api.login()
      .then(() => this.api.get('/config'))
      .then((config) => {
        this.globalData.config = config;
        this.globalData.templates = config.templates || {};
        return config;
      })
      .catch(() => null);
  },
});
