'use strict';
// The identity proof an act may need (docs/IDENTITY.md): an act answered `403 needs_proof` opens 本人身份核验 with
// the person the student typed; when the proof passes the act is done again. The pending act is kept in storage
// too, so after the centre's review (hours later, the app closed) home can offer to go on.

const KEY = 'proof';
const ACT_LABELS = { suspension: '停保申请', renewal: '续保缴费', claim: '参保登记' };

function needsProof(error) { return Boolean(error) && error.status === 403 && error.code === 'needs_proof'; }

// act: suspension | renewal | claim; person: {id_type, id_number, name}; resume: the page (and query) of the act;
// form: what that page needs to show the act again.
function startProof(wx, shared, error, { act, person, resume, form }) {
  const methods = (error.details && error.details.methods) || ['centre'];
  const proof = { act, person, methods, resume, form: form || {}, status: 'started' };
  shared.proof = proof;
  wx.setStorageSync(KEY, proof);
  wx.navigateTo({ url: '/pages/identity/identity' });
  return proof;
}

function current(wx, shared) {
  if (!shared.proof) shared.proof = wx.getStorageSync(KEY) || null;
  return shared.proof;
}

function save(wx, shared, proof) {
  shared.proof = proof;
  wx.setStorageSync(KEY, proof);
}

// The act's page asks on show: has the proof for `act` just passed? Then it is taken (done once) and returned.
function takePassed(wx, shared, act) {
  const proof = current(wx, shared);
  if (!proof || proof.act !== act || proof.status !== 'passed') return null;
  clear(wx, shared);
  return proof;
}

// Done with the proof (of `act` only, when given: another act's pending proof stays).
function clear(wx, shared, act) {
  const proof = current(wx, shared);
  if (act && (!proof || proof.act !== act)) return;
  shared.proof = null;
  wx.removeStorageSync(KEY);
}

module.exports = { needsProof, startProof, current, save, takePassed, clear, ACT_LABELS };
