"""Enrolment and payment statistics (seed 001's 参保统计 and 缴费统计), within a reviewer's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from miniapp_backend.enrolment.scope import scope_of
from miniapp_backend.extensions import db
from miniapp_backend.models import (
    RegistrationCount,
    RegistrationCountDelta,
    RegistrationDay,
    RegistrationDayDelta,
    Reviewer,
    School,
)
from miniapp_backend.models.enums import RegistrationStatus


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    due_fen: int
    paid_fen: int


def _scoped(model, reviewer: Reviewer) -> list[sa.ColumnElement[bool]]:
    """The reviewer's scope over the kept counts, which are cut by the same parts as registrations."""
    return [scope_of(reviewer).condition(model)]


def _cells(reviewer: Reviewer, kept, delta, columns: tuple[str, ...]) -> sa.Subquery:
    """The kept rows and the deltas not folded in yet, within the reviewer's scope, as one set of rows."""
    parts = [
        sa.select(*(getattr(model, column) for column in columns)).where(*_scoped(model, reviewer))
        for model in (kept, delta)
    ]
    return sa.union_all(*parts).subquery()


def _grouped(reviewer: Reviewer, *columns) -> list[tuple]:
    cells = _cells(reviewer, RegistrationCount, RegistrationCountDelta, (*columns, 'count', 'due_fen', 'paid_fen'))
    group = [cells.c[column] for column in columns]
    query = (
        sa.select(*group, sa.func.sum(cells.c.count), sa.func.sum(cells.c.due_fen), sa.func.sum(cells.c.paid_fen))
        .group_by(*group)
        .having(sa.func.sum(cells.c.count) > 0)
    )
    return [
        (*(value or None for value in row[: len(columns)]), int(row[-3]), int(row[-2]), int(row[-1]))
        for row in db.session.execute(query)
    ]


def total(reviewer: Reviewer, *statuses: str) -> int:
    """How many registrations the reviewer's scope holds (of these statuses), from the kept counts."""
    cells = _cells(reviewer, RegistrationCount, RegistrationCountDelta, ('status', 'count'))
    query = sa.select(sa.func.coalesce(sa.func.sum(cells.c.count), 0))
    if statuses:
        query = query.where(cells.c.status.in_(statuses))
    return int(db.session.scalar(query))


def _lifecycle(row: tuple) -> int:
    """Statuses in the order a registration lives through them (草稿 … 参保成功), not alphabetically by code."""
    return list(RegistrationStatus).index(RegistrationStatus(row[0]))


def by_status(reviewer: Reviewer) -> list[Row]:
    return [
        Row(RegistrationStatus(status).label, count, due, paid)
        for status, count, due, paid in sorted(_grouped(reviewer, 'status'), key=_lifecycle)
    ]


def by_college(reviewer: Reviewer) -> list[Row]:
    schools = dict(db.session.execute(sa.select(School.id, School.name)).all())
    rows = _grouped(reviewer, 'school_id', 'college')
    return [
        Row(f'{schools.get(school_id, "未选学校")} {college or ""}'.strip(), count, due, paid)
        for school_id, college, count, due, paid in sorted(rows, key=lambda r: (r[0] or 0, r[1] or ''))
    ]


def by_channel(reviewer: Reviewer) -> list[Row]:
    rows = [r for r in _grouped(reviewer, 'payment_channel') if r[0]]
    labels = {'tax': '税务系统缴费', 'family': '个人共济', 'cash': '现金缴费'}
    return [Row(labels.get(channel, channel), count, due, paid) for channel, count, due, paid in rows]


def progress_by_day(reviewer: Reviewer) -> list[tuple[date, int, int]]:
    """Per day: submissions and payments, cumulative (the enrolment-progress chart)."""
    cells = _cells(reviewer, RegistrationDay, RegistrationDayDelta, ('day', 'submitted', 'paid'))
    query = (
        sa.select(cells.c.day, sa.func.sum(cells.c.submitted), sa.func.sum(cells.c.paid))
        .group_by(cells.c.day)
        .order_by(cells.c.day)
    )
    total_submitted = total_paid = 0
    series = []
    for day, submitted, paid in db.session.execute(query):
        if not (submitted or paid):
            continue
        total_submitted += int(submitted)
        total_paid += int(paid)
        series.append((day, total_submitted, total_paid))
    return series


def progress_svg(series: list[tuple[date, int, int]], width: int = 640, height: int = 220) -> str:
    """A server-drawn line chart: submitted (teal) and paid (orange), cumulative by day."""
    if not series:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"><text x="20" y="30">暂无数据</text></svg>'
    top = max(max(s for _, s, _ in series), 1)
    step = (width - 80) / max(len(series) - 1, 1)  # room for the last day's label

    def points(index: int) -> str:
        return ' '.join(
            f'{40 + i * step:.1f},{height - 30 - (row[index] / top) * (height - 60):.1f}'
            for i, row in enumerate(series)
        )

    labels = ''.join(
        f'<text x="{40 + i * step:.1f}" y="{height - 10}" font-size="10">{day:%m-%d}</text>'
        for i, (day, _, _) in enumerate(series)
        if i % max(len(series) // 8, 1) == 0
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="参保进度">'
        f'<polyline fill="none" stroke="#0f766e" stroke-width="2" points="{points(1)}"/>'
        f'<polyline fill="none" stroke="#ea580c" stroke-width="2" points="{points(2)}"/>'
        f'<text x="40" y="16" font-size="12" fill="#0f766e">累计提交 {series[-1][1]}</text>'
        f'<text x="160" y="16" font-size="12" fill="#ea580c">累计缴费 {series[-1][2]}</text>{labels}</svg>'
    )
