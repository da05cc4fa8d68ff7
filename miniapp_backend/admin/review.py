"""Reviewing: the queue, a record with its decisions, batch decisions, the photo and the signature."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, g, redirect, render_template, request, session, url_for

from miniapp_backend.admin import bp, list_filters
from miniapp_backend.admin.exports import export_response
from miniapp_backend.enrolment import audit, labels
from miniapp_backend.enrolment.actors import ROLE_STAGE
from miniapp_backend.enrolment.registration import letters, provenance, subsidised
from miniapp_backend.enrolment.registration.review import actor_of, decide, decide_batch
from miniapp_backend.enrolment.registration.states import (
    TransitionRefused,
    allowed_actions,
)
from miniapp_backend.enrolment.reports import lists, paging, statistics
from miniapp_backend.enrolment.roster import progress
from miniapp_backend.enrolment.scope import schools_in_scope, scoped_registrations
from miniapp_backend.extensions import db
from miniapp_backend.inputs import load_form
from miniapp_backend.models import Document, Payment, Registration
from miniapp_backend.models.enums import RegistrationStatus, ReviewerRole
from schemas.admin import BatchForm, DecisionForm, QueueFilter, QueueFrom

#: The session's note of the record the reviewer's last action sends them back to (see `back_to_record`).
ACTED_ON = 'acted_on'

#: The statuses the review queue shows.
QUEUE_STATUSES = (RegistrationStatus.SUBMITTED.value, RegistrationStatus.UNDER_REVIEW.value)


@bp.get('/')
def queue():
    """The review queue for my stage, searchable by name, student number or ID number."""
    show_all = request.args.get('all') == '1'
    filters = list_filters(QueueFilter())
    filters['all'] = show_all
    term, school, college = filters['q'], filters['school'], filters['college']
    status = filters['status'] if filters['status'] in RegistrationStatus.__members__.values() else None
    if request.args.get('format') == 'xlsx':
        return export_response('registrations', filters)
    query = lists.registrations(g.reviewer, filters)
    # Unfiltered totals come from the kept counts instead of counting the zone's rows (the queue's only for
    # zone admins: other roles see one review stage, which the counts do not keep).
    if not (term or school or college) and (show_all or g.reviewer.role is ReviewerRole.ZONE_ADMIN):
        statuses = QUEUE_STATUSES if not show_all else (status,) if status else ()
        if status and not show_all:
            statuses = tuple(s for s in QUEUE_STATUSES if s == status) or ('-',)
        total = statistics.total(g.reviewer, *statuses)
    else:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    # Newest first by id: the (zone_id, id) index, or for the queue its partial twin over the queue's statuses.
    page = paging.newest_first(query, (Registration.id,), filters['after'])
    return render_template(
        'admin/queue.html',
        rows=page.rows,
        total=total,
        after=page.after,
        term=term,
        show_all=show_all,
        status=status,
        statuses=RegistrationStatus,
        # A record opened from the queue carries its filter, so that 下一条 follows this list (not 全部登记's).
        queue_args={} if show_all else {k: v for k, v in (('q', term), ('school', school), ('college', college)) if v},
        schools=schools_in_scope(g.reviewer),
        # A role whose stage the zone's flow leaves out has no queue here, ever: the page says so instead of 没有记录.
        stage_left_out=ROLE_STAGE.get(g.reviewer.role) not in (None, *g.reviewer.zone.review_stages),
    )


def scoped_registration(registration_id: int) -> Registration:
    registration = db.session.scalars(
        scoped_registrations(g.reviewer).where(Registration.id == registration_id)
    ).first()
    if registration is None:
        abort(404)
    return registration


def queue_from() -> dict[str, str]:
    """The queue's filter a record page was opened with (q, school, college), validated; empty when there is none
    or it does not pass: the record still shows, and 下一条 follows the whole queue."""
    values, invalid = load_form(QueueFrom(), request.args)
    return {} if invalid else {key: value for key, value in values.items() if value}


def back_to_record(registration_id: int, *, acted: bool, **args: str):
    """Back to the record after the reviewer acted on it, with the queue's filter. An action that took effect (its
    own audit row written) is noted in the session, so the page it returns to is the same visit
    (audit.record_opening); the note is read once. A refused one changed nothing, so the page is a new look."""
    if acted:
        session[ACTED_ON] = registration_id
    else:
        session.pop(ACTED_ON, None)
    return redirect(url_for('admin.record', registration_id=registration_id, **queue_from(), **args))


@bp.get('/registrations/<int:registration_id>')
def record(registration_id):
    """A record with every field decrypted; each visit is written to the audit log, and the page offers the next
    record of the queue it was opened from (下一条)."""
    registration = scoped_registration(registration_id)
    returning = session.pop(ACTED_ON, None) == registration.id
    audit.record_opening(actor_of(g.reviewer), registration.zone_id, registration.id, after_own_action=returning)
    queue_args = queue_from()
    photo = db.session.scalars(sa.select(Document.id).where(Document.registration_id == registration.id)).first()
    # The seal must verify and the sealed text must still say what the registration says.
    seal_ok = (
        letters.verify(registration.letter) and letters.follows_data(registration) if registration.letter else None
    )
    actions = [action.value for action in allowed_actions(registration, actor_of(g.reviewer))]
    return render_template(
        'admin/record.html',
        r=registration,
        photo=photo,
        seal_ok=seal_ok,
        actions=actions,
        history=registration_history(registration),
        subsidised=subsidised.listed(registration),
        subsidised_mismatch=subsidised.mismatch(registration),
        payments=db.session.scalars(
            sa.select(Payment).where(Payment.registration_id == registration.id).order_by(Payment.paid_at)
        ).all(),
        queue_args=queue_args,
        more=lists.next_in_queue(g.reviewer, queue_args, registration.id) is not None,
        **origin_and_roster(registration),
    )


def origin_and_roster(registration: Registration) -> dict:
    """How the record was filed, the person's other registrations this year (linked where in my scope) and their
    line on the school roster: read again for every registration, so one filed after a refusal shows them too."""
    filed, others = provenance.filings(registration)
    mine = scoped_registrations(g.reviewer).where(Registration.id.in_([o.registration_id for o in others]))
    return {
        'filed': filed,
        'others': others,
        'others_in_scope': set(db.session.scalars(mine.with_only_columns(Registration.id))),
        'roster': progress.entry_of(registration),
        'roster_kept': progress.kept(registration.zone_id, registration.year),
    }


@bp.get('/registrations/<int:registration_id>/next')
def next_record(registration_id):
    """下一条: the record after this one in the reviewer's queue as filtered, chosen now (a record another reviewer
    decided since the page was drawn has left the queue); at the end, 队列已处理完 with the way back to the queue.
    A record outside my scope does not exist for me here either (404, DESIGN §5.2)."""
    registration = scoped_registration(registration_id)
    queue_args = queue_from()
    following = lists.next_in_queue(g.reviewer, queue_args, registration.id)
    if following is None:
        return render_template('admin/queue_done.html', queue_args=queue_args)
    return redirect(url_for('admin.record', registration_id=following, **queue_args))


def registration_history(registration: Registration) -> list[str]:
    """The record's audit trail as sentences (某某于 11-24 09:12 提交了参保登记)."""
    from miniapp_backend.models import AuditEvent

    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.registration_id == registration.id).order_by(AuditEvent.id)
    ).all()
    return labels.history(events, registration.zone, registration.name)


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


def _done(registration: Registration, choice: str) -> str:
    """What the decision did, as the reviewer should read it: an approval that only moved the record on names where."""
    if choice == 'approve' and registration.status is RegistrationStatus.UNDER_REVIEW:
        return f'本环节已通过，转{labels.stage_name(registration.zone, registration.stage)}'
    return {'approve': '已通过，待学生缴费', 'return': '已退回', 'reject': '已不予通过', 'revoke': '已撤销'}[choice]


@bp.post('/registrations/<int:registration_id>/decision')
def decision(registration_id):
    """通过 / 退回 / 不予通过, through the state machine and the outbox."""
    registration = scoped_registration(registration_id)
    form, invalid = load_form(DecisionForm(), request.form)
    if invalid:
        abort(400, description='；'.join(invalid.values()))
    choice = form['decision']
    try:
        decide(g.reviewer, registration, choice, form['reason'], seen=form['seen'])
    except TransitionRefused as refused:  # refused before anything changed
        flash(refused.message, 'error')
        return back_to_record(registration_id, acted=False)
    flash(_done(registration, choice), 'ok')
    return back_to_record(registration_id, acted=True)


@bp.post('/batch')
def batch():
    """Batch approve or return the selected rows."""
    form, invalid = load_form(BatchForm(), request.form)
    if invalid:
        abort(400, description='；'.join(invalid.values()))
    choice = form['decision']
    back = redirect(form.get('next') or url_for('admin.queue'))  # the list as it was filtered
    rows = db.session.scalars(
        scoped_registrations(g.reviewer).where(Registration.id.in_(form['ids'])).order_by(Registration.id)
    ).all()
    if not rows:
        flash('请先勾选要处理的登记', 'error')
        return back
    try:
        outcomes = decide_batch(g.reviewer, rows, choice, form['reason'], seen=form['seen'])
    except TransitionRefused as refused:  # refused as a whole, before any row
        flash(refused.message, 'error')
        return back
    done = sum(outcome.ok for outcome in outcomes)
    verb = '批量通过' if choice == 'approve' else '批量退回'
    flash(f'{verb}：成功{done}条，失败{len(outcomes) - done}条', 'ok' if done == len(outcomes) else 'error')
    names = {row.id: row.name for row in rows}
    for outcome in outcomes:
        if not outcome.ok:
            flash(
                f'{names.get(outcome.registration_id, "")}（登记{outcome.registration_id}）：{outcome.message}', 'error'
            )
    return back
