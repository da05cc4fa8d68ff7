"""The centre's review of identity requests: a student with no face verification sends the ID-card photo."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from miniapp_backend.admin import bp
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.registration.review import actor_of
from miniapp_backend.enrolment.scope import scope_of
from miniapp_backend.enrolment.students import identity
from miniapp_backend.extensions import db
from miniapp_backend.inputs import load_form
from miniapp_backend.models import IdentityProof
from miniapp_backend.models.enums import ProofMethod, ProofStatus
from miniapp_backend.security.masking import mask_id_number
from schemas.admin import IdentityDecisionForm


def _requests() -> sa.Select:
    """Requests of my zone; only zone-wide roles (the centre) decide who a person is."""
    if not scope_of(g.reviewer).zone_wide:
        abort(403)
    return sa.select(IdentityProof).where(
        IdentityProof.method == ProofMethod.CENTRE, IdentityProof.zone_id == g.reviewer.zone_id
    )


def _request(proof_id: int) -> IdentityProof:
    proof = db.session.scalars(_requests().where(IdentityProof.id == proof_id)).first()
    if proof is None:
        abort(404)
    return proof


@bp.get('/identity')
def identity_requests():
    """Pending requests, each with whether the name given matches the names on file for that ID number."""
    proofs = db.session.scalars(
        _requests().where(IdentityProof.status == ProofStatus.PENDING).order_by(IdentityProof.id).limit(200)
    ).all()
    return render_template(
        'admin/identity.html',
        proofs=proofs,
        mask=mask_id_number,
        on_file={p.id: identity.name_on_file(p) for p in proofs},
    )


@bp.get('/identity/<int:proof_id>/photo')
def identity_photo(proof_id):
    proof = _request(proof_id)
    if proof.photo is None:
        abort(404)
    return Response(proof.photo, mimetype=proof.photo_type or 'image/jpeg', headers={'Cache-Control': 'no-store'})


@bp.post('/identity/<int:proof_id>/decision')
def identity_decision(proof_id):
    """核验通过 / 核验不通过, once; audited."""
    proof = _request(proof_id)
    form, invalid = load_form(IdentityDecisionForm(), request.form)
    if invalid:
        abort(400, description='；'.join(invalid.values()))
    choice = form['decision']
    try:
        identity.decide_review(proof, actor_of(g.reviewer), choice == 'pass', form['reason'] or None)
    except EnrolmentError as error:  # decided by someone else first: nothing changed
        flash(error.message, 'error')
    else:
        flash('已核验通过' if choice == 'pass' else '已核验不通过', 'ok')
    return redirect(url_for('admin.identity_requests'))
