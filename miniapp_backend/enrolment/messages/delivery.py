"""Delivering outbox rows as WeChat subscription messages: at most once each, never lost silently.

A row is claimed alone (FOR UPDATE SKIP LOCKED) and, in the same statement, marked `sending` with a lease and
`send_started_at`; that commit is the last thing before its HTTP call leaves. WeChat has no idempotency key, so
only a failure that certainly sent nothing (the connection was refused or never made, or WeChat answered with an
error code) is retried. A timeout or a reset after the request left, or a worker that died after the claim, makes
the row `unknown`: never resent, listed for operators.

A sender sends one statement per message on PostgreSQL: the outcome of its last call (the row, the quota it used)
and the claim of its next row, as data-modifying CTEs, outside any transaction, so it commits as it returns (no
BEGIN or COMMIT round trip) and still before the call it starts. SQLite (`make run`) has no data-modifying CTEs:
there the same statements run one by one in one transaction.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from flask import current_app

from miniapp_backend import wechat
from miniapp_backend.extensions import db
from miniapp_backend.jobs import enqueue_after_commit
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
        if conn.dialect.name == 'postgresql':
            # One statement per message, each its own transaction: no BEGIN or COMMIT to send.
            conn = conn.execution_options(isolation_level='AUTOCOMMIT')
        while True:
            claimed = _settle_and_claim(conn, done, now_fn(), budget, report)
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


def _sql(value: str | int) -> sa.ColumnElement:
    """A constant written into the statement (our own values, not input): no bind parameter to convert per call."""
    return sa.literal_column(f"'{value}'" if isinstance(value, str) else str(value))


#: One use of the student's subscription gone (or all of them, when WeChat says none is left), in one statement:
#: two workers sending to the same student must not both read 2 and write 1.
_SPEND = (
    sa.update(_QUOTAS)
    .where(
        _QUOTAS.c.student_id == sa.bindparam('quota_student'), _QUOTAS.c.template_id == sa.bindparam('quota_template')
    )
    .values(
        remaining=sa.case(
            (sa.bindparam('spend_all', type_=sa.Boolean), _sql(0)),
            (_QUOTAS.c.remaining > _sql(0), _QUOTAS.c.remaining - _sql(1)),
            else_=_sql(0),
        )
    )
)
#: The outcome of a call, written to its row; a column the outcome does not set keeps its value.
_OUTCOME = (
    sa.update(_ROWS)
    .where(_ROWS.c.id == sa.bindparam('done_id'))
    .values(
        status=sa.bindparam('done_status', type_=_ROWS.c.status.type),
        last_error=sa.bindparam('done_last_error', type_=_ROWS.c.last_error.type),
        **{
            column: sa.func.coalesce(sa.bindparam(f'done_{column}', type_=_ROWS.c[column].type), _ROWS.c[column])
            for column in ('attempts', 'next_attempt_at', 'sent_at')
        },
    )
)


def _due(spent: sa.CTE | None = None) -> sa.CTE:
    """The next due row and the subscription left for its template (after `spent`, the use the same statement
    records, when there is one); only the outbox row is locked, rows other senders hold are skipped. Ordered by the
    due index alone (equal times come in the index's order): a tie-break on id made PostgreSQL sort, and join, every
    row of the oldest time for each claim."""
    remaining = _QUOTAS.c.remaining
    select = (
        sa.select(_ROWS.c.id)
        .outerjoin(
            _QUOTAS,
            sa.and_(_QUOTAS.c.student_id == _ROWS.c.student_id, _QUOTAS.c.template_id == _ROWS.c.template_id),
        )
        .where(
            _ROWS.c.status == _sql(N.PENDING.value),
            _ROWS.c.next_attempt_at <= sa.bindparam('now'),
        )
    )
    if spent is not None:
        remaining = sa.func.coalesce(spent.c.remaining, remaining)
        select = select.outerjoin(
            spent, sa.and_(spent.c.student_id == _ROWS.c.student_id, spent.c.template_id == _ROWS.c.template_id)
        ).where(sa.bindparam('take', type_=sa.Boolean))
    return (
        select.add_columns(remaining.label('remaining'))
        .order_by(_ROWS.c.next_attempt_at)
        .limit(_sql(1))
        .with_for_update(of=_ROWS, skip_locked=True)
        .cte('due')
    )


#: The student's openid, returned by the claim itself (SQLite cannot return a column of a table joined in an UPDATE).
_OPENID = sa.select(Student.openid).where(Student.id == _ROWS.c.student_id).scalar_subquery()


def _claim(due: sa.CTE) -> sa.Update:
    """Claim the due row: `sending` with a lease and its start time when it can be sent (the commit of this
    statement is what makes it at most once), `failed` without a template, `waiting_quota` without a subscription
    left."""
    no_template = sa.func.coalesce(_ROWS.c.template_id, _sql('')) == _sql('')
    no_quota = sa.func.coalesce(due.c.remaining, _sql(0)) <= _sql(0)
    sendable = sa.and_(sa.not_(no_template), sa.not_(no_quota))
    return (
        sa.update(_ROWS)
        .where(_ROWS.c.id == due.c.id)
        .values(
            status=sa.case(
                (no_template, _sql(N.FAILED.value)),
                (no_quota, _sql(N.WAITING_QUOTA.value)),
                else_=_sql(N.SENDING.value),
            ),
            last_error=sa.case(
                (no_template, sa.bindparam('no_template', NO_TEMPLATE)), (no_quota, sa.null()), else_=_ROWS.c.last_error
            ),
            attempts=sa.case((sendable, _ROWS.c.attempts + _sql(1)), else_=_ROWS.c.attempts),
            next_attempt_at=sa.case((sendable, sa.bindparam('lease_until')), else_=_ROWS.c.next_attempt_at),
            send_started_at=sa.case((sendable, sa.bindparam('now')), else_=_ROWS.c.send_started_at),
        )
        .returning(
            _ROWS.c.id,
            _ROWS.c.student_id,
            _OPENID,
            _ROWS.c.template_id,
            _ROWS.c.page,
            _ROWS.c.data,
            _ROWS.c.attempts,
            _ROWS.c.status,
            _ROWS.c.send_started_at,
        )
    )


#: The claim alone (SQLite, and `claim`); the outcome of a sender's last call goes first in the same transaction.
_CLAIM = _claim(_due())


def _settle_and_claim_statement() -> sa.Update:
    """PostgreSQL: the outcome of the last call (its quota use, its row) and the claim of the next row in ONE
    statement, data-modifying CTEs. They all read the snapshot the statement started with: the next claim sees
    the quota the outcome spent through `spent`, and the row just settled is still `sending` to it (never
    claimed again by the same statement)."""
    spent = _SPEND.returning(_QUOTAS.c.student_id, _QUOTAS.c.template_id, _QUOTAS.c.remaining).cte('spent')
    outcome = _OUTCOME.returning(_ROWS.c.id).cte('outcome')
    return _claim(_due(spent)).add_cte(outcome)


_SETTLE_AND_CLAIM = _settle_and_claim_statement()


def claim(now: datetime) -> Claim | None:
    """Claim the next due row that can be sent and commit; None when nothing is due."""
    with db.engine.connect() as conn, conn.begin():
        return _claim_next(conn, None, now, _Budget(1_000_000), DrainReport())


def _settle_and_claim(
    conn: sa.Connection, done: Outcome | None, now: datetime, budget: _Budget, report: DrainReport
) -> Claim | None:
    """Record `done` and claim the next row to send, each committed before this returns."""
    if conn.dialect.name != 'postgresql':
        with conn.begin():
            return _claim_next(conn, done, now, budget, report)
    while True:
        take = budget.take()
        if done is None and not take:
            return None
        params = {'now': now, 'lease_until': now + LEASE, 'take': take, **_outcome_params(done)}
        row = conn.execute(_SETTLE_AND_CLAIM, params).first()
        done = None
        claimed = _claimed(row, take, budget, report)
        if claimed is not False:
            return claimed


def _claim_next(
    conn: sa.Connection, done: Outcome | None, now: datetime, budget: _Budget, report: DrainReport
) -> Claim | None:
    """In the caller's transaction, statement by statement: `done`, then the next row to send."""
    if done is not None:
        params = _outcome_params(done)
        if done.spend:
            conn.execute(_SPEND, params)
        conn.execute(_OUTCOME, params)
    while True:
        take = budget.take()
        row = conn.execute(_CLAIM, {'now': now, 'lease_until': now + LEASE}).first() if take else None
        claimed = _claimed(row, take, budget, report)
        if claimed is not False:
            return claimed


def _claimed(row: sa.Row | None, take: bool, budget: _Budget, report: DrainReport) -> Claim | Literal[False] | None:
    """The claim a claiming statement returned; None to stop, False when it settled a row that cannot be sent
    (counted here) and the next one is to be claimed."""
    if not take:
        return None
    if row is None:
        budget.close()  # nothing more is due (or other senders hold it): the other senders stop too
        return None
    if row.status == N.SENDING:
        return Claim(*row[:7], status=row.status, send_started_at=row.send_started_at)
    counted = 'failed' if row.status == N.FAILED else 'waiting_quota'
    setattr(report, counted, getattr(report, counted) + 1)
    return False


def _outcome_params(done: Outcome | None) -> dict:
    """The parameters of `_SPEND` and `_OUTCOME` (all None without an outcome: they then match no row)."""
    if done is None:
        return dict.fromkeys(_NO_OUTCOME)
    values = done.values
    spends = done.spend is not None
    return {
        'quota_student': done.claimed.student_id if spends else None,
        'quota_template': done.claimed.template_id if spends else None,
        'spend_all': done.spend == 'all',
        'done_id': done.claimed.id,
        'done_status': values['status'],
        'done_last_error': values['last_error'],
        'done_attempts': values.get('attempts'),
        'done_next_attempt_at': values.get('next_attempt_at'),
        'done_sent_at': values.get('sent_at'),
    }


_NO_OUTCOME = (
    'quota_student',
    'quota_template',
    'spend_all',
    'done_id',
    'done_status',
    'done_last_error',
    'done_attempts',
    'done_next_attempt_at',
    'done_sent_at',
)


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


def send_failed_again(since: datetime, now: datetime) -> int:
    """Failed rows created since `since` back to the queue with their attempts anew, for an operator once the cause
    is gone (the app's credentials fixed after WeChat refused every token). WeChat refused each of them, so none
    arrived: sending again keeps at most once. Rows of unknown delivery are never resent; rows without a template
    stay failed."""
    result = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.status == N.FAILED,
            Notification.created_at >= since,
            sa.func.coalesce(Notification.template_id, '') != '',
        )
        .values(status=N.PENDING, attempts=0, next_attempt_at=now, last_error='sent again by an operator')
    )
    if result.rowcount:
        enqueue_after_commit('workers.jobs.drain_outbox')
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


def _retry_or_fail(claimed: Claim, now: datetime, error: str) -> tuple[str, dict]:
    if claimed.attempts >= MAX_ATTEMPTS:
        return 'failed', _finished(N.FAILED, error)
    return 'retried', _retry(now + RETRY_BASE * 2 ** (claimed.attempts - 1), error)


def _retry(when: datetime, error: str) -> dict:
    return {'status': N.PENDING, 'next_attempt_at': when, 'last_error': error}


def _finished(status: N, error: str | None) -> dict:
    return {'status': status, 'last_error': error}
