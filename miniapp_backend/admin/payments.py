"""Payments: status and channel per registration, cash entry (one record or a batch), export."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request, url_for

from miniapp_backend.admin import bp, filter_summary, list_filters
from miniapp_backend.admin.exports import export_response
from miniapp_backend.admin.review import back_to_record, scoped_registration
from miniapp_backend.enrolment.payment.record import Outcome, record_payment
from miniapp_backend.enrolment.registration.review import actor_of
from miniapp_backend.enrolment.reports import lists, paging
from miniapp_backend.enrolment.scope import scoped_registrations
from miniapp_backend.extensions import db
from miniapp_backend.inputs import load_form, yuan_to_fen
from miniapp_backend.models import Registration
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import (
    PaymentChannel,
    PaymentSource,
    RegistrationStatus,
)
from miniapp_backend.security.masking import mask_id_number
from schemas.admin import CashBatchForm, CashForm, PaymentsFilter


@bp.get('/payments')
def payments():
    """Approved, paid and expired registrations of my scope, with amount, channel and any flag; searched by name,
    student number or ID number and filtered by status."""
    filters = list_filters(PaymentsFilter())
    if request.args.get('format') == 'xlsx':
        return export_response('payments', filters)
    query = lists.payments(g.reviewer, filters)
    page = paging.newest_first(query, (Registration.id,), filters['after'])
    status = filters['status'] if filters['status'] in lists.PAYABLE else ''
    return render_template(
        'admin/payments.html',
        rows=page.rows,
        after=page.after,
        count=lists.payments_count(g.reviewer, filters),
        summary=filter_summary(
            ('姓名、学号或证件号码', filters['q']), ('状态', RegistrationStatus(status).label if status else '')
        ),
        mask=mask_id_number,
        q=filters['q'],
        status=status,
        statuses=lists.PAYABLE,
    )


@bp.post('/payments/cash')
def batch_cash():
    """Cash received for the selected registrations, each for exactly its amount due (seed 001's 现金缴费)."""
    form, invalid = load_form(CashBatchForm(), request.form)
    if invalid:
        flash('；'.join(invalid.values()), 'error')
        return redirect(url_for('admin.payments'))
    ids = form['ids']
    if not ids:
        flash('请先勾选要登记现金缴费的人员', 'error')
        return redirect(url_for('admin.payments'))
    rows = db.session.scalars(
        scoped_registrations(g.reviewer).where(Registration.id.in_(ids)).order_by(Registration.id)
    ).all()
    token = form['idempotency_key']
    paid = 0
    for registration in rows:
        with db.session.begin_nested():
            result = record_payment(
                registration,
                amount_fen=registration.amount_due_fen or 0,
                paid_at=utcnow(),
                voucher_no=None,
                channel=PaymentChannel.CASH,
                source=PaymentSource.CASH,
                actor=actor_of(g.reviewer),
                idempotency_key=f'{token}:{registration.id}' if token else None,
            )
        paid += result.outcome is Outcome.PAID
    flash(f'现金缴费登记：成功{paid}条，未处理{len(ids) - paid}条', 'ok' if paid == len(ids) else 'error')
    return redirect(url_for('admin.payments'))


@bp.post('/registrations/<int:registration_id>/cash')
def cash(registration_id):
    """Record a cash payment (现金缴费) with the same rules as the tax-bureau poll."""
    registration = scoped_registration(registration_id)
    form, invalid = load_form(CashForm(), request.form)
    if invalid:
        flash('；'.join(invalid.values()), 'error')
        return _back_with_typed(registration_id)
    try:
        with db.session.begin_nested():
            result = record_payment(
                registration,
                amount_fen=yuan_to_fen(form['amount']),
                paid_at=utcnow(),
                voucher_no=form['voucher_no'] or None,
                channel=PaymentChannel.CASH,
                source=PaymentSource.CASH,
                actor=actor_of(g.reviewer),
                idempotency_key=form['idempotency_key'],
            )
    except sa.exc.IntegrityError:
        # The receipt number was recorded on another registration at the same moment.
        flash('该收据号已登记过缴费', 'error')
        return _back_with_typed(registration_id)
    if result.outcome != 'paid':
        flash(result.message, 'error')
        return _back_with_typed(registration_id)
    flash('现金缴费已登记，参保成功', 'ok')
    return back_to_record(registration_id, acted=True)


def _back_with_typed(registration_id: int):
    """Back to the record with the amount and receipt number as typed (a refusal must not make them retyped)."""
    typed = {name: request.form.get(name, '')[:64] for name in ('amount', 'voucher_no')}
    return back_to_record(registration_id, acted=False, **typed)
