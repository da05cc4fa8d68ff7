"""Running job functions inside the app: one app per worker process, built before rq forks."""

from __future__ import annotations

import contextlib
import functools
import os
from pathlib import Path

from flask import Flask, has_app_context

_app: Flask | None = None
_AUTOGROUP = Path('/proc/self/autogroup')


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


def give_way(niceness: int) -> None:
    """Run this process (and the work-horses it forks) below the web's CPU priority.

    `nice` weighs a process only against those of its own scheduling group. Where the kernel groups processes by
    session (autogroup), a process manager that starts each process in a session of its own (honcho does) makes
    every worker a group that weighs as much as all the web processes together, so a worker alone in its session
    (with at most the shell or manager waiting for it) lowers its group as well. One that shares its session with
    other work (started from a shell with others, or by `make run`) leaves the group alone: it never lowers anyone
    else. Under systemd or containers, cgroups decide: give the unit a lower CPU weight."""
    if niceness <= 0:
        return
    os.nice(niceness)
    if _AUTOGROUP.exists() and _alone_in_session():
        # A kernel that refuses leaves the process's own nice, which still holds within its group.
        with contextlib.suppress(OSError):
            _AUTOGROUP.write_text(str(niceness))


def _alone_in_session() -> bool:
    """Whether every other process of this session is one of this process's ancestors."""
    session, ancestors, pid = os.getsid(0), set(), os.getppid()
    while pid > 1 and pid not in ancestors:
        ancestors.add(pid)
        stat = _stat(pid)
        pid = stat[1] if stat else 0
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit() and int(entry.name) not in ancestors | {os.getpid()}:
            stat = _stat(int(entry.name))
            if stat and stat[2] == session:
                return False
    return True


def _stat(pid: int) -> tuple[int, int, int] | None:
    """(pid, parent, session) from /proc/<pid>/stat, or None if the process is gone."""
    try:
        fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    except (OSError, IndexError):
        return None
    return pid, int(fields[1]), int(fields[3])
