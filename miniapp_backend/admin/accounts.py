"""审核账号: zone administrators manage reviewers; every reviewer changes their own password."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, session, url_for

from miniapp_backend.admin import bp
from miniapp_backend.enrolment import accounts
from miniapp_backend.extensions import db
from miniapp_backend.inputs import load_form
from miniapp_backend.models import Reviewer
from miniapp_backend.models.enums import ReviewerRole
from schemas.admin import ActiveForm, PasswordForm, ResetForm, ReviewerForm


def _zone_admin() -> None:
    if g.reviewer.role is not ReviewerRole.ZONE_ADMIN:
        abort(403)


def _in_zone(reviewer_id: int) -> Reviewer:
    reviewer = db.session.scalar(accounts.in_zone(g.reviewer).where(Reviewer.id == reviewer_id))
    if reviewer is None:
        abort(404)
    return reviewer


@bp.route('/accounts', methods=['GET', 'POST'])
def accounts_page():
    """The zone's reviewers with role, scope and last login; a form to add one."""
    _zone_admin()
    errors, issued = {}, None
    if request.method == 'POST':
        values, errors = load_form(ReviewerForm(), request.form)
        try:
            if not errors:
                reviewer, password = accounts.create(g.reviewer, values)
                issued = (reviewer.username, password)
        except accounts.AccountError as error:  # raised before anything was added
            errors = error.errors
    return render_template(
        'admin/accounts.html',
        reviewers=db.session.scalars(accounts.in_zone(g.reviewer)).all(),
        roles=ReviewerRole,
        errors=errors,
        form=request.form if errors else {},
        issued=issued,
    ), 422 if errors else 200


@bp.post('/accounts/<int:reviewer_id>/active')
def account_active(reviewer_id):
    _zone_admin()
    reviewer = _in_zone(reviewer_id)
    form, invalid = load_form(ActiveForm(), request.form)
    try:
        if invalid:
            raise accounts.AccountError(invalid)
        accounts.set_active(g.reviewer, reviewer, form['active'] == '1')
        flash(f'已{"启用" if reviewer.active else "停用"}账号 {reviewer.username}', 'ok')
    except accounts.AccountError as error:
        flash(next(iter(error.errors.values())), 'error')
    return redirect(url_for('admin.accounts_page'))


@bp.post('/accounts/<int:reviewer_id>/reset')
def account_reset(reviewer_id):
    _zone_admin()
    reviewer = _in_zone(reviewer_id)
    form, invalid = load_form(ResetForm(), request.form)
    try:
        if invalid:
            raise accounts.AccountError(invalid)
        password = accounts.reset_password(g.reviewer, reviewer, form['seen'])
    except accounts.AccountError as error:
        flash(next(iter(error.errors.values())), 'error')
        return redirect(url_for('admin.accounts_page'))
    return render_template(
        'admin/accounts.html',
        reviewers=db.session.scalars(accounts.in_zone(g.reviewer)).all(),
        roles=ReviewerRole,
        errors={},
        form={},
        issued=(reviewer.username, password),
    )


@bp.route('/password', methods=['GET', 'POST'])
def change_password():
    """After a reset the reviewer lands here and can go nowhere else until a new password is set."""
    errors = {}
    if request.method == 'POST':
        form, errors = load_form(PasswordForm(), request.form)
        if not errors:
            try:
                accounts.change_own_password(g.reviewer, form['current'], form['password'])
            except accounts.WrongPassword as wrong:
                if wrong.ends_session:
                    session.clear()
                    flash('当前密码多次输入错误，已退出登录，请重新登录', 'error')
                    return redirect(url_for('admin.login'))
                errors = {'current': '当前密码不正确'}
            else:
                session['session_version'] = g.reviewer.session_version  # this browser stays signed in
                flash('密码已修改，其他设备上的登录已退出', 'ok')
                return redirect(url_for('admin.queue'))
    return render_template('admin/password.html', errors=errors), 422 if errors else 200
