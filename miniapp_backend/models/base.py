"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator


def conflict_insert(dialect: str, table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `table` that takes ON CONFLICT on this database: PostgreSQL's, or SQLite's (`make run`)."""
    return (postgresql.insert if dialect == 'postgresql' else sqlite.insert)(table)


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC and always hands back aware datetimes, on PostgreSQL and SQLite alike."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError('naive datetime given for a UTC column')
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: JSON on every backend, JSONB on PostgreSQL.
JSONType = sa.JSON().with_variant(JSONB(), 'postgresql')


def enum_column(enum: type[Enum]) -> sa.Enum:
    """A VARCHAR + CHECK enum column storing the members' values (no native PostgreSQL enum to migrate)."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        name=enum.__name__.lower(),
        validate_strings=True,
    )
