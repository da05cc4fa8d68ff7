"""Confirming home-town suspensions: in-platform after the data upload delay, outside through the gateway."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from miniapp_backend.enrolment.suspension import decide
from miniapp_backend.extensions import db
from miniapp_backend.gateways import GatewayRejected, GatewayUnavailable, OriginGateway
from miniapp_backend.models import Suspension
from miniapp_backend.models.enums import SuspensionStatus
from miniapp_backend.unit_of_work import commit_batch

logger = logging.getLogger(__name__)

BATCH = 100
RECHECK = timedelta(minutes=1)
GATEWAY_DOWN_RETRY = timedelta(minutes=5)
REJECTED_MESSAGE = '原参保地系统未受理本次申请，请联系原参保地医保经办机构'


@dataclass
class SuspensionReport:
    confirmed: int = 0
    refused: int = 0
    pending: int = 0


def poll_suspensions(gateway: OriginGateway, now: datetime, batch: int = BATCH) -> SuspensionReport:
    """Due submitted suspensions only (partial index on next_check_at)."""
    query = (
        sa.select(Suspension)
        .where(Suspension.status == SuspensionStatus.SUBMITTED, Suspension.next_check_at <= now)
        .order_by(Suspension.next_check_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    report = SuspensionReport()
    for suspension in db.session.scalars(query).all():
        if suspension.origin_zone_id is not None:
            decide.confirm(suspension, now=now)
        else:
            _through_gateway(gateway, suspension, now)
        field = {SuspensionStatus.CONFIRMED: 'confirmed', SuspensionStatus.REFUSED: 'refused'}.get(
            suspension.status, 'pending'
        )
        setattr(report, field, getattr(report, field) + 1)
    commit_batch()
    return report


def _through_gateway(gateway: OriginGateway, suspension: Suspension, now: datetime) -> None:
    try:
        if suspension.gateway_ref is None:
            result = gateway.request_suspension(
                suspension.id_number,
                suspension.name,
                suspension.origin_zone_code,
                suspension.reason,
                suspension.suspend_from,
            )
            suspension.gateway_ref = result.ref
        else:
            result = gateway.get_suspension(suspension.gateway_ref)
    except GatewayUnavailable as exc:
        logger.warning('origin gateway unavailable for suspension %s: %s', suspension.id, exc)
        suspension.next_check_at = now + GATEWAY_DOWN_RETRY
        return
    except GatewayRejected:
        decide.refuse(suspension, message=REJECTED_MESSAGE, now=now)
        return
    if result.status == 'confirmed':
        decide.confirm(suspension, message=result.message or None, now=now)
    elif result.status == 'refused':
        decide.refuse(suspension, message=result.message or '原参保地未同意暂停参保', now=now)
    else:
        suspension.next_check_at = now + RECHECK
