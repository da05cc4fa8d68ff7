"""Reviewing: the queue, a record with its decisions, batch decisions, the photo and the signature."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from miniapp_backend.admin import bp
from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.registration import letters
from miniapp_backend.enrolment.registration.review import (
    DECISIONS,
    actor_of,
    decide,
    decide_batch,
)
from miniapp_backend.enrolment.registration.states import (
    TransitionRefused,
    allowed_actions,
)
from miniapp_backend.enrolment.reports.export import registrations_workbook
from miniapp_backend.enrolment.scope import review_queue, scoped_registrations
from miniapp_backend.extensions import db
from miniapp_backend.inputs import load_form
from miniapp_backend.models import Document, Registration, SubsidisedPerson
from miniapp_backend.models.enums import RegistrationStatus
from miniapp_backend.security.blind_index import blind_index
from schemas.admin import BatchForm, DecisionForm, QueueFilter

PAGE_SIZE = 50


@bp.get('/')
def queue():
    """The review queue for my stage, searchable by name, student number or ID number."""
    show_all = request.args.get('all') == '1'
    query = scoped_registrations(g.reviewer) if show_all else review_queue(g.reviewer)
    filters, invalid = load_form(QueueFilter(), request.args)
    if invalid:
        abort(400, description='筛选条件不正确：' + '；'.join(invalid.values()))
    term = filters['q']
    if term:
        query = query.where(sa.or_(Registration.name.contains(term), Registration.student_no == term,
                                   Registration.id_index == blind_index(term)))
    school = filters['school']
    if school:
        query = query.where(Registration.school.has(code=school))
    college = filters['college']
    if college:
        query = query.where(Registration.college == college)
    status = filters['status']
    if status in RegistrationStatus.__members__.values():
        query = query.where(Registration.status == status)
    if request.args.get('format') == 'xlsx':
        return _export(query)
    page = filters['page']
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Registration.submitted_at, Registration.id)
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template('admin/queue.html', rows=rows, total=total, page=page, page_size=PAGE_SIZE, term=term,
                           show_all=show_all, status=status, statuses=RegistrationStatus)


def _export(query) -> Response:
    from miniapp_backend.admin.reports import XLSX

    return Response(registrations_workbook(query), mimetype=XLSX,
                    headers={'Content-Disposition': 'attachment; filename="registrations.xlsx"'})


def scoped_registration(registration_id: int) -> Registration:
    registration = db.session.scalars(scoped_registrations(g.reviewer).where(
        Registration.id == registration_id)).first()
    if registration is None:
        abort(404)
    return registration


@bp.get('/registrations/<int:registration_id>')
def record(registration_id):
    """A record with every field decrypted; opening it is written to the audit log."""
    registration = scoped_registration(registration_id)
    audit.record(actor_of(g.reviewer), 'open_record', zone_id=registration.zone_id, registration_id=registration.id)
    photo = db.session.scalars(sa.select(Document.id).where(Document.registration_id == registration.id)).first()
    seal_ok = letters.verify(registration.letter) if registration.letter else None
    actions = [action.value for action in allowed_actions(registration, actor_of(g.reviewer))]
    subsidised = db.session.scalars(sa.select(SubsidisedPerson).where(
        SubsidisedPerson.id_index == registration.id_index, SubsidisedPerson.zone_id == registration.zone_id,
        SubsidisedPerson.year == registration.year)).first()
    return render_template('admin/record.html', r=registration, photo=photo, seal_ok=seal_ok, actions=actions,
                           history=registration_history(registration), subsidised=subsidised)


def registration_history(registration: Registration):
    from miniapp_backend.models import AuditEvent

    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.registration_id == registration.id)
                              .order_by(AuditEvent.id)).all()


@bp.get('/registrations/<int:registration_id>/photo')
def photo(registration_id):
    registration = scoped_registration(registration_id)
    document = db.session.scalars(sa.select(Document).where(Document.registration_id == registration.id)).first()
    if document is None:
        abort(404)
    return Response(document.data, mimetype=document.content_type, headers={'Cache-Control': 'no-store'})


@bp.get('/registrations/<int:registration_id>/signature')
def signature(registration_id):
    registration = scoped_registration(registration_id)
    if registration.letter is None:
        abort(404)
    return Response(registration.letter.signature_png, mimetype='image/png', headers={'Cache-Control': 'no-store'})


@bp.post('/registrations/<int:registration_id>/decision')
def decision(registration_id):
    """通过 / 退回 / 不予通过, through the state machine and the outbox."""
    registration = scoped_registration(registration_id)
    form, invalid = load_form(DecisionForm(), request.form)
    if invalid or form['decision'] not in DECISIONS:
        abort(400, description='；'.join(invalid.values()) or '未知的审核操作')
    choice = form['decision']
    try:
        decide(g.reviewer, registration, choice, form['reason'])
        flash({'approve': '已通过', 'return': '已退回', 'reject': '已不予通过'}[choice], 'ok')
    except TransitionRefused as refused:  # refused before anything changed
        flash(refused.message, 'error')
    return redirect(url_for('admin.record', registration_id=registration_id))


@bp.post('/batch')
def batch():
    """Batch approve or return the selected rows."""
    form, invalid = load_form(BatchForm(), request.form)
    if invalid:
        abort(400, description='；'.join(invalid.values()))
    choice = form['decision']
    rows = db.session.scalars(scoped_registrations(g.reviewer).where(Registration.id.in_(form['ids']))
                              .order_by(Registration.id)).all()
    outcomes = decide_batch(g.reviewer, rows, choice, form['reason'])
    done = sum(outcome.ok for outcome in outcomes)
    flash(f'批量处理完成：成功{done}条，失败{len(outcomes) - done}条', 'ok' if done == len(outcomes) else 'error')
    for outcome in outcomes:
        if not outcome.ok:
            flash(f'登记{outcome.registration_id}：{outcome.message}', 'error')
    return redirect(url_for('admin.queue'))
