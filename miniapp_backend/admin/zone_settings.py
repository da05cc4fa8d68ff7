"""The zone settings page, for zone admins only."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from miniapp_backend.admin import bp
from miniapp_backend.enrolment import labels
from miniapp_backend.enrolment.messages import outbox, templates as message_templates
from miniapp_backend.enrolment.registration.review import actor_of
from miniapp_backend.enrolment.zones import settings as zone_settings
from miniapp_backend.inputs import bounded_int
from miniapp_backend.models.enums import NotificationKind, ReviewerRole
from schemas.admin import zone_settings as settings_form


@bp.route('/settings', methods=['GET', 'POST'])
def settings():
    """Zone settings, for zone admins only."""
    if g.reviewer.role is not ReviewerRole.ZONE_ADMIN:
        abort(403)
    zone = g.reviewer.zone
    errors, form, status = {}, request.form, 200
    if request.method == 'POST':
        values, errors = settings_form(request.form)
        status = 422 if errors else 200
        if errors:  # said at the top: the messages sit by their fields, some a long way down the form
            flash(f'未保存：有{len(errors)}处需要修改，见下方红色提示', 'error')
        try:
            if not errors:
                changes = zone_settings.apply(zone, values, actor_of(g.reviewer), request.form.get('shown', ''))
                flash(f'已保存（修改{len(changes)}项）', 'ok')
                return redirect(url_for('admin.settings'))
        except zone_settings.ChangedMeanwhile:
            flash(_changed_meanwhile(zone, request.form.get('since', '')), 'error')
            form, status = {}, 409
    page = render_template(
        'admin/settings.html',
        zone=zone,
        errors=errors,
        form=form,
        shown=form.get('shown') or zone_settings.fingerprint(zone),
        since=form.get('since') or zone_settings.last_event_id(),
        template_form=message_templates.form_values(zone.message_templates),
        template_pages=message_templates.PAGES,
        template_values=message_templates.VALUES,
        default_pages={kind: message_templates.PAGES[page] for kind, page in outbox.DEFAULT_PAGES.items()},
        fallbacks=outbox.TEMPLATE_FALLBACK,
        stage_flows=zone_settings.stage_flows,
        flow_value=zone_settings.flow_value,
        default_stage_names=labels.STAGE_NAMES,
        kinds=list(NotificationKind),
        local=lambda d: d.astimezone(zone_settings.SHANGHAI).date().isoformat(),
    )
    return page, status


def _changed_meanwhile(zone, since: str) -> str:
    """The refusal, naming who saved what since the form was shown (when the form says when that was)."""
    seen = bounded_int(since, low=0)
    saves = zone_settings.saved_since(zone, seen) if seen is not None else []
    lines = labels.history(saves, zone)
    said = f'：{"；".join(lines)}' if lines else ''
    return f'专区设置在您打开本页后已被修改{said}。您的修改未保存，下面是最新的设置，请重新修改后保存'
