// Pages only bind: the logic object is built on load from the page's factory and the app's API client; the
// message templates are read at tap time (they arrive from /config after launch).
function bindPage(factory, handlers) {
  return {
    data: { errors: {} },
    onRetry() { return this.logic.load ? this.logic.load(...(this.loadArgs || [])) : null; },
    onPullDownRefresh() { return Promise.resolve(this.onRetry()).then(() => wx.stopPullDownRefresh()); },
    ...handlers,
    onLoad(query) {
      const app = getApp();
      this.logic = factory({
        wx,
        api: app.api,
        ready: app.ready || Promise.resolve(null),
        templates: () => app.globalData.templates || {},
        config: () => app.globalData.config || {},
        refreshConfig: () => app.api.get('/config').then((config) => {
          app.globalData.config = config;
          app.globalData.templates = config.templates || {};
          return config;
        }),
        shared: app.globalData,
        setData: (data) => this.setData(data),
      });
      // 重试 and pull-down refresh run the page's load again with what it was first given.
      const load = this.logic.load;
      if (load) this.logic.load = (...args) => { this.loadArgs = args; this.setData({ loadFailed: '' }); return load.apply(this.logic, args); };
      if (handlers.onLoad) handlers.onLoad.call(this, query || {});
    },
  };
}

module.exports = { bindPage };
