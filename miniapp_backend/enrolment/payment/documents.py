"""What a receipt and a certificate say, and where their QR codes lead (the public verification page)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from miniapp_backend.enrolment import labels
from miniapp_backend.enrolment.payment import certificates, receipts
from miniapp_backend.models import Payment, Registration
from miniapp_backend.security.masking import mask_id_number

INSURANCE = '城乡居民基本医疗保险'


@dataclass(frozen=True)
class Document:
    """One page: a title, a lead sentence, labelled rows, who issued it, and where to verify it."""

    title: str
    lead: str
    rows: list[tuple[str, str]]
    issuer: str
    verify_url: str


def verify_url(token: str) -> str:
    """The HTML page the QR code opens (a bank or a school office reads it without an app)."""
    return f'{current_app.config["PUBLIC_BASE_URL"].rstrip("/")}/verify/{token}'


def receipt(payment: Payment) -> Document:
    registration = payment.registration
    zone = registration.zone
    return Document(
        title=f'{INSURANCE}缴费凭证',
        lead=f'缴费人已缴纳{zone.name}{registration.year}年度{INSURANCE}个人缴费，特此证明。',
        rows=[
            ('缴费人', registration.name),
            ('证件号码', mask_id_number(registration.id_number)),
            ('参保地', f'{zone.name}（{zone.code}）'),
            ('参保年度', f'{registration.year}年度'),
            ('险种', INSURANCE),
            ('金额（小写）', labels.yuan(payment.amount_fen)),
            ('金额（大写）', f'人民币{receipts.amount_in_words(payment.amount_fen)}'),
            ('缴费渠道', payment.channel.label),
            ('电子税票号码', payment.voucher_no or '（现金收据）'),
            ('缴费时间', labels.beijing(payment.paid_at, '%Y年%m月%d日 %H:%M:%S（北京时间）')),
            ('征收机关', zone.tax_authority_name or zone.agency_name),
        ],
        issuer=zone.tax_authority_name or zone.agency_name,
        verify_url=verify_url(receipts.token_for(payment)),
    )


def certificate(registration: Registration) -> Document:
    zone = registration.zone
    return Document(
        title='参保证明',
        lead=f'兹证明以下人员已参加{zone.name}{registration.year}年度{INSURANCE}（险种代码390），并已按规定缴费。',
        rows=[
            ('姓名', registration.name),
            ('证件号码', mask_id_number(registration.id_number)),
            ('参保地', f'{zone.name}（{zone.code}）'),
            ('参保期间', f'{registration.year}年1月1日至{registration.year}年12月31日'),
            ('参保身份', registration.identity.label),
            ('学校', registration.school.name if registration.school else ''),
            ('学院 / 班级', f'{registration.college or ""} {registration.class_name or ""}'.strip()),
            ('缴费金额', labels.yuan(registration.amount_due_fen)),
            ('缴费时间', labels.beijing(registration.paid_at, '%Y年%m月%d日')),
            ('经办机构', zone.agency_name),
        ],
        issuer=zone.agency_name,
        verify_url=verify_url(certificates.token_for(registration)),
    )


def receipt_pdf(payment: Payment) -> bytes:
    from miniapp_backend.enrolment.payment.pdf import render  # reportlab: loaded by the first document printed

    return render([receipt(payment)], '缴费凭证')


def certificates_pdf(registrations: list[Registration]) -> bytes:
    """One page per paid registration (a class printed in one go)."""
    from miniapp_backend.enrolment.payment.pdf import render  # reportlab: loaded by the first document printed

    return render([certificate(r) for r in registrations], '参保证明')
