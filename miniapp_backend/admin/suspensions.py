"""停保管理: the suspension list with filters and status, a phone suspension, confirming or refusing by hand."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from miniapp_backend.admin import bp, filter_summary, list_filters
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.registration.review import actor_of
from miniapp_backend.enrolment.reports import paging
from miniapp_backend.enrolment.suspension import desk
from miniapp_backend.extensions import db
from miniapp_backend.inputs import load_form
from miniapp_backend.models import Suspension
from miniapp_backend.models.enums import ReviewerRole, SuspensionStatus
from schemas.admin import PhoneSuspensionForm, SuspensionDecisionForm, SuspensionFilter

DESK_ROLES = (ReviewerRole.ZONE_ADMIN, ReviewerRole.CENTRE_REVIEWER)
PAGE_SIZE = 50


def _desk() -> None:
    if g.reviewer.role not in DESK_ROLES:
        abort(403)


@bp.route('/suspensions', methods=['GET', 'POST'])
def suspensions():
    _desk()
    errors, form = {}, {}
    if request.method == 'POST':
        values, errors = load_form(PhoneSuspensionForm(), request.form)
        try:
            if not errors:
                suspension = desk.record_phone(g.reviewer, actor_of(g.reviewer), values)
                flash(f'已登记{suspension.name}的电话停保，学生现在可以参保登记', 'ok')
                return redirect(url_for('admin.suspensions'))
        except EnrolmentError as error:  # refused before anything was written
            errors = {k: v[0] for k, v in error.errors.items()}
        form = request.form
    filters = list_filters(SuspensionFilter())
    query = desk.search(desk.visible(g.reviewer), filters['q'])
    status = filters['status'] if filters['status'] in SuspensionStatus.__members__.values() else ''
    if status:
        query = query.where(Suspension.status == status)
    page = filters['page']
    rows = db.session.scalars(
        query.order_by(Suspension.id.desc()).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        'admin/suspensions.html',
        rows=rows[:PAGE_SIZE],
        region_names=desk.region_names(rows[:PAGE_SIZE]),
        decided_by=desk.decided_by,
        more=len(rows) > PAGE_SIZE,
        page=page,
        count=paging.capped_count(query, (Suspension.id,)),
        summary=filter_summary(
            ('姓名或证件号码', filters['q'].strip()), ('状态', SuspensionStatus(status).label if status else '')
        ),
        statuses=SuspensionStatus,
        status=status,
        reasons=desk.REASONS,
        errors=errors,
        form=form,
    ), 422 if errors else 200


@bp.post('/suspensions/<int:suspension_id>/decision')
def suspension_decision(suspension_id):
    _desk()
    suspension = db.session.scalar(desk.visible(g.reviewer).where(Suspension.id == suspension_id))
    if suspension is None:
        abort(404)
    back = redirect(url_for('admin.suspensions', status=request.args.get('status', '')))
    form, invalid = load_form(SuspensionDecisionForm(), request.form)
    # A refusal names the person: the notice shows at the top of a long list.
    if invalid:
        flash(f'{suspension.name}：' + '；'.join(invalid.values()), 'error')
        return back
    try:
        desk.decide_by_hand(suspension, actor_of(g.reviewer), form['decision'] == 'confirm', form['reason'])
    except EnrolmentError as error:  # refused before anything changed
        flash(f'{suspension.name}：{error.message}', 'error')
        return back
    confirmed = suspension.status is SuspensionStatus.CONFIRMED
    flash(f'已{"确认" if confirmed else "拒绝"}{suspension.name}的停保申请，已通知学生', 'ok')
    return back
