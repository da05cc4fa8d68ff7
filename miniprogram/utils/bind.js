// Pages only bind: the logic object is built on load from the page's factory, the app's API client and templates.
function bindPage(factory, handlers) {
  return {
    data: { errors: {} },
    ...handlers,
    onLoad(query) {
      const app = getApp();
      this.logic = factory({ wx, api: app.api, templates: app.globalData.templates,
        setData: (data) => this.setData(data) });
      if (handlers.onLoad) handlers.onLoad.call(this, query || {});
    },
  };
}

module.exports = { bindPage };
