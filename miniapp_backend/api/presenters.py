"""Models as the JSON the mini-program reads, with personal data masked."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models.enums import RegistrationStatus
from miniapp_backend.models import AuditEvent, Document, Registration, Student, Suspension, Zone
from miniapp_backend.security.masking import mask_address, mask_bank_account, mask_id_number, mask_name, mask_phone


def zone(zone: Zone) -> dict[str, Any]:
    return {'code': zone.code, 'name': zone.name, 'year': zone.year, 'premium_fen': zone.premium_fen,
            'window_opens_at': zone.window_opens_at, 'window_closes_at': zone.window_closes_at,
            'payment_channels': ['tax'] + (['family'] if zone.family_channel else []),
            'agency_name': zone.agency_name, 'tax_authority_name': zone.tax_authority_name,
            'service_phone': zone.service_phone}


def student(student: Student) -> dict[str, Any]:
    return {'id': student.id, 'phone': mask_phone(student.phone), 'zone_code': student.zone.code if student.zone else None}


def registration(registration: Registration) -> dict[str, Any]:
    history = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.registration_id == registration.id, AuditEvent.action == 'transition').order_by(AuditEvent.id))
    photo = db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(
        Document.registration_id == registration.id, Document.kind == 'id_photo'))
    bank = None
    if registration.bank_account_no:
        bank = {'bank_name': registration.bank_name, 'account_name': mask_name(registration.bank_account_name),
                'account_no': mask_bank_account(registration.bank_account_no)}
    return {
        'id': registration.id, 'status': str(registration.status),
        'status_label': RegistrationStatus(registration.status).label,
        'stage': registration.stage, 'review_reason': registration.review_reason, 'renewal': registration.renewal,
        'zone_code': registration.zone.code, 'year': registration.year, 'name': registration.name,
        'id_type': str(registration.id_type), 'id_number': mask_id_number(registration.id_number),
        'birth_date': registration.birth_date, 'sex': registration.sex, 'ethnicity': registration.ethnicity,
        'marital_status': _text(registration.marital_status),
        'phone': mask_phone(registration.phone), 'residence_address': mask_address(registration.residence_address),
        'hukou_address': mask_address(registration.hukou_address), 'hukou_region_code': registration.hukou_region_code,
        'school_code': registration.school.code if registration.school else None,
        'student_no': registration.student_no, 'college': registration.college, 'class_name': registration.class_name,
        'identity': str(registration.identity),
        'special_identity': _text(registration.special_identity),
        'bank': bank, 'amount_due_fen': registration.amount_due_fen,
        'letter_required': registration.letter_required, 'letter_signed': registration.letter is not None,
        'photo_uploaded': bool(photo),
        'history': [{'from_status': e.from_status, 'to_status': e.to_status, 'at': e.at, 'reason': e.reason}
                    for e in history],
    }


def registration_summary(registration: Registration | None) -> dict[str, Any] | None:
    if registration is None:
        return None
    return {'id': registration.id, 'status': str(registration.status), 'stage': registration.stage,
            'review_reason': registration.review_reason, 'year': registration.year,
            'zone_code': registration.zone.code}


def suspension(suspension: Suspension | None) -> dict[str, Any] | None:
    if suspension is None:
        return None
    return {'id': suspension.id, 'status': str(suspension.status), 'message': suspension.message,
            'origin_zone_code': suspension.origin_zone_code, 'suspend_from': suspension.suspend_from,
            'created_at': suspension.created_at}


def _text(value) -> str | None:
    """An enum column's value, whether freshly assigned as a string or loaded as a member."""
    return None if value is None else str(value)
