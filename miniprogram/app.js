const { createApi } = require('./lib/api');
const { baseUrl } = require('./config');

App({
  globalData: { templates: {} },
  onLaunch() {
    this.api = createApi({ wx, baseUrl });
    this.api.login()
      .then(() => this.api.get('/config'))
      .then((config) => { this.globalData.templates = config.templates; this.globalData.config = config; })
      .catch(() => {});
  },
});
