"""Statistics, the audit log and the insured register, each also as an Excel export."""
from __future__ import annotations

from flask import Response, abort, g, render_template, request
from markupsafe import Markup

from miniapp_backend.admin import bp
from miniapp_backend.enrolment.reports import statistics
from miniapp_backend.enrolment.reports.export import workbook_bytes
from miniapp_backend.enrolment.scope import scoped_audit_events, scoped_insured
from miniapp_backend.extensions import db
from miniapp_backend.inputs import load_form
from miniapp_backend.models import AuditEvent, InsuredPerson
from miniapp_backend.security.masking import mask_id_number
from schemas.admin import AuditFilter

XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'


def _xlsx(name: str, data: bytes) -> Response:
    return Response(data, mimetype=XLSX, headers={'Content-Disposition': f'attachment; filename="{name}.xlsx"'})


@bp.get('/statistics')
def stats():
    """参保统计 and 缴费统计 within my scope, with the enrolment-progress chart."""
    tables = {'按状态': statistics.by_status(g.reviewer), '按学校/学院': statistics.by_college(g.reviewer),
              '按缴费渠道': statistics.by_channel(g.reviewer)}
    if request.args.get('format') == 'xlsx':
        rows = [(group, row.label, row.count, row.due_fen / 100, row.paid_fen / 100)
                for group, table in tables.items() for row in table]
        return _xlsx('statistics', workbook_bytes('统计', ['分组', '项目', '人数', '应缴金额(元)', '已缴金额(元)'], rows))
    chart = Markup(statistics.progress_svg(statistics.progress_by_day(g.reviewer)))
    return render_template('admin/statistics.html', tables=tables, chart=chart)


@bp.get('/audit')
def audit_log():
    """Who did what to which record, when; filterable by action and registration."""
    query = scoped_audit_events(g.reviewer)
    filters, invalid = load_form(AuditFilter(), {k: v for k, v in request.args.items() if v})
    if invalid:
        abort(400, description='筛选条件不正确：' + '；'.join(invalid.values()))
    if filters['action']:
        query = query.where(AuditEvent.action == filters['action'])
    if filters['registration']:
        query = query.where(AuditEvent.registration_id == filters['registration'])
    events = db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(500)).all()
    if request.args.get('format') == 'xlsx':
        rows = [(e.at.strftime('%Y-%m-%d %H:%M:%S'), e.actor_type.label, e.actor_id, e.action, e.registration_id,
                 e.from_status, e.to_status, e.reason) for e in events]
        return _xlsx('audit', workbook_bytes('审计日志', ['时间', '操作人类型', '操作人', '操作', '登记', '原状态', '新状态', '原因'],
                                             rows))
    return render_template('admin/audit.html', events=events)


@bp.get('/register')
def insured_register():
    """The insured register of my scope (masked ID numbers)."""
    query = scoped_insured(g.reviewer).order_by(InsuredPerson.id)
    people = db.session.scalars(query.limit(500)).all()
    if request.args.get('format') == 'xlsx':
        rows = [(p.name, mask_id_number(p.id_number), p.status.label, p.since.isoformat(),
                 p.until.isoformat() if p.until else '', p.paid_through_year) for p in db.session.scalars(query)]
        return _xlsx('register', workbook_bytes('参保名册', ['姓名', '证件号码', '参保状态', '起始日期', '终止日期', '缴费至年度'], rows))
    return render_template('admin/register.html', people=people, mask=mask_id_number)
