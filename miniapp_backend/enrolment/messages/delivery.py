"""Delivering outbox rows as WeChat subscription messages: at most once each, never lost silently.

A row is claimed alone (FOR UPDATE SKIP LOCKED) and marked `sending` with a lease; `send_started_at` is committed
just before its HTTP call leaves. WeChat has no idempotency key, so only a failure that certainly sent nothing
(the connection was refused or never made, or WeChat answered with an error code) is retried. A timeout or a
reset after the request left, or a worker that died after `send_started_at`, makes the row `unknown`: never resent,
listed for operators. A worker that died before that point left a row that was never sent: it goes back to pending.
"""

from __future__ import annotations

import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from miniapp_backend import wechat
from miniapp_backend.extensions import db
from miniapp_backend.models import Notification, Student, SubscriptionQuota
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import NotificationStatus as N
from miniapp_backend.unit_of_work import commit_batch

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(seconds=30)
RATE_LIMIT_PAUSE = timedelta(seconds=60)
#: HTTP calls to WeChat in flight per drain: a call waits ~all its time on the network, so a few threads
#: multiply one worker's rate; bounded well under the database pool (5 + 10 overflow).
SENDERS = 4
#: Rows a sender claims in one transaction (each is still committed as started just before its own call).
CLAIM_BATCH = 4


@dataclass
class DrainReport:
    sent: int = 0
    waiting_quota: int = 0
    retried: int = 0
    failed: int = 0
    unknown: int = 0


def drain(limit: int = 200, now_fn=utcnow, senders: int = SENDERS) -> DrainReport:
    """Send due rows until none is due or `limit` is reached, `senders` HTTP calls in flight at a time.

    Each sender claims a few rows at a time in its own session (claims skip each other's locked rows); every row
    is committed as `sending`, then as started, before its call, so at most once holds as with one sender.
    """
    release_interrupted(now_fn())
    if senders <= 1:
        return _send_until_done(_Budget(limit), now_fn)
    app = current_app._get_current_object()
    budget = _Budget(limit)

    def sender() -> DrainReport:
        with app.app_context():
            try:
                return _send_until_done(budget, now_fn)
            finally:
                db.session.remove()

    report = DrainReport()
    with ThreadPoolExecutor(senders, thread_name_prefix='drain') as pool:
        for part in pool.map(lambda _: sender(), range(senders)):
            for name in fields(DrainReport):
                setattr(report, name.name, getattr(report, name.name) + getattr(part, name.name))
    return report


class _Budget:
    """How many rows the senders of one drain may still take; closed when WeChat asks us to slow down."""

    def __init__(self, limit: int):
        self._left = limit
        self._lock = threading.Lock()

    def take(self, most: int = 1) -> int:
        """Up to `most` rows (0 once spent or closed)."""
        with self._lock:
            taken = max(0, min(most, self._left))
            self._left -= taken
            return taken

    def close(self) -> None:
        with self._lock:
            self._left = 0


def _send_until_done(budget: _Budget, now_fn) -> DrainReport:
    report = DrainReport()
    while wanted := budget.take(CLAIM_BATCH):
        claims = claim_many(now_fn(), wanted)
        if len(claims) < wanted:
            budget.close()  # nothing more is due (or other senders hold it): finish these and stop
        for position, claimed in enumerate(claims):
            outcome = deliver(claimed, now_fn())
            setattr(report, outcome, getattr(report, outcome) + 1)
            if outcome == 'retried' and claimed.last_error == 'rate_limited':
                # WeChat asked us to slow down: stop this drain (the next one resumes), unsent claims go back.
                budget.close()
                _put_back(claims[position + 1 :], now_fn() + RATE_LIMIT_PAUSE)
                return report
    return report


@dataclass
class Claim:
    """A row claimed for sending, with what its call needs (read by the claiming statement itself)."""

    id: int
    student_id: int
    openid: str
    template_id: str
    page: str | None
    data: dict
    attempts: int
    status: N = N.SENDING
    send_started_at: datetime | None = None
    last_error: str | None = None


_ROWS = Notification.__table__
_QUOTAS = SubscriptionQuota.__table__
#: The next due row, its student's openid and the subscription left for its template, in one statement built
#: once. Only the outbox row is locked; rows other drains hold are skipped.
_DUE = (
    sa.select(
        _ROWS.c.id,
        _ROWS.c.student_id,
        Student.openid,
        _ROWS.c.template_id,
        _ROWS.c.page,
        _ROWS.c.data,
        _ROWS.c.attempts,
        _QUOTAS.c.remaining,
    )
    .join(Student.__table__, Student.id == _ROWS.c.student_id)
    .outerjoin(
        _QUOTAS, sa.and_(_QUOTAS.c.student_id == _ROWS.c.student_id, _QUOTAS.c.template_id == _ROWS.c.template_id)
    )
    .where(_ROWS.c.status == N.PENDING, _ROWS.c.next_attempt_at <= sa.bindparam('now'))
    .order_by(_ROWS.c.next_attempt_at, _ROWS.c.id)
    .limit(sa.bindparam('most'))
    .with_for_update(of=_ROWS, skip_locked=True)
)


def claim(now: datetime) -> Claim | None:
    """Lock one due row, mark it `sending` with a lease, commit; None when nothing is due."""
    claims = claim_many(now, 1)
    return claims[0] if claims else None


def claim_many(now: datetime, most: int) -> list[Claim]:
    """Lock up to `most` due rows, mark them `sending` with a lease, commit; empty when nothing is due.

    Statements, not ORM objects: a committed object expires and reading it again is a SELECT. A claim of a few
    rows shares one transaction; each row is still committed as started just before its own call (`deliver`),
    so a sender that dies holding claimed rows it has not started leaves them to go back to pending.
    """
    while rows := db.session.execute(_DUE, {'now': now, 'most': most}).all():
        claims = []
        for row in rows:
            if not row.template_id:
                _record(row.id, status=N.FAILED, last_error='专区未配置该消息模板，仅在小程序消息列表中显示')
            elif not row.remaining or row.remaining <= 0:
                _record(row.id, status=N.WAITING_QUOTA, last_error=None)
            else:
                claims.append(
                    Claim(row.id, row.student_id, row.openid, row.template_id, row.page, row.data, row.attempts + 1)
                )
        if claims:
            db.session.execute(
                sa.update(_ROWS)
                .where(_ROWS.c.id.in_([c.id for c in claims]))
                .values(
                    status=N.SENDING, attempts=_ROWS.c.attempts + 1, next_attempt_at=now + LEASE, send_started_at=None
                )
            )
            commit_batch()
            return claims
        commit_batch()
    commit_batch()
    return []


def _put_back(claims: list[Claim], when: datetime) -> None:
    """Claimed rows never started: pending again, their attempt not counted."""
    for claimed in claims:
        _record(claimed.id, status=N.PENDING, attempts=claimed.attempts - 1, next_attempt_at=when)
    commit_batch()


def deliver(claimed: Claim, now: datetime) -> str:
    """Call WeChat for a claimed row and record the result in one UPDATE; returns the report field to count."""

    def mark_started() -> None:
        _record(claimed.id, send_started_at=now)
        commit_batch()
        claimed.send_started_at = now

    try:
        wechat.send_subscribe_message(
            claimed.openid, claimed.template_id, claimed.data, claimed.page, before_send=mark_started
        )
    except wechat.DeliveryUnknown as exc:
        outcome, values = 'unknown', _finished(N.UNKNOWN, f'no_answer {exc.errmsg}'[:255])
    except wechat.NoQuota:
        _spend_quota(claimed, everything=True)
        outcome, values = 'waiting_quota', _finished(N.WAITING_QUOTA, 'no_quota')
    except wechat.RateLimited:
        outcome = 'retried'
        values = _retry(now + RATE_LIMIT_PAUSE, 'rate_limited') | {'attempts': claimed.attempts - 1}
    except wechat.BadMessage as exc:
        outcome, values = 'failed', _finished(N.FAILED, f'{exc.errcode} {exc.errmsg}'[:255])
    except wechat.WeChatError as exc:
        outcome, values = _retry_or_fail(claimed, now, f'{exc.errcode} {exc.errmsg}'[:255])
    else:
        _spend_quota(claimed)
        outcome, values = 'sent', _finished(N.SENT, None) | {'sent_at': now}
    _record(claimed.id, **values)
    commit_batch()
    claimed.status, claimed.last_error = values['status'], values['last_error']
    logger.info('notification %s: %s', claimed.id, outcome)
    return outcome


def quota_arrived(student_id: int, template_ids: list[str]) -> int:
    """Rows waiting for a subscription the student just granted go back to the queue."""
    result = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.student_id == student_id,
            Notification.status == N.WAITING_QUOTA,
            Notification.template_id.in_(template_ids),
        )
        .values(status=N.PENDING, next_attempt_at=utcnow())
    )
    return result.rowcount


def release_interrupted(now: datetime) -> int:
    """Rows left `sending` past their lease (their worker died or lost its database): back to pending when the
    call never left, `unknown` when it may have."""
    stale = sa.and_(Notification.status == N.SENDING, Notification.next_attempt_at < now)
    never_sent = db.session.execute(
        sa.update(Notification)
        .where(stale, Notification.send_started_at.is_(None))
        .values(status=N.PENDING, next_attempt_at=now, last_error='interrupted_before_send')
    )
    maybe_sent = db.session.execute(
        sa.update(Notification)
        .where(stale, Notification.send_started_at.is_not(None))
        .values(status=N.UNKNOWN, last_error='interrupted')
    )
    commit_batch()
    return never_sent.rowcount + maybe_sent.rowcount


@functools.cache
def _update(columns: tuple[str, ...]) -> sa.Update:
    """UPDATE of these columns of one row, built once per set of columns (building it per call cost more CPU than
    sending it)."""
    return (
        sa.update(_ROWS)
        .where(_ROWS.c.id == sa.bindparam('row_id'))
        .values({c: sa.bindparam(f'new_{c}') for c in columns})
    )


def _record(notification_id: int, **values) -> None:
    columns = tuple(sorted(values))
    params = {f'new_{column}': values[column] for column in columns}
    db.session.execute(_update(columns), {'row_id': notification_id, **params})


#: One use of the student's subscription gone (or all of them, when WeChat says none is left), in one statement:
#: two workers sending to the same student must not both read 2 and write 1.
_SPEND = (
    sa.update(_QUOTAS)
    .where(
        _QUOTAS.c.student_id == sa.bindparam('quota_student'), _QUOTAS.c.template_id == sa.bindparam('quota_template')
    )
    .values(remaining=sa.case((_QUOTAS.c.remaining > 0, _QUOTAS.c.remaining - 1), else_=0))
)
_SPEND_ALL = _SPEND.values(remaining=0)


def _spend_quota(claimed: Claim, *, everything: bool = False) -> None:
    db.session.execute(
        _SPEND_ALL if everything else _SPEND,
        {'quota_student': claimed.student_id, 'quota_template': claimed.template_id},
    )


def _retry_or_fail(claimed: Claim, now: datetime, error: str) -> tuple[str, dict]:
    if claimed.attempts >= MAX_ATTEMPTS:
        return 'failed', _finished(N.FAILED, error)
    return 'retried', _retry(now + RETRY_BASE * 2 ** (claimed.attempts - 1), error)


def _retry(when: datetime, error: str) -> dict:
    return {'status': N.PENDING, 'next_attempt_at': when, 'last_error': error}


def _finished(status: N, error: str | None) -> dict:
    return {'status': status, 'last_error': error}
