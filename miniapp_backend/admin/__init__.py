"""The reviewers' admin page (/admin), server-rendered."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint('admin', __name__, url_prefix='/admin', template_folder='templates', static_folder='static')


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
