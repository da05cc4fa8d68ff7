"""The reviewers' admin page (/admin), server-rendered: sessions, CSRF and scope on every request."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, g, redirect, request, session, url_for
from markupsafe import Markup

from miniapp_backend.extensions import db
from miniapp_backend.inputs import load_form
from miniapp_backend.models import Reviewer
from miniapp_backend.unit_of_work import unit_of_work


class AdminBlueprint(Blueprint):
    """Every admin page runs as one unit of work: committed when the view returns, rolled back when it raises."""

    def add_url_rule(self, rule, endpoint=None, view_func=None, **options):
        super().add_url_rule(rule, endpoint, unit_of_work(view_func) if view_func else None, **options)


bp = AdminBlueprint('admin', __name__, url_prefix='/admin', template_folder='templates', static_folder='static')

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 8 * 3600
OPEN_ENDPOINTS = {'admin.login', 'admin.static'}


def init_app(app: Flask) -> None:
    # Importing the view modules registers their routes.
    from miniapp_backend.admin import (  # noqa: F401
        accounts,
        auth,
        exports,
        identity,
        imports,
        payments,
        printing,
        reports,
        review,
        roster,
        subsidised,
        suspensions,
        zone_settings,
    )

    app.register_blueprint(bp)
    _register_filters(app)


def csrf_token() -> str:
    if '_csrf' not in session:
        session['_csrf'] = secrets.token_urlsafe(32)
    return session['_csrf']


def next_page_query(after: str) -> str:
    """This page's query string (filters kept) opening the page after `after`."""
    args = request.args.to_dict(flat=False)
    args['after'] = [after]
    args.pop('page', None)
    return urlencode(args, doseq=True)


def list_filters(schema, values=None) -> dict:
    """A list page's filters (its query string, or `values`) through their schema; a 400 naming what is wrong."""
    filters, invalid = load_form(schema, request.args if values is None else values)
    if invalid:
        abort(400, description='筛选条件不正确：' + '；'.join(invalid.values()))
    return filters


def filter_summary(*parts: tuple[str, object]) -> list[str]:
    """The filters in force as the line above a list names them (名称：值), the empty ones left out."""
    return [f'{name}：{value}' for name, value in parts if value]


def new_form_token() -> str:
    """A fresh token per rendered form that records something once (a cash payment): a double submit sends the
    same token twice, and the rule that records it finds the first."""
    return secrets.token_urlsafe(16)


#: First in a form whose buttons decide different things: Enter in one of its fields submits the form with its
#: first button (HTML's implicit submission), and a disabled first button makes Enter do nothing, instead of 通过.
ENTER_GUARD = Markup(
    '<button type="submit" class="enter-guard" disabled hidden aria-hidden="true" tabindex="-1"></button>'
)


@bp.app_context_processor
def _template_helpers():
    from miniapp_backend.enrolment import labels
    from miniapp_backend.enrolment.registration.review import seen_stamp

    return {
        'csrf_token': csrf_token,
        'seen_stamp': seen_stamp,
        'new_form_token': new_form_token,
        'next_page_query': next_page_query,
        'stage_name': labels.stage_name,
        'enter_guard': ENTER_GUARD,
    }


def _register_filters(app: Flask) -> None:
    """Every code reaches the page through one of these: labels, yuan, Beijing time."""
    from miniapp_backend.enrolment import labels
    from miniapp_backend.security.masking import mask_id_number

    app.add_template_filter(labels.label, 'label')
    app.add_template_filter(labels.status_label, 'status_label')
    app.add_template_filter(labels.ethnicity, 'ethnicity')
    app.add_template_filter(labels.yuan, 'yuan')
    app.add_template_filter(labels.beijing, 'bj')
    app.add_template_filter(mask_id_number, 'mask_id')


@bp.before_request
def _guard():
    if request.method == 'POST':
        token = request.form.get('csrf_token', '')
        if not token or not secrets.compare_digest(token, session.get('_csrf', '')):
            abort(400, description='页面已过期或来源不明（CSRF校验失败），请刷新后重试')
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    g.reviewer = _reviewer_from_session()
    if g.reviewer is None:
        return redirect(url_for('admin.login', next=request.full_path))
    if g.reviewer.must_change_password and request.endpoint not in ('admin.change_password', 'admin.logout'):
        return redirect(url_for('admin.change_password'))
    return None


def _reviewer_from_session() -> Reviewer | None:
    now = time.time()
    reviewer_id, version = session.get('reviewer_id'), session.get('session_version')
    if (
        reviewer_id is None
        or now - session.get('seen', 0) > IDLE_SECONDS
        or now - session.get('since', 0) > ABSOLUTE_SECONDS
    ):
        session.pop('reviewer_id', None)
        return None
    reviewer = db.session.get(Reviewer, reviewer_id)
    if reviewer is None or not reviewer.active or reviewer.session_version != version:
        session.pop('reviewer_id', None)
        return None
    session['seen'] = now
    return reviewer
