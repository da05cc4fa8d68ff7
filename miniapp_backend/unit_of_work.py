"""Where transactions end: one unit of work per request, job or command, and the batches of long sweeps.

The rules in `enrolment/` never commit; they add and flush inside the caller's transaction. A request (API or
admin page), an rq job or a `flask` command is one unit of work: committed when it returns, rolled back when it
raises, so a refusal changes nothing (docs/DESIGN.md §2.1). Sweeps that work through many rows end each batch with
`commit_batch`, the one place they commit, so a long run never holds its row locks for long and a crash loses at
most one batch. Nothing else in the application calls `commit()`; the drain's senders (messages/delivery.py)
run each transaction as a Core `begin()` block on their own connection: a row's outcome and the next claim.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.engine import Connection

from miniapp_backend.extensions import db

P = ParamSpec('P')
R = TypeVar('R')


def unit_of_work(func: Callable[P, R] | None = None, *, keep_loaded: bool = False):
    """Run `func` as one transaction: commit when it returns, roll back and re-raise when it raises.

    With `keep_loaded` the commit leaves loaded objects as they are (no expiry): an API response schema that dumps
    them after the view returns reads what this unit of work left instead of asking the database again.
    """
    if func is None:
        return functools.partial(unit_of_work, keep_loaded=keep_loaded)

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = func(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        session = db.session()
        if not session.in_transaction():
            return result  # nothing was read or written (GET /me answered from Redis): no COMMIT to send
        if keep_loaded:
            _commit_keeping_state()
        else:
            session.commit()
        return result

    return wrapper


def one_write_connection() -> Connection:
    """The connection of a unit of work that reads, then writes with at most one statement (atomic by itself): in
    autocommit when it has not begun and runs on PostgreSQL, so psycopg sends neither BEGIN nor COMMIT (two round
    trips). A caller already inside a transaction (a test, a command) keeps it, as does SQLite."""
    session = db.session()
    if session.in_transaction() or session.get_bind().dialect.name != 'postgresql':
        return session.connection()
    return session.connection(execution_options=_AUTOCOMMIT)


def autocommitted(connection: Connection) -> bool:
    """Whether each statement on `connection` commits by itself (`one_write_connection`)."""
    return connection.get_execution_options().get('isolation_level') == 'AUTOCOMMIT'


def leave_autocommit() -> None:
    """For a unit of work begun on `one_write_connection` that turns out to write more than one statement (a rare
    branch): what follows runs in a transaction, committed or rolled back with the unit of work. Only reads came
    before, so ending the autocommit connection's use undoes nothing."""
    session = db.session()
    if session.in_transaction() and autocommitted(session.connection()):
        session.rollback()


_AUTOCOMMIT = {'isolation_level': 'AUTOCOMMIT'}


def _commit_keeping_state() -> None:
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def commit_batch() -> None:
    """End a sweep's batch, or keep what must outlast the unit of work's end: a claim that must be visible before an
    outside call or a long run, a failure recorded before the error goes on (a failed export, a login attempt
    counted). What was done so far is kept even if a later batch fails, and its row locks are released."""
    db.session.commit()
