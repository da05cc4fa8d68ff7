"""Statistics, the audit log and the insured register, each also as an Excel export."""

from __future__ import annotations

from flask import abort, g, render_template, request
from markupsafe import Markup

from miniapp_backend.admin import bp, filter_summary, list_filters
from miniapp_backend.admin.exports import export_response, xlsx_download
from miniapp_backend.enrolment import labels
from miniapp_backend.enrolment.reports import lists, paging, statistics
from miniapp_backend.enrolment.reports.workbooks import workbook_bytes
from miniapp_backend.enrolment.scope import colleagues
from miniapp_backend.inputs import load_form
from miniapp_backend.models import AuditEvent, InsuredPerson, Reviewer
from miniapp_backend.models.enums import InsuredStatus
from miniapp_backend.security.masking import mask_id_number
from schemas.admin import AuditFilter, RegisterFilter


@bp.get('/statistics')
def stats():
    """参保统计 and 缴费统计 within my scope, with the enrolment-progress chart."""
    tables = {
        '按状态': statistics.by_status(g.reviewer),
        '按学校/学院': statistics.by_college(g.reviewer),
        '按缴费渠道': statistics.by_channel(g.reviewer),
    }
    if request.args.get('format') == 'xlsx':
        rows = [
            (group, row.label, row.count, row.due_fen / 100, row.paid_fen / 100)
            for group, table in tables.items()
            for row in table
        ]
        return xlsx_download(
            workbook_bytes('统计', ['分组', '项目', '人数', '应缴金额(元)', '已缴金额(元)'], rows), '统计'
        )
    chart = Markup(statistics.progress_svg(statistics.progress_by_day(g.reviewer)))
    return render_template('admin/statistics.html', tables=tables, chart=chart)


@bp.get('/audit')
def audit_log():
    """Who did what to which record, when; filterable by action, registration, the staff member who acted and a
    range of Beijing days. A filter that does not parse is shown at its field, and nothing is listed."""
    people = colleagues(g.reviewer)
    filters, errors = _audit_filters(people)
    if request.args.get('format') == 'xlsx':
        if errors:
            abort(400, description='筛选条件不正确：' + '；'.join(errors.values()))
        return export_response('audit', filters)
    options = [(person.id, labels.reviewer_label(person)) for person in people]
    form = {'people': options, 'actions': labels.AUDIT_VERBS, 'errors': errors, 'typed': request.args}
    if errors:
        return render_template('admin/audit.html', rows=[], after=None, count=None, summary=[], **form), 400
    query = lists.audit(g.reviewer, filters)
    page = paging.newest_first(query, (AuditEvent.id,), filters['after'])
    names = labels.reviewer_names(page.rows)
    lines = [
        labels.sentence(e, names, g.reviewer.zone, e.registration.name if e.registration else None) for e in page.rows
    ]
    return render_template(
        'admin/audit.html',
        rows=list(zip(page.rows, lines, strict=True)),
        after=page.after,
        count=paging.capped_count(query, (AuditEvent.id,)),
        summary=_audit_summary(filters, people),
        **form,
    )


def _audit_filters(people: list[Reviewer]) -> tuple[dict, dict[str, str]]:
    """The audit page's filters (blank fields left out) and what is wrong with them, by field."""
    filters, errors = load_form(AuditFilter(), {key: value for key, value in request.args.items() if value})
    if not errors and filters['person'] and filters['person'] not in {person.id for person in people}:
        errors = {'person': '所选操作人不在您可查看的范围内，请从列表中选择'}
    return filters, errors


def _audit_summary(filters: dict, people: list[Reviewer]) -> list[str]:
    since, until = filters['since'], filters['until']
    days = ''
    if since or until:
        days = f'{since or "最早"} 至 {until or "今天"}（北京时间）'
    person = next((p for p in people if p.id == filters['person']), None)
    return filter_summary(
        ('操作', labels.AUDIT_VERBS.get(filters['action'], filters['action'])),
        ('登记编号', filters['registration']),
        ('操作人', labels.reviewer_label(person) if person else ''),
        ('日期', days),
    )


@bp.get('/register')
def insured_register():
    """The insured register of my zone (masked ID numbers), searchable by ID number or name and by status."""
    filters = list_filters(RegisterFilter())
    if request.args.get('format') == 'xlsx':
        return export_response('register', filters)
    query = lists.register(g.reviewer, filters)
    page = paging.newest_first(query, (InsuredPerson.id,), filters['after'])
    status = filters['status'] if filters['status'] in InsuredStatus.__members__.values() else ''
    return render_template(
        'admin/register.html',
        people=page.rows,
        after=page.after,
        count=paging.capped_count(query, (InsuredPerson.id,)),
        summary=filter_summary(
            ('证件号码或姓名', filters['q']), ('参保状态', InsuredStatus(status).label if status else '')
        ),
        mask=mask_id_number,
        q=filters['q'],
        status=status,
        statuses=list(InsuredStatus),
    )
