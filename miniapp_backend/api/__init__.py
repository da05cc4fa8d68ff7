"""The mini-program API (/api/v1), flask-smorest with marshmallow schemas; OpenAPI at /api/v1/openapi.json."""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask) -> Api:
    """One Api per app (tests build several apps), holding every /api/v1 blueprint."""
    api = Api(app)
    app.extensions['smorest_api'] = api
    return api
