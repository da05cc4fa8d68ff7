"""Delivering outbox rows as WeChat subscription messages: at most once each, never lost silently.

A row is claimed alone (FOR UPDATE SKIP LOCKED) and, in the same statement, marked `sending` with a lease and
`send_started_at`; that commit is the last thing before its HTTP call leaves. WeChat has no idempotency key, so
only a failure that certainly sent nothing (the connection was refused or never made, or WeChat answered with an
error code) is retried. A timeout or a reset after the request left, or a worker that died after the claim, makes
the row `unknown`: never resent, listed for operators.

A sender commits once per message: the outcome of its last call and the claim of its next row share one
transaction (the claim still commits before the call it starts).
"""

from __future__ import annotations

import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
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
NO_TEMPLATE = '专区未配置该消息模板，仅在小程序消息列表中显示'


@dataclass
class DrainReport:
    sent: int = 0
    waiting_quota: int = 0
    retried: int = 0
    failed: int = 0
    unknown: int = 0


def drain(limit: int = 200, now_fn=utcnow, senders: int = SENDERS) -> DrainReport:
    """Send due rows until none is due or `limit` is reached, `senders` HTTP calls in flight at a time.

    Each sender claims one row at a time on its own connection (claims skip each other's locked rows) and commits
    it as started before its call, so at most once holds as with one sender.
    """
    release_interrupted(now_fn())
    budget = _Budget(limit)
    if senders <= 1:
        report = _send_until_done(budget, now_fn)
    else:
        app = current_app._get_current_object()

        def sender() -> DrainReport:
            with app.app_context():
                return _send_until_done(budget, now_fn)

        report = DrainReport()
        with ThreadPoolExecutor(senders, thread_name_prefix='drain') as pool:
            for part in pool.map(lambda _: sender(), range(senders)):
                for name in fields(DrainReport):
                    setattr(report, name.name, getattr(report, name.name) + getattr(part, name.name))
    if report != DrainReport():
        logger.info('drain: %s', report)
    return report


class _Budget:
    """How many rows the senders of one drain may still take; closed when WeChat asks us to slow down."""

    def __init__(self, limit: int):
        self._left = limit
        self._lock = threading.Lock()

    def take(self) -> bool:
        """One more row (False once spent or closed)."""
        with self._lock:
            self._left -= 1
            return self._left >= 0

    def close(self) -> None:
        with self._lock:
            self._left = 0


def _send_until_done(budget: _Budget, now_fn) -> DrainReport:
    """One sender: claim, call, and record the outcome together with the next claim, on one Core connection
    (statements, not ORM objects: nothing is loaded or expired, and no Session bookkeeping per statement)."""
    report = DrainReport()
    sender = wechat.message_sender()
    done: Outcome | None = None
    with db.engine.connect() as conn:
        while True:
            with conn.begin():
                if done is not None:
                    _record_outcome(conn, done)
                claimed = _claim_next(conn, now_fn(), budget, report)
            if claimed is None:
                return report
            done = deliver(claimed, now_fn(), sender)
            setattr(report, done.counted, getattr(report, done.counted) + 1)
            if done.values.get('last_error') == 'rate_limited':
                budget.close()  # WeChat asked us to slow down: stop this drain (the next one resumes)


@dataclass
class Claim:
    """A row claimed for sending, with what its call needs (returned by the claiming statement itself)."""

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


@dataclass
class Outcome:
    """What a call's result writes to its row (and to the student's quota), and the report field it counts in."""

    claimed: Claim
    counted: str
    values: dict = field(default_factory=dict)
    spend: str | None = None  # 'one' use of the subscription, or 'all' of them (43101)


_ROWS = Notification.__table__
_QUOTAS = SubscriptionQuota.__table__
#: The next due row, its student's openid and the subscription left for its template; only the outbox row is
#: locked, rows other senders hold are skipped. Ordered by the due index alone (equal times come in the index's
#: order): a tie-break on id made PostgreSQL sort, and join, every row of the oldest time for each claim.
_DUE = (
    sa.select(_ROWS.c.id, Student.openid, _QUOTAS.c.remaining)
    .join(Student.__table__, Student.id == _ROWS.c.student_id)
    .outerjoin(
        _QUOTAS, sa.and_(_QUOTAS.c.student_id == _ROWS.c.student_id, _QUOTAS.c.template_id == _ROWS.c.template_id)
    )
    .where(_ROWS.c.status == sa.literal_column(f"'{N.PENDING.value}'"), _ROWS.c.next_attempt_at <= sa.bindparam('now'))
    .order_by(_ROWS.c.next_attempt_at)
    .limit(sa.literal_column('1'))
    .with_for_update(of=_ROWS, skip_locked=True)
    .cte('due')
)


def _sql(value: str | int) -> sa.ColumnElement:
    """A constant written into the statement (our own values, not input): no bind parameter to convert per call."""
    return sa.literal_column(f"'{value}'" if isinstance(value, str) else str(value))


_NO_TEMPLATE = sa.func.coalesce(_ROWS.c.template_id, _sql('')) == _sql('')
_NO_QUOTA = sa.func.coalesce(_DUE.c.remaining, _sql(0)) <= _sql(0)
_SENDABLE = sa.and_(sa.not_(_NO_TEMPLATE), sa.not_(_NO_QUOTA))
#: Claim the next due row in one statement: `sending` with a lease and its start time when it can be sent (the
#: commit of this statement is what makes it at most once), `failed` without a template, `waiting_quota` without
#: a subscription left.
_CLAIM = (
    sa.update(_ROWS)
    .where(_ROWS.c.id == _DUE.c.id)
    .values(
        status=sa.case(
            (_NO_TEMPLATE, _sql(N.FAILED.value)),
            (_NO_QUOTA, _sql(N.WAITING_QUOTA.value)),
            else_=_sql(N.SENDING.value),
        ),
        last_error=sa.case(
            (_NO_TEMPLATE, sa.bindparam('no_template', NO_TEMPLATE)), (_NO_QUOTA, sa.null()), else_=_ROWS.c.last_error
        ),
        attempts=sa.case((_SENDABLE, _ROWS.c.attempts + _sql(1)), else_=_ROWS.c.attempts),
        next_attempt_at=sa.case((_SENDABLE, sa.bindparam('lease_until')), else_=_ROWS.c.next_attempt_at),
        send_started_at=sa.case((_SENDABLE, sa.bindparam('now')), else_=_ROWS.c.send_started_at),
    )
    .returning(
        _ROWS.c.id,
        _ROWS.c.student_id,
        _DUE.c.openid,
        _ROWS.c.template_id,
        _ROWS.c.page,
        _ROWS.c.data,
        _ROWS.c.attempts,
        _ROWS.c.status,
        _ROWS.c.send_started_at,
    )
)


def claim(now: datetime) -> Claim | None:
    """Claim the next due row that can be sent and commit; None when nothing is due."""
    with db.engine.connect() as conn, conn.begin():
        return _claim_next(conn, now, _Budget(1_000_000), DrainReport())


def _claim_next(conn: sa.Connection, now: datetime, budget: _Budget, report: DrainReport) -> Claim | None:
    """In the caller's transaction: the next row to send, after settling due rows that cannot be sent."""
    while budget.take():
        row = conn.execute(_CLAIM, {'now': now, 'lease_until': now + LEASE}).first()
        if row is None:
            budget.close()  # nothing more is due (or other senders hold it): the other senders stop too
            return None
        if row.status == N.SENDING:
            return Claim(*row[:7], status=row.status, send_started_at=row.send_started_at)
        counted = 'failed' if row.status == N.FAILED else 'waiting_quota'
        setattr(report, counted, getattr(report, counted) + 1)
    return None


def deliver(claimed: Claim, now: datetime, sender: wechat.MessageSender) -> Outcome:
    """Call WeChat for a claimed (and started) row; the outcome is recorded by the caller."""
    try:
        sender.send(claimed.openid, claimed.template_id, claimed.data, claimed.page)
    except wechat.DeliveryUnknown as exc:
        outcome = Outcome(claimed, 'unknown', _finished(N.UNKNOWN, f'no_answer {exc.errmsg}'[:255]))
    except wechat.NoQuota:
        outcome = Outcome(claimed, 'waiting_quota', _finished(N.WAITING_QUOTA, 'no_quota'), spend='all')
    except wechat.RateLimited:
        retry = _retry(now + RATE_LIMIT_PAUSE, 'rate_limited') | {'attempts': claimed.attempts - 1}
        outcome = Outcome(claimed, 'retried', retry)
    except wechat.BadMessage as exc:
        outcome = Outcome(claimed, 'failed', _finished(N.FAILED, f'{exc.errcode} {exc.errmsg}'[:255]))
    except wechat.WeChatError as exc:
        outcome = Outcome(claimed, *_retry_or_fail(claimed, now, f'{exc.errcode} {exc.errmsg}'[:255]))
    else:
        outcome = Outcome(claimed, 'sent', _finished(N.SENT, None) | {'sent_at': now}, spend='one')
    claimed.status, claimed.last_error = outcome.values['status'], outcome.values['last_error']
    if outcome.counted != 'sent':
        logger.info('notification %s: %s (%s)', claimed.id, outcome.counted, claimed.last_error)
    return outcome


def _record_outcome(conn: sa.Connection, outcome: Outcome) -> None:
    if outcome.spend:
        conn.execute(
            _SPEND_ALL if outcome.spend == 'all' else _SPEND,
            {'quota_student': outcome.claimed.student_id, 'quota_template': outcome.claimed.template_id},
        )
    _record(conn, outcome.claimed.id, **outcome.values)


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


def _record(conn: sa.Connection, notification_id: int, **values) -> None:
    columns = tuple(sorted(values))
    params = {f'new_{column}': values[column] for column in columns}
    conn.execute(_update(columns), {'row_id': notification_id, **params})


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


def _retry_or_fail(claimed: Claim, now: datetime, error: str) -> tuple[str, dict]:
    if claimed.attempts >= MAX_ATTEMPTS:
        return 'failed', _finished(N.FAILED, error)
    return 'retried', _retry(now + RETRY_BASE * 2 ** (claimed.attempts - 1), error)


def _retry(when: datetime, error: str) -> dict:
    return {'status': N.PENDING, 'next_attempt_at': when, 'last_error': error}


def _finished(status: N, error: str | None) -> dict:
    return {'status': status, 'last_error': error}
