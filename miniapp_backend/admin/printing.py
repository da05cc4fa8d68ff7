"""Printing from the admin page: a record's certificate, a class's certificates, a payment's e-receipt."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from miniapp_backend.admin import bp
from miniapp_backend.admin.review import scoped_registration
from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.payment import documents
from miniapp_backend.enrolment.registration.review import actor_of
from miniapp_backend.enrolment.scope import scoped_registrations
from miniapp_backend.extensions import db
from miniapp_backend.inputs import load_form
from miniapp_backend.models import Payment, Registration, School
from miniapp_backend.models.enums import RegistrationStatus
from schemas.admin import ClassFilter

#: A class is at most a few hundred students; a larger request is narrowed first.
BATCH_LIMIT = 500


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype='application/pdf',
        headers={'Content-Disposition': f'inline; filename="{name}.pdf"', 'Cache-Control': 'no-store'},
    )


@bp.get('/registrations/<int:registration_id>/certificate.pdf')
def certificate_pdf(registration_id):
    registration = scoped_registration(registration_id)
    if registration.status is not RegistrationStatus.PAID:
        flash('缴费成功后才能打印参保证明', 'error')
        return redirect(url_for('admin.record', registration_id=registration_id))
    audit.record(
        actor_of(g.reviewer), 'print_certificate', zone_id=registration.zone_id, registration_id=registration.id
    )
    return _pdf(documents.certificates_pdf([registration]), f'certificate-{registration.id}')


@bp.get('/certificates.pdf')
def certificates_batch():
    """All paid registrations of a class (or college) in my scope, one certificate per page."""
    filters, invalid = load_form(ClassFilter(), request.args)
    if invalid:
        abort(400, description='；'.join(invalid.values()))
    college, class_name = filters['college'], filters['class_name']
    if not class_name and not college:
        flash('请先选择要打印参保证明的学院或班级（在参保进度或记录页点击“打印全班参保证明”）', 'error')
        return redirect(url_for('admin.progress_page'))
    query = scoped_registrations(g.reviewer).where(Registration.status == RegistrationStatus.PAID)
    if filters['school']:  # two schools may have a class of the same name
        query = query.where(Registration.school.has(School.code == filters['school']))
    if college:
        query = query.where(Registration.college == college)
    if class_name:
        query = query.where(Registration.class_name == class_name)
    rows = db.session.scalars(query.order_by(Registration.student_no, Registration.id).limit(BATCH_LIMIT + 1)).all()
    if not rows:
        abort(404, description='该范围内没有缴费成功的参保人员')
    if len(rows) > BATCH_LIMIT:
        abort(400, description=f'一次最多打印{BATCH_LIMIT}份，请按班级打印')
    audit.record(
        actor_of(g.reviewer),
        'print_certificate',
        zone_id=g.reviewer.zone_id,
        count=len(rows),
        college=college,
        class_name=class_name,
    )
    return _pdf(documents.certificates_pdf(rows), 'certificates')


def _payment(payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        abort(404)
    scoped_registration(payment.registration_id)
    return payment


@bp.get('/payments/<int:payment_id>/receipt')
def receipt(payment_id):
    """The e-receipt as a page (print from the browser), the same content as the PDF."""
    payment = _payment(payment_id)
    proof = documents.receipt(payment)
    return render_template('admin/receipt.html', proof=proof, payment=payment)


@bp.get('/payments/<int:payment_id>/receipt.pdf')
def receipt_pdf(payment_id):
    payment = _payment(payment_id)
    audit.record(
        actor_of(g.reviewer),
        'print_receipt',
        zone_id=g.reviewer.zone_id,
        registration_id=payment.registration_id,
        payment_id=payment.id,
    )
    return _pdf(documents.receipt_pdf(payment), f'receipt-{payment.id}')
