"""Enrolment and payment statistics (seed 001's 参保统计 and 缴费统计), within a reviewer's scope."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from miniapp_backend.enrolment.scope import scoped_registrations
from miniapp_backend.extensions import db
from miniapp_backend.models import Reviewer, School
from miniapp_backend.models.enums import RegistrationStatus


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    due_fen: int
    paid_fen: int


def _grouped(reviewer: Reviewer, *columns) -> list[tuple]:
    scoped = scoped_registrations(reviewer).subquery()
    paid = sa.case((scoped.c.status == RegistrationStatus.PAID.value, scoped.c.amount_due_fen), else_=0)
    query = (sa.select(*[scoped.c[column] for column in columns], sa.func.count(),
                       sa.func.coalesce(sa.func.sum(scoped.c.amount_due_fen), 0), sa.func.coalesce(sa.func.sum(paid), 0))
             .group_by(*[scoped.c[column] for column in columns]))
    return db.session.execute(query).all()


def _lifecycle(row: tuple) -> int:
    """Statuses in the order a registration lives through them (草稿 … 参保成功), not alphabetically by code."""
    return list(RegistrationStatus).index(RegistrationStatus(row[0]))


def by_status(reviewer: Reviewer) -> list[Row]:
    return [Row(RegistrationStatus(status).label, count, due, paid)
            for status, count, due, paid in sorted(_grouped(reviewer, 'status'), key=_lifecycle)]


def by_college(reviewer: Reviewer) -> list[Row]:
    schools = dict(db.session.execute(sa.select(School.id, School.name)).all())
    rows = _grouped(reviewer, 'school_id', 'college')
    return [Row(f'{schools.get(school_id, "未选学校")} {college or ""}'.strip(), count, due, paid)
            for school_id, college, count, due, paid in sorted(rows, key=lambda r: (r[0] or 0, r[1] or ''))]


def by_channel(reviewer: Reviewer) -> list[Row]:
    rows = [r for r in _grouped(reviewer, 'payment_channel') if r[0]]
    labels = {'tax': '税务系统缴费', 'family': '个人共济', 'cash': '现金缴费'}
    return [Row(labels.get(channel, channel), count, due, paid) for channel, count, due, paid in rows]


def progress_by_day(reviewer: Reviewer) -> list[tuple[date, int, int]]:
    """Per day: submissions and payments, cumulative (the enrolment-progress chart)."""
    scoped = scoped_registrations(reviewer).subquery()
    submitted = Counter(d.date() for (d,) in db.session.execute(
        sa.select(scoped.c.submitted_at).where(scoped.c.submitted_at.is_not(None))))
    paid = Counter(d.date() for (d,) in db.session.execute(
        sa.select(scoped.c.paid_at).where(scoped.c.paid_at.is_not(None))))
    days = sorted(set(submitted) | set(paid))
    total_submitted = total_paid = 0
    series = []
    for day in days:
        total_submitted += submitted[day]
        total_paid += paid[day]
        series.append((day, total_submitted, total_paid))
    return series


def progress_svg(series: list[tuple[date, int, int]], width: int = 640, height: int = 220) -> str:
    """A server-drawn line chart: submitted (teal) and paid (orange), cumulative by day."""
    if not series:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"><text x="20" y="30">暂无数据</text></svg>'
    top = max(max(s for _, s, _ in series), 1)
    step = (width - 80) / max(len(series) - 1, 1)  # room for the last day's label

    def points(index: int) -> str:
        return ' '.join(f'{40 + i * step:.1f},{height - 30 - (row[index] / top) * (height - 60):.1f}'
                        for i, row in enumerate(series))

    labels = ''.join(f'<text x="{40 + i * step:.1f}" y="{height - 10}" font-size="10">{day:%m-%d}</text>'
                     for i, (day, _, _) in enumerate(series) if i % max(len(series) // 8, 1) == 0)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="参保进度">'
            f'<polyline fill="none" stroke="#0f766e" stroke-width="2" points="{points(1)}"/>'
            f'<polyline fill="none" stroke="#ea580c" stroke-width="2" points="{points(2)}"/>'
            f'<text x="40" y="16" font-size="12" fill="#0f766e">已提交 {series[-1][1]}</text>'
            f'<text x="160" y="16" font-size="12" fill="#ea580c">已缴费 {series[-1][2]}</text>{labels}</svg>')
