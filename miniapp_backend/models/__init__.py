"""SQLAlchemy 2.0 typed models for every entity of DESIGN §3 and §5."""

from miniapp_backend.models.audit import AuditEvent
from miniapp_backend.models.counts import (
    RegistrationCount,
    RegistrationCountDelta,
    RegistrationDay,
    RegistrationDayDelta,
)
from miniapp_backend.models.exports import ExportJob
from miniapp_backend.models.identity import IdentityProof
from miniapp_backend.models.imports import ImportJob, ImportRowError
from miniapp_backend.models.insured import InsuredPerson, SubsidisedPerson
from miniapp_backend.models.notification import Notification, SubscriptionQuota
from miniapp_backend.models.owed import OwedBump
from miniapp_backend.models.payment import Payment
from miniapp_backend.models.people import Reviewer, Student
from miniapp_backend.models.registration import CommitmentLetter, Document, Registration
from miniapp_backend.models.roster import RosterEntry
from miniapp_backend.models.suspension import Suspension
from miniapp_backend.models.zone import College, School, SchoolClass, Zone

__all__ = [
    'AuditEvent',
    'College',
    'CommitmentLetter',
    'Document',
    'ExportJob',
    'IdentityProof',
    'ImportJob',
    'ImportRowError',
    'InsuredPerson',
    'Notification',
    'OwedBump',
    'Payment',
    'Registration',
    'RegistrationCount',
    'RegistrationCountDelta',
    'RegistrationDay',
    'RegistrationDayDelta',
    'Reviewer',
    'RosterEntry',
    'School',
    'SchoolClass',
    'Student',
    'SubscriptionQuota',
    'SubsidisedPerson',
    'Suspension',
    'Zone',
]
