"""Delivering outbox rows as WeChat subscription messages: at most once each, never lost silently.

A row is claimed alone (FOR UPDATE SKIP LOCKED) and marked `sending` with a lease; `send_started_at` is committed
just before its HTTP call leaves. WeChat has no idempotency key, so only a failure that certainly sent nothing
(the connection was refused or never made, or WeChat answered with an error code) is retried. A timeout or a
reset after the request left, or a worker that died after `send_started_at`, makes the row `unknown`: never resent,
listed for operators. A worker that died before that point left a row that was never sent: it goes back to pending.
"""

from __future__ import annotations

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


@dataclass
class DrainReport:
    sent: int = 0
    waiting_quota: int = 0
    retried: int = 0
    failed: int = 0
    unknown: int = 0


def drain(limit: int = 200, now_fn=utcnow, senders: int = SENDERS) -> DrainReport:
    """Send due rows until none is due or `limit` is reached, `senders` HTTP calls in flight at a time.

    Each sender claims one row at a time in its own session (claims skip each other's locked rows), so a
    row is still committed as `sending` before its call and at most once holds as with one sender.
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

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True

    def close(self) -> None:
        with self._lock:
            self._left = 0


def _send_until_done(budget: _Budget, now_fn) -> DrainReport:
    report = DrainReport()
    while budget.take():
        notification = claim(now_fn())
        if notification is None:
            budget.close()
            break
        outcome = deliver(notification, now_fn())
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome == 'retried' and notification.last_error == 'rate_limited':
            budget.close()  # WeChat asked us to slow down: stop this drain, the next one resumes.
    return report


def claim(now: datetime) -> Notification | None:
    """Lock one due row, mark it `sending` with a lease, commit; None when nothing is due."""
    query = (
        sa.select(Notification)
        .where(Notification.status == N.PENDING, Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    while (notification := db.session.scalars(query).first()) is not None:
        if not notification.template_id:
            _finish(notification, N.FAILED, '专区未配置该消息模板，仅在小程序消息列表中显示')
        elif _quota(notification).remaining <= 0:
            _finish(notification, N.WAITING_QUOTA, None)
        else:
            notification.status = N.SENDING
            notification.attempts += 1
            notification.next_attempt_at = now + LEASE
            notification.send_started_at = None
            commit_batch()
            return notification
        commit_batch()
    commit_batch()
    return None


def deliver(notification: Notification, now: datetime) -> str:
    """Call WeChat for a claimed row and record the result; returns the report field to count."""
    notification_id = notification.id
    openid = db.session.scalar(sa.select(Student.openid).where(Student.id == notification.student_id))

    def mark_started() -> None:
        notification.send_started_at = now
        commit_batch()

    try:
        wechat.send_subscribe_message(
            openid, notification.template_id, notification.data, notification.page, before_send=mark_started
        )
    except wechat.DeliveryUnknown as exc:
        _finish(notification, N.UNKNOWN, f'no_answer {exc.errmsg}'[:255])
        outcome = 'unknown'
    except wechat.NoQuota:
        _spend_quota(notification, everything=True)
        _finish(notification, N.WAITING_QUOTA, 'no_quota')
        outcome = 'waiting_quota'
    except wechat.RateLimited:
        notification.attempts -= 1
        _retry(notification, now + RATE_LIMIT_PAUSE, 'rate_limited')
        outcome = 'retried'
    except wechat.BadMessage as exc:
        _finish(notification, N.FAILED, f'{exc.errcode} {exc.errmsg}'[:255])
        outcome = 'failed'
    except wechat.WeChatError as exc:
        outcome = _retry_or_fail(notification, now, f'{exc.errcode} {exc.errmsg}'[:255])
    else:
        _spend_quota(notification)
        _finish(notification, N.SENT, None)
        notification.sent_at = now
        outcome = 'sent'
    commit_batch()
    logger.info('notification %s: %s', notification_id, outcome)
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


def _quota(notification: Notification) -> SubscriptionQuota:
    quota = db.session.get(SubscriptionQuota, (notification.student_id, notification.template_id))
    if quota is None:
        quota = SubscriptionQuota(student_id=notification.student_id, template_id=notification.template_id, remaining=0)
        db.session.add(quota)
    return quota


def _spend_quota(notification: Notification, *, everything: bool = False) -> None:
    """One use of the student's subscription gone (or all of them, when WeChat says none is left), in one statement:
    two workers sending to the same student must not both read 2 and write 1."""
    quota = SubscriptionQuota.__table__.c
    remaining = 0 if everything else sa.case((quota.remaining > 0, quota.remaining - 1), else_=0)
    db.session.execute(
        sa.update(SubscriptionQuota.__table__)
        .where(quota.student_id == notification.student_id, quota.template_id == notification.template_id)
        .values(remaining=remaining)
    )


def _retry_or_fail(notification: Notification, now: datetime, error: str) -> str:
    if notification.attempts >= MAX_ATTEMPTS:
        _finish(notification, N.FAILED, error)
        return 'failed'
    _retry(notification, now + RETRY_BASE * 2 ** (notification.attempts - 1), error)
    return 'retried'


def _retry(notification: Notification, when: datetime, error: str) -> None:
    notification.status = N.PENDING
    notification.next_attempt_at = when
    notification.last_error = error


def _finish(notification: Notification, status: N, error: str | None) -> None:
    notification.status = status
    notification.last_error = error
