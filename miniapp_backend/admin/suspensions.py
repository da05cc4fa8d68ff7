"""停保管理: the suspension list with filters and status, a phone suspension, confirming or refusing by hand."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from miniapp_backend.admin import bp
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.registration.review import actor_of
from miniapp_backend.enrolment.suspension import desk
from miniapp_backend.extensions import db
from miniapp_backend.inputs import load_form
from miniapp_backend.models import Suspension
from miniapp_backend.models.enums import ReviewerRole, SuspensionStatus
from schemas.admin import SuspensionFilter

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
        try:
            suspension = desk.record_phone(g.reviewer, actor_of(g.reviewer), request.form)
            flash(f'已登记{suspension.name}的电话停保，学生现在可以参保登记', 'ok')
            return redirect(url_for('admin.suspensions'))
        except EnrolmentError as error:
            db.session.rollback()
            errors, form = {k: v[0] for k, v in error.errors.items()}, request.form
    filters, invalid = load_form(SuspensionFilter(), request.args)
    if invalid:
        abort(400, description='筛选条件不正确：' + '；'.join(invalid.values()))
    query = desk.search(desk.visible(g.reviewer), filters['q'])
    status = filters['status']
    if status in SuspensionStatus.__members__.values():
        query = query.where(Suspension.status == status)
    page = filters['page']
    rows = db.session.scalars(
        query.order_by(Suspension.id.desc()).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        'admin/suspensions.html',
        rows=rows[:PAGE_SIZE],
        more=len(rows) > PAGE_SIZE,
        page=page,
        statuses=SuspensionStatus,
        status=status,
        reasons=desk.REASONS,
        errors=errors,
        form=form,
    )


@bp.post('/suspensions/<int:suspension_id>/decision')
def suspension_decision(suspension_id):
    _desk()
    suspension = db.session.scalar(desk.visible(g.reviewer).where(Suspension.id == suspension_id))
    if suspension is None:
        abort(404)
    try:
        desk.decide_by_hand(
            suspension, actor_of(g.reviewer), request.form.get('decision') == 'confirm', request.form.get('reason', '')
        )
        flash(
            f'已{"确认" if suspension.status is SuspensionStatus.CONFIRMED else "拒绝"}{suspension.name}的停保申请，'
            '已通知学生',
            'ok',
        )
    except EnrolmentError as error:
        db.session.rollback()
        flash(error.message, 'error')
    return redirect(url_for('admin.suspensions', status=request.args.get('status', '')))
