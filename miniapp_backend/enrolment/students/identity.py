"""Proof that a WeChat user is the person behind an ID number (docs/IDENTITY.md).

Nothing acts on a person's existing records (suspension, renewal, taking over an imported registration) and
nothing shows their name, birth date or sex until the student has proved to be that person, strongest first:

1. WeChat face verification 2.0, where the zone has the capability (`Zone.face_verification`);
2. the person's own earlier reviewed registration, made by this same openid;
3. the WeChat-verified phone (getPhoneNumber) matching a phone verified the same way on an earlier reviewed
   registration of that person;
4. otherwise a request the centre reviews with the ID-card photo.

Names are compared through a keyed hash (the blind index with purpose 'name'), never in plain. Until proven, the
only answer is `needs_proof`, the same whoever the ID number belongs to. Every proof used is audited.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from miniapp_backend import wechat
from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.errors import EnrolmentError, field_error
from miniapp_backend.extensions import db
from miniapp_backend.models import IdentityProof, Registration, Student, Zone
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import ProofMethod, ProofStatus, RegistrationStatus as S
from miniapp_backend.security.blind_index import blind_index
from miniapp_backend.security.idnumbers import InvalidIdNumber, validate_id_number
from miniapp_backend.wechat import face

#: How long a face verification session (verify_id) may be used, as WeChat's getVerifyId grants it (expires_in).
FACE_SESSION_SECONDS = 3600
NEEDS_PROOF = '暂不能为您办理：不符合办理条件或需先核验本人身份（人脸核身，或上传证件照由医保中心审核）'
#: Statuses a registration reaches only through a reviewer (or a renewal of a reviewed one).
REVIEWED = (S.APPROVED, S.PAID, S.EXPIRED)


def name_index(name: str) -> str:
    return blind_index(name, purpose='name')


def needs_proof(zone: Zone | None) -> EnrolmentError:
    """The one answer before proof: no name, birth date, sex or enrolment of the person in it."""
    methods = (['face'] if zone is not None and zone.face_verification else []) + ['phone', 'centre']
    return EnrolmentError('needs_proof', NEEDS_PROOF, status=403, details={'methods': methods})


def require(
    student: Student,
    id_number: str,
    name: str | None,
    *,
    action: str,
    zone: Zone | None,
    names_on_file: list[str] = (),
    proofs_only: bool = False,
) -> ProofMethod:
    """The way this student proved to be the person; raises needs_proof otherwise. The name given (and any name
    on file) must match the proof's by keyed hash. `proofs_only`: only a proof of this person (face or the
    centre's review) counts, not an earlier registration or a phone, which anyone could have filed unproven."""
    id_index = blind_index(id_number)
    wanted = {name_index(n) for n in [name, *names_on_file] if n}
    method = _proven(student, id_index, wanted, proofs_only=proofs_only)
    if method is None:
        reason = 'name_mismatch' if _proofs(student, id_index) else 'not_proven'
        refused(student, reason, zone_id=zone.id if zone else None, proof_action=action, id_index=id_index)
        raise needs_proof(zone)
    audit.record(
        Actor.student(student.id),
        'identity_proof',
        zone_id=zone.id if zone else None,
        method=method.value,
        proof_action=action,
        openid=student.openid,
    )
    return method


def refused(student: Student, reason: str, *, zone_id: int | None, **detail) -> None:
    """Audit a refused proof attempt: the request is rolled back (nothing changes) and the attempt alone is
    committed. `reason`: not_proven; name_mismatch (a proof for the ID under another name); verify_id_foreign
    (another student's face session, or none at all); verify_id_used."""
    audit.record_refusal(
        Actor.student(student.id),
        'identity_proof_refused',
        zone_id=zone_id,
        refusal=reason,
        openid=student.openid,
        **detail,
    )


def proven(student: Student, id_index: str) -> bool:
    """Whether the student ever proved to be this person (any name), or had a reviewed registration of them."""
    return _proven(student, id_index, set()) is not None


def _proofs(student: Student, id_index: str) -> list[IdentityProof]:
    """This student's passed proofs for the ID, newest first."""
    return db.session.scalars(
        sa.select(IdentityProof)
        .where(
            IdentityProof.student_id == student.id,
            IdentityProof.id_index == id_index,
            IdentityProof.status == ProofStatus.PASSED,
        )
        .order_by(IdentityProof.id.desc())
    ).all()


def latest_request(student: Student) -> IdentityProof | None:
    """The student's newest request to the centre (the home page shows while it waits and how it was decided)."""
    return db.session.scalars(
        sa.select(IdentityProof)
        .where(IdentityProof.student_id == student.id, IdentityProof.method == ProofMethod.CENTRE)
        .order_by(IdentityProof.id.desc())
        .limit(1)
    ).first()


def _proven(student: Student, id_index: str, names: set[str], *, proofs_only: bool = False) -> ProofMethod | None:
    for proof in _proofs(student, id_index):
        if names <= {proof.name_index}:
            return proof.method
    if proofs_only:
        return None
    reviewed = db.session.scalars(
        sa.select(Registration).where(Registration.id_index == id_index, Registration.status.in_(REVIEWED))
    ).all()
    if any(r.student_id == student.id and names <= {name_index(r.name)} for r in reviewed):
        return ProofMethod.EARLIER_REGISTRATION
    if student.phone and any(_verified_phone(r) == student.phone and names <= {name_index(r.name)} for r in reviewed):
        return ProofMethod.PHONE
    return None


def _verified_phone(registration: Registration) -> str | None:
    """The registration's phone when its own student had verified that very number with WeChat."""
    owner = registration.student
    return registration.phone if owner is not None and owner.phone and owner.phone == registration.phone else None


def _person(data: dict) -> tuple[str, str]:
    try:
        info = validate_id_number(data.get('id_type') or 'resident_id', data['id_number'])
    except InvalidIdNumber as exc:
        raise field_error('id_number', exc.message, 'invalid_id_number') from None
    return info.number, data['name'].strip()


def _new_proof(
    student: Student, zone_id: int | None, method: ProofMethod, number: str, name: str, **evidence: Any
) -> IdentityProof:
    """A pending proof that this student is the person with this ID number and name (keyed hashes beside them)."""
    proof = IdentityProof(
        student=student,
        zone_id=zone_id,
        method=method,
        id_index=blind_index(number),
        name_index=name_index(name),
        id_number=number,
        name=name,
        **evidence,
    )
    db.session.add(proof)
    return proof


def start_face(student: Student, data: dict) -> IdentityProof:
    """Step 1: a WeChat verification session bound to this student's openid, for the name and ID given."""
    zone = student.zone
    if zone is None or not zone.face_verification:
        raise EnrolmentError('face_unavailable', '本专区暂未开通人脸核身，请上传证件照由医保中心审核', status=409)
    number, name = _person(data)
    out_seq_no = secrets.token_hex(16)
    try:
        verify_id = face.get_verify_id(out_seq_no, face.CertInfo(name, number), student.openid)
    except wechat.WeChatError:
        raise EnrolmentError('wechat_unavailable', '微信人脸核身服务暂时不可用，请稍后再试', status=503) from None
    proof = _new_proof(student, zone.id, ProofMethod.FACE, number, name, verify_id=verify_id, out_seq_no=out_seq_no)
    audit.record(
        Actor.student(student.id),
        'identity_face_started',
        zone_id=zone.id,
        out_seq_no=out_seq_no,
        openid=student.openid,
    )
    return proof


def finish_face(student: Student, verify_id: str, now: datetime | None = None) -> IdentityProof:
    """Step 3, after wx.requestFacialVerify: ask WeChat; passed only on verify_ret 10000. A verify_id is this
    student's own and is queried once."""
    proof = db.session.scalars(
        sa.select(IdentityProof)
        .where(IdentityProof.verify_id == verify_id, IdentityProof.method == ProofMethod.FACE)
        .with_for_update()
    ).first()
    if proof is None or proof.student_id != student.id:
        # Someone else's session looks exactly like none at all.
        refused(student, 'verify_id_foreign', zone_id=student.zone_id, proof_id=proof.id if proof else None)
        raise EnrolmentError('not_found', '核身记录不存在', status=404)
    if proof.status is not ProofStatus.PENDING:
        refused(student, 'verify_id_used', zone_id=proof.zone_id, proof_id=proof.id, out_seq_no=proof.out_seq_no)
        raise EnrolmentError('verify_id_used', '该人脸核身已使用，请重新发起', status=409)
    try:
        verify_ret = face.query_verify_info(
            verify_id, proof.out_seq_no, face.CertInfo(proof.name, proof.id_number), student.openid
        )
    except wechat.WeChatUnavailable:
        raise EnrolmentError('wechat_unavailable', '微信人脸核身服务暂时不可用，请稍后再试', status=503) from None
    except wechat.WeChatError:
        verify_ret = None
    proof.verify_ret = verify_ret
    proof.status = ProofStatus.PASSED if verify_ret == face.PASSED else ProofStatus.FAILED
    proof.decided_at = now or utcnow()
    audit.record(
        Actor.student(student.id),
        f'identity_face_{proof.status.value}',
        zone_id=proof.zone_id,
        out_seq_no=proof.out_seq_no,
        verify_ret=verify_ret,
        openid=student.openid,
    )
    return proof


def request_review(student: Student, data: dict, photo: bytes) -> IdentityProof:
    """Step 4: the centre compares the uploaded ID-card photo with the name and ID given."""
    from miniapp_backend.enrolment.registration.id_photo import reencode_photo

    number, name = _person(data)
    if _pending_review(student, blind_index(number)):
        raise _review_pending()
    image, content_type = reencode_photo(photo)
    try:
        # The unique index uq_identity_proofs_pending_review decides between two requests sent at once.
        with db.session.begin_nested():
            proof = _new_proof(
                student, student.zone_id, ProofMethod.CENTRE, number, name, photo=image, photo_type=content_type
            )
    except sa.exc.IntegrityError:
        raise _review_pending() from None
    audit.record(
        Actor.student(student.id),
        'identity_review_requested',
        zone_id=student.zone_id,
        proof_id=proof.id,
        openid=student.openid,
    )
    return proof


def _pending_review(student: Student, id_index: str) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.literal(True)).where(
                IdentityProof.student_id == student.id,
                IdentityProof.id_index == id_index,
                IdentityProof.method == ProofMethod.CENTRE,
                IdentityProof.status == ProofStatus.PENDING,
            )
        )
        is not None
    )


def _review_pending() -> EnrolmentError:
    return EnrolmentError('review_pending', '您已提交该证件的照片，正在等待医保中心审核，请勿重复提交')


def decide_review(
    proof: IdentityProof, actor: Actor, passed: bool, reason: str | None, now: datetime | None = None
) -> IdentityProof:
    """A centre reviewer's decision on a request; decided once."""
    db.session.refresh(proof, with_for_update=True)
    if proof.method is not ProofMethod.CENTRE or proof.status is not ProofStatus.PENDING:
        raise EnrolmentError('invalid_state', '该核验申请已处理', status=409)
    proof.status = ProofStatus.PASSED if passed else ProofStatus.FAILED
    proof.reviewed_by_id, proof.review_reason, proof.decided_at = actor.id, reason, now or utcnow()
    audit.record(
        actor, f'identity_review_{proof.status.value}', zone_id=proof.zone_id, proof_id=proof.id, reason=reason
    )
    return proof


def name_on_file(proof: IdentityProof) -> str:
    """'match', 'mismatch' or 'none': the name given against every name on file for that ID (keyed hashes)."""
    from miniapp_backend.models import InsuredPerson

    names = [
        *db.session.scalars(sa.select(InsuredPerson.name).where(InsuredPerson.id_index == proof.id_index)),
        *db.session.scalars(sa.select(Registration.name).where(Registration.id_index == proof.id_index)),
    ]
    if not names:
        return 'none'
    return 'match' if all(name_index(n) == proof.name_index for n in names) else 'mismatch'
