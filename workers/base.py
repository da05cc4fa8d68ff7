"""Running job functions inside the app: one app per worker process, built before rq forks."""

from __future__ import annotations

import functools
import os

from flask import Flask, has_app_context

_app: Flask | None = None


def get_app() -> Flask:
    """The process's app, built once from the environment (rq's work-horses inherit it across the fork)."""
    global _app
    if _app is None:
        from miniapp_backend import create_app

        _app = create_app()
    return _app


def app_job(func):
    """Run the job in an app context as one unit of work; a failure is rolled back and re-raised for rq to record."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return _run(func, args, kwargs, own_session=False)
        with get_app().app_context():
            return _run(func, args, kwargs, own_session=True)

    return wrapper


def _run(func, args, kwargs, own_session: bool):
    from miniapp_backend.extensions import db
    from miniapp_backend.unit_of_work import unit_of_work

    _dispose_after_fork(db)
    try:
        return unit_of_work(func)(*args, **kwargs)
    finally:
        if own_session:
            db.session.remove()


_engine_pid: int | None = None


def _dispose_after_fork(db) -> None:
    """Pooled connections must not cross a fork; a new work-horse starts with a fresh pool."""
    global _engine_pid
    if _engine_pid != os.getpid():
        db.engine.dispose(close=False)
        _engine_pid = os.getpid()
