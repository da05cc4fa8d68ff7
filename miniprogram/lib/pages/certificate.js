'use strict';
const { showError } = require('./show');

// The certificate opens in a web-view from a signed, short-lived link (a web-view sends no bearer token).
function createCertificateLogic({ wx, api, ready, setData }) {
  return {
    async load(id) {
      await ready;
      try {
        const link = await api.get(`/registrations/${id}/certificate-link`);
        setData({ url: link.url });
        return link.url;
      } catch (error) { showError(wx, error); return null; }
    },
  };
}

module.exports = { createCertificateLogic };
