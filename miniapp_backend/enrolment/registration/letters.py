"""The commitment letter (承诺书) of subsidised students: rendered for them, signed by drawing, sealed."""

from __future__ import annotations

import io
from datetime import datetime

from flask import current_app
from PIL import Image, ImageChops, UnidentifiedImageError

from miniapp_backend.enrolment.errors import EnrolmentError, field_error
from miniapp_backend.enrolment.registration.filing import EDITABLE
from miniapp_backend.extensions import db
from miniapp_backend.models import CommitmentLetter, Registration
from miniapp_backend.models.base import utcnow

#: Seed 003's wording (云南省属在昆高校大学生参保承诺书); a zone may set its own in `letter_template`.
DEFAULT_TEMPLATE = (
    '承诺书\n\n'
    '本人{name}，身份证号{id_number}，在{school}就学，属于参保资助对象（{identity}），为避免重复参保缴费，现做如下承诺：\n\n'
    '一、我申请在{zone}参加{year}年度城乡居民基本医疗保险（大学生），按{zone}政策缴纳医保费并享受相应医保待遇。\n\n'
    '二、我承诺自愿放弃享受参保资助对象参保政策，不在身份认定地参保。\n\n'
    '三、本人自愿承担因此产生的一切责任与后果。\n\n'
    '承诺人（签字）：\n\n{date}'
)
SIGNATURE_WIDTH = (100, 2000)
SIGNATURE_HEIGHT = (50, 1000)


def render(registration: Registration, today: datetime | None = None) -> str:
    """The letter text with this student's name, ID number, school and zone."""
    today = today or utcnow()
    special = registration.special_identity
    return (registration.zone.letter_template or DEFAULT_TEMPLATE).format(
        name=registration.name,
        id_number=registration.id_number,
        school=registration.school.name if registration.school else '',
        zone=registration.zone.name,
        year=registration.year,
        identity=special.label if special else '',
        date=f'{today:%Y年%m月%d日}',
    )


def sign(registration: Registration, signature_png: bytes, now: datetime | None = None) -> CommitmentLetter:
    """Seal the rendered text together with the drawn signature (SHA-256 + Ed25519) and keep both."""
    if not registration.letter_required:
        # The special identity decides it: the field the student would change to need a letter.
        raise field_error('special_identity', '非资助参保对象无需签署承诺书', code='letter_not_required')
    if registration.status not in EDITABLE:
        raise EnrolmentError('invalid_state', f'登记状态为「{registration.status.label}」，不能重新签署')
    signature_png = check_signature(signature_png)
    now = now or utcnow()
    text = render(registration, now)
    seal = current_app.extensions['sealer'].seal(sealed_payload(text, signature_png))
    letter = registration.letter or CommitmentLetter(registration=registration)
    letter.text, letter.signature_png, letter.sealed_at = text, signature_png, now
    letter.sha256, letter.seal_signature, letter.seal_key = seal.sha256, seal.signature, seal.key_fingerprint
    db.session.add(letter)
    db.session.flush()
    return letter


def printed(registration: Registration) -> tuple:
    """The registration's fields the letter prints: any change to them voids the sealed letter."""
    return (
        registration.name,
        registration.id_number,
        registration.school_id,
        registration.special_identity,
        registration.zone_id,
        registration.year,
    )


def void_if_changed(registration: Registration, before: tuple) -> bool:
    """Drop the sealed letter when a field it prints changed: the student signs the new text before resubmitting."""
    letter = registration.letter
    if letter is None or printed(registration) == before:
        return False
    from miniapp_backend.enrolment import audit
    from miniapp_backend.enrolment.actors import Actor

    db.session.delete(letter)
    registration.letter = None
    audit.record(
        Actor.student(registration.student_id) if registration.student_id else Actor.system(),
        'letter_voided',
        zone_id=registration.zone_id,
        registration_id=registration.id,
        sha256=letter.sha256,
    )
    return True


def follows_data(registration: Registration) -> bool:
    """Does the sealed text say what the registration says now (same render on the day it was sealed)?"""
    letter = registration.letter
    return letter is not None and letter.text == render(registration, letter.sealed_at)


def verify(letter: CommitmentLetter) -> bool:
    """Is the kept letter and signature exactly what was sealed?"""
    return current_app.extensions['sealer'].verify(
        sealed_payload(letter.text, letter.signature_png), letter.seal_signature
    )


def sealed_payload(text: str, signature_png: bytes) -> bytes:
    return text.encode() + b'\x00' + signature_png


def check_signature(data: bytes) -> bytes:
    """A PNG of signature size with something drawn on it, re-encoded: nothing but its pixels is kept."""
    invalid = field_error('file', '签名图片无效，请重新签名', 'invalid_signature')
    if not data.startswith(b'\x89PNG\r\n\x1a\n'):
        raise invalid
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if not (
                SIGNATURE_WIDTH[0] <= width <= SIGNATURE_WIDTH[1]
                and SIGNATURE_HEIGHT[0] <= height <= SIGNATURE_HEIGHT[1]
            ):
                raise invalid
            image.load()
            grey = image.convert('LA')
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        # ValueError: a text or colour-profile chunk that decompresses past Pillow's cap (a small file).
        raise invalid from None
    # Ink: pixels that are visible and clearly darker than paper.
    luminance, alpha = grey.split()
    dark = luminance.point(lambda value: 255 if value < 160 else 0)
    visible = alpha.point(lambda value: 255 if value > 64 else 0)
    ink = ImageChops.multiply(dark, visible).histogram()[255]
    if ink < 30:
        raise field_error('file', '未检测到签名笔迹，请重新签名', 'invalid_signature')
    out = io.BytesIO()
    grey.save(out, 'PNG', optimize=True)
    return out.getvalue()
