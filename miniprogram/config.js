// The one place the backend's address is set (DevTools against `make run` by default).
module.exports = {
  baseUrl: 'http://127.0.0.1:5000/api/v1',
};
