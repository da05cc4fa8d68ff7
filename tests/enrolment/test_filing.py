"""Creating and submitting a registration, called as the API calls it, without HTTP."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.registration import filing
from miniapp_backend.enrolment.students.tokens import claims_of
from miniapp_backend.enrolment.zones.settings import SHANGHAI
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, Registration, Student
from miniapp_backend.models.base import utcnow
from tests.factories import make_id_number, registration_fields

COMPLETE = {'marital_status': 'unmarried', 'hukou_region_code': '340403'}


def _registrations() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


def test_create_refuses_a_person_in_normal_enrolment_elsewhere_naming_that_zone(zone, other_zone, student, insure):
    number = make_id_number()
    insure(number, other_zone, name='李云')
    with pytest.raises(EnrolmentError) as refused:
        filing.create(claims_of(student), registration_fields(id_number=number, name='李云'))
    assert (refused.value.code, refused.value.status) == ('already_enrolled', 409)
    assert refused.value.details == {'zone_code': '530000', 'zone_name': '云南省本级'}
    assert '云南省本级' in refused.value.message
    assert _registrations() == 0


def test_the_zone_is_named_only_to_whoever_types_the_name_on_file(zone, other_zone, student, insure):
    """An ID number with another name (a stranger's, or a typo) learns only that it is not eligible here: not
    where the person is enrolled, not that they are enrolled at all."""
    number = make_id_number()
    insure(number, other_zone, name='李云')
    for name in ('王小明', '李 云x'):
        with pytest.raises(EnrolmentError) as refused:
            filing.create(claims_of(student), registration_fields(id_number=number, name=name))
        assert (refused.value.code, refused.value.status) == ('not_eligible', 409)
        shown = f'{refused.value.message}{refused.value.details}{refused.value.errors}'
        assert '云南' not in shown and '530000' not in shown and '正常参保' not in shown
        assert refused.value.errors == {'id_number': [refused.value.message]}
    assert _registrations() == 0
    # The same answer as for someone whose ID number is simply in an active registration under another name.
    other = make_id_number()
    insure(other, other_zone, name='赵四')
    with pytest.raises(EnrolmentError) as second:
        filing.create(claims_of(student), registration_fields(id_number=other, name='王小明'))
    assert second.value.message == refused.value.message


def test_a_suspended_or_ended_enrolment_elsewhere_does_not_block(zone, other_zone, create_student, insure):
    suspended, ended = make_id_number(), make_id_number()
    insure(suspended, other_zone, status='suspended', until=utcnow().date() + timedelta(days=30))
    insure(ended, other_zone, until=utcnow().date() - timedelta(days=1))
    filing.create(claims_of(create_student()), registration_fields(id_number=suspended))
    filing.create(claims_of(create_student()), registration_fields(id_number=ended))
    assert _registrations() == 2


def test_one_open_draft_per_student_zone_and_year(zone, student):
    first = filing.create(claims_of(student), registration_fields())
    with pytest.raises(EnrolmentError) as refused:
        filing.create(claims_of(student), registration_fields())
    assert refused.value.code == 'draft_exists' and refused.value.details == {'registration_id': first.id}


def test_create_outside_the_window_is_refused_with_its_dates(create_zone, student):
    closed = create_zone(window_opens_at=utcnow() - timedelta(days=60), window_closes_at=utcnow() - timedelta(days=1))
    with pytest.raises(EnrolmentError) as refused:
        filing.create(claims_of(student), registration_fields())
    assert refused.value.code == 'window_closed'
    assert f'{closed.window_closes_at.astimezone(SHANGHAI):%Y-%m-%d}' in refused.value.message  # Beijing's date


def test_submit_names_every_missing_field(zone, student):
    draft = filing.create(
        claims_of(student),
        {'zone_code': '341800', 'name': '张晓雨', 'id_type': 'resident_id', 'id_number': make_id_number()},
    )
    with pytest.raises(EnrolmentError) as refused:
        filing.submit(draft.id, claims_of(student))
    assert (refused.value.code, refused.value.status) == ('incomplete', 422)
    assert set(refused.value.errors) == {
        'ethnicity',
        'marital_status',
        'phone',
        'residence_address',
        'hukou_address',
        'hukou_region_code',
        'school_id',
        'student_no',
    }
    assert draft.status == 'draft'


def test_a_subsidised_student_signs_the_letter_before_submitting(zone, student):
    draft = filing.create(claims_of(student), registration_fields(special_identity='subsistence_allowance'))
    with pytest.raises(EnrolmentError) as refused:
        filing.submit(draft.id, claims_of(student))
    assert refused.value.code == 'letter_required'


def test_submit_moves_to_the_first_review_stage_with_its_audit_row(create_zone, student):
    create_zone(review_stages=['counsellor', 'college', 'school'])
    draft = filing.create(claims_of(student), registration_fields())
    submitted = filing.submit(draft.id, claims_of(student))
    assert (submitted.status, submitted.stage) == ('submitted', 'counsellor')
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.registration_id == draft.id)).one()
    assert (event.from_status, event.to_status, event.actor_type) == ('draft', 'submitted', 'student')


def test_a_submission_that_loses_the_race_keeps_the_callers_transaction(zone, create_student, create_registration):
    """The database's unique index decides a race the Python check cannot see; only the submission is undone."""
    number = make_id_number()
    student = create_student()
    mine = create_registration(student, zone, id_number=number, **COMPLETE)
    theirs = create_registration(create_student(), zone, id_number=number, **COMPLETE)
    rival = db.engine.connect()  # another request submitting the same person, not yet committed
    rival.execute(
        sa.text("UPDATE registrations SET status = 'submitted', stage = 'centre' WHERE id = :id"), {'id': theirs.id}
    )
    committer = threading.Timer(1.0, rival.commit)
    violations = []

    def seen(context):
        violations.append(type(context.sqlalchemy_exception).__name__)

    sa.event.listen(db.engine, 'handle_error', seen)
    student.phone = '13800000001'  # earlier work of the caller's transaction
    committer.start()
    try:
        with pytest.raises(EnrolmentError) as refused:
            filing.submit(mine.id, claims_of(student))
    finally:
        committer.join()
        rival.close()
        sa.event.remove(db.engine, 'handle_error', seen)
    assert refused.value.code == 'already_enrolled'
    assert violations == ['IntegrityError']  # the index decided, not the check before it
    db.session.commit()  # the caller's transaction is still usable and keeps its own work
    db.session.expire_all()
    assert db.session.get(Student, student.id).phone == '13800000001'
    assert db.session.get(Registration, mine.id).status == 'draft'
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_a_submission_whose_registration_moved_on_meanwhile_writes_nothing(zone, student):
    """The write applies only while the row has the status the rules saw: withdrawn between the read and the write,
    the submission is refused and leaves no audit row, statistics delta or message."""
    from miniapp_backend.enrolment.actors import Actor
    from miniapp_backend.enrolment.registration import rows
    from miniapp_backend.enrolment.registration.states import Action, TransitionRefused, transition_row
    from miniapp_backend.models import Notification, RegistrationCountDelta

    draft = filing.create(claims_of(student), registration_fields())
    db.session.commit()
    read = rows.for_submit(draft.id, claims_of(student), utcnow().date())
    with db.engine.begin() as other:  # the student withdraws it in another request
        other.execute(sa.text("UPDATE registrations SET status = 'withdrawn' WHERE id = :id"), {'id': draft.id})
    deltas = db.session.scalar(sa.select(sa.func.count()).select_from(RegistrationCountDelta))
    with pytest.raises(TransitionRefused):
        transition_row(read, Action.SUBMIT, Actor.student(student.id))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistrationCountDelta)) == deltas
    assert db.session.get(Registration, draft.id).status == 'withdrawn'


def test_a_submission_of_a_registration_edited_meanwhile_writes_nothing(zone, student):
    """The rules checked what the read saw: an edit between the read and the write (another request's PATCH, which
    may void a signed letter or change the identity the checks depend on) refuses the submission, which writes
    nothing; the student sees the edit and submits again."""
    from miniapp_backend.enrolment.actors import Actor
    from miniapp_backend.enrolment.registration import rows
    from miniapp_backend.enrolment.registration.states import Action, TransitionRefused, transition_row
    from miniapp_backend.models import Notification

    draft = filing.create(claims_of(student), registration_fields())
    db.session.commit()
    read = rows.for_submit(draft.id, claims_of(student), utcnow().date())
    filing.update(db.session.get(Registration, draft.id), {'phone': '13900001111'})  # the other request's edit
    db.session.commit()
    with pytest.raises(TransitionRefused) as refused:
        transition_row(read, Action.SUBMIT, Actor.student(student.id))
    db.session.commit()
    assert refused.value.code == 'changed' and '刷新' in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    edited = db.session.get(Registration, draft.id)
    assert (edited.status, edited.phone) == ('draft', '13900001111')
    submitted = filing.submit(draft.id, claims_of(student))  # read again: the edit is what gets checked
    assert submitted.status == 'submitted'
