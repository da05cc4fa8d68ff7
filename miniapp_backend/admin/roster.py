"""学籍名单 and 参保进度: progress per class against the roster, the 未办理 list, exemptions, reminders."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for

from miniapp_backend.admin import bp, list_filters
from miniapp_backend.admin.exports import xlsx_download
from miniapp_backend.enrolment.registration.review import actor_of
from miniapp_backend.enrolment.reports.workbooks import workbook_bytes
from miniapp_backend.enrolment.roster import manage, progress, reminders
from miniapp_backend.enrolment.scope import colleges_in_scope, schools_in_scope, scoped_roster
from miniapp_backend.extensions import db
from miniapp_backend.inputs import load_form
from miniapp_backend.models import RosterEntry
from miniapp_backend.security.masking import mask_id_number
from schemas.admin import BackTo, ExemptForm, RosterFilter

PAGE_SIZE = 100
FILTERS = ('state', 'school_id', 'college', 'class_name')


def _filters() -> tuple[dict, str | None]:
    """The list's filters (query string or the reminder form), validated; a bad one is a 400 naming it. A school
    outside the reviewer's scope is dropped, with the notice that says so (its rows are not theirs to list)."""
    loaded = list_filters(RosterFilter(), request.values)
    values = {key: loaded[key] or None for key in FILTERS}
    if values['state'] not in progress.STATES:
        values['state'] = None
    if values['school_id'] is not None and values['school_id'] not in {s.id for s in schools_in_scope(g.reviewer)}:
        values['school_id'] = None
        return values, '所选学校不在您的管理范围内，已忽略该条件'
    return values, None


@bp.get('/progress')
def progress_page():
    """参保进度: per school / college / class, 应参保 … 未办理, each count a link to its list."""
    rows = progress.by_class(g.reviewer, g.reviewer.zone.year)
    return render_template(
        'admin/progress.html',
        rows=rows,
        total=progress.totals(rows),
        year=g.reviewer.zone.year,
        modes=progress.by_study_mode(g.reviewer, g.reviewer.zone.year),
    )


@bp.get('/roster')
def roster():
    """The roster students of a state and place (the drill-down), exportable; 参保管理 marks happen here."""
    filters, refused = _filters()
    if refused:
        flash(refused, 'error')  # shown on this very page
    query = progress.entries(g.reviewer, g.reviewer.zone.year, **filters)
    if request.args.get('format') == 'xlsx':
        rows = [
            (
                e.school.name,
                e.college,
                e.class_name,
                e.student_no,
                e.name,
                mask_id_number(e.id_number),
                e.study_mode.label,
                progress.state_of(e, status),
                e.exempt_reason or '',
            )
            for e, status in db.session.execute(query)
        ]
        return xlsx_download(
            workbook_bytes(
                '学籍名单',
                ['学校', '学院', '班级', '学号', '姓名', '证件号码', '学习形式', '办理情况', '无需参保原因'],
                rows,
            ),
            '学籍名单',
        )
    page = load_form(RosterFilter(), request.values)[0]['page']
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        'admin/roster.html',
        rows=rows,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        filters=filters,
        schools=schools_in_scope(g.reviewer),
        colleges=colleges_in_scope(g.reviewer),
        states=progress.STATES,
        reasons=manage.EXEMPT_REASONS,
        state_of=progress.state_of,
        mask=mask_id_number,
    )


def _entry(entry_id: int) -> RosterEntry:
    entry = db.session.scalars(
        scoped_roster(g.reviewer, g.reviewer.zone.year).where(RosterEntry.id == entry_id)
    ).first()
    if entry is None:
        abort(404)
    return entry


def _back():
    """Back to the list page the form was on (a page of this site only)."""
    target = load_form(BackTo(), request.form)[0].get('next')
    return redirect(target or url_for('admin.roster'))


@bp.post('/roster/<int:entry_id>/exempt')
def roster_exempt(entry_id):
    entry = _entry(entry_id)
    form, invalid = load_form(ExemptForm(), request.form)
    if invalid:  # named, since the notice shows at the top of a long list
        flash(f'{entry.name}：' + '；'.join(invalid.values()), 'error')
        return _back()
    manage.mark_exempt(entry, form['reason'], actor_of(g.reviewer), form['note'])
    flash(f'已将{entry.name}标记为无需参保', 'ok')
    return _back()


@bp.post('/roster/<int:entry_id>/unexempt')
def roster_unexempt(entry_id):
    entry = _entry(entry_id)
    manage.clear_exempt(entry, actor_of(g.reviewer))
    flash(f'已取消{entry.name}的无需参保标记', 'ok')
    return _back()


@bp.post('/roster/remind')
def roster_remind():
    """Remind the 未办理 students of the filtered list who can receive it."""
    filters, refused = _filters()
    if refused:  # dropping the school would remind more students than the form named
        flash('所选学校不在您的管理范围内，未发送提醒', 'error')
        return _back()
    filters['state'] = 'pending'
    pending = [entry for entry, _ in db.session.execute(progress.entries(g.reviewer, g.reviewer.zone.year, **filters))]
    sent, unreachable = reminders.remind(g.reviewer.zone, pending, actor_of(g.reviewer))
    flash(f'已发送参保提醒{sent}人；{unreachable}人未关联微信或未订阅提醒，需线下通知', 'ok')
    return _back()
