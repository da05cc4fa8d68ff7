"""Counting what the app sends to PostgreSQL: every statement, and BEGIN and COMMIT as the engine opens and ends
its transactions (SQLAlchemy's before_cursor_execute, begin and commit events)."""

from __future__ import annotations

import sqlalchemy as sa

from miniapp_backend.extensions import db


class Statements:
    """Records, while open, each statement the app's engine sends; `sql` lists them in order."""

    def __init__(self):
        self.sql: list[str] = []

    def __enter__(self):
        sa.event.listen(db.engine, 'before_cursor_execute', self._statement)
        sa.event.listen(db.engine, 'begin', self._begin)
        sa.event.listen(db.engine, 'commit', self._commit)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db.engine, 'before_cursor_execute', self._statement)
        sa.event.remove(db.engine, 'begin', self._begin)
        sa.event.remove(db.engine, 'commit', self._commit)

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        self.sql.append(statement)

    def _begin(self, conn):
        self.sql.append('BEGIN')

    def _commit(self, conn):
        self.sql.append('COMMIT')
