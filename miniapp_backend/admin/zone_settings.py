"""The zone settings page, for zone admins only."""

from __future__ import annotations

import json

from flask import abort, flash, g, redirect, render_template, request, url_for

from miniapp_backend.admin import bp
from miniapp_backend.enrolment import labels
from miniapp_backend.enrolment.registration.review import actor_of
from miniapp_backend.enrolment.zones import settings as zone_settings
from miniapp_backend.models.enums import NotificationKind, ReviewerRole
from schemas.admin import zone_settings as settings_form


@bp.route('/settings', methods=['GET', 'POST'])
def settings():
    """Zone settings, for zone admins only."""
    if g.reviewer.role is not ReviewerRole.ZONE_ADMIN:
        abort(403)
    zone = g.reviewer.zone
    errors = {}
    if request.method == 'POST':
        values, errors = settings_form(request.form)
        if not errors:
            changes = zone_settings.apply(zone, values, actor_of(g.reviewer))
            flash(f'已保存（修改{len(changes)}项）', 'ok')
            return redirect(url_for('admin.settings'))
    page = render_template(
        'admin/settings.html',
        zone=zone,
        errors=errors,
        form=request.form,
        templates_json=json.dumps(zone.message_templates, ensure_ascii=False, indent=1),
        stage_flows=zone_settings.stage_flows,
        default_stage_names=labels.STAGE_NAMES,
        kinds=list(NotificationKind),
        local=lambda d: d.astimezone(zone_settings.SHANGHAI).date().isoformat(),
    )
    return page, 422 if errors else 200
