"""Each student sees only their own records; bad input gets the documented 4xx and changes nothing."""

from __future__ import annotations

import io
import json
import threading

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.exceptions import GatewayTimeout, InternalServerError, ServiceUnavailable

from miniapp_backend.demo import seed_demo
from miniapp_backend.extensions import db
from miniapp_backend.models import (
    AuditEvent,
    CommitmentLetter,
    Document,
    Notification,
    Registration,
    Student,
    Suspension,
    Zone,
)
from tests.api.conftest import StudentClient, photo_jpeg, signature_png
from tests.factories import make_id_number, registration_fields

TABLES = (Registration, Suspension, Document, CommitmentLetter, AuditEvent)


def _snapshot():
    db.session.expire_all()
    return [db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in TABLES] + [
        [
            (r.status, r.student_no, r.phone)
            for r in db.session.scalars(sa.select(Registration).order_by(Registration.id))
        ]
    ]


@pytest.fixture
def seeded(app):
    seed_demo()
    db.session.commit()


@pytest.fixture
def owner_and_other(seeded, student_client):
    owner, other = student_client(), student_client()
    owner.put('/me/zone', json={'zone_code': '341800'})
    fields = registration_fields(special_identity='orphan')
    created = owner.post('/registrations', json=fields)
    owner.prove_by_face(fields['id_number'], fields['name'])
    suspension = owner.post(
        '/suspensions',
        json={'origin_zone_code': '340400', 'reason': '在学籍地参保', 'suspend_from': '2026-12-01', 'consent': True},
    )
    return owner, other, created.json['id'], suspension.json['id']


def test_another_students_records_are_not_found(owner_and_other):
    owner, other, registration_id, suspension_id = owner_and_other
    item = f'/registrations/{registration_id}'
    calls = [
        ('get', item),
        ('patch', item),
        ('post', f'{item}/submit'),
        ('post', f'{item}/withdraw'),
        ('get', f'{item}/commitment-letter'),
        ('get', f'{item}/payment'),
        ('get', f'{item}/payment/qr.png'),
        ('get', f'{item}/receipts'),
        ('get', f'{item}/certificate'),
        ('get', f'/suspensions/{suspension_id}'),
    ]
    before = _snapshot()
    for method, path in calls:
        response = (
            getattr(other, method)(path, json={'student_no': 'x'})
            if method == 'patch'
            else getattr(other, method)(path)
        )
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json['code'] == 'not_found'
    for path in (f'{item}/id-photo', f'{item}/commitment-letter'):
        assert other.upload(path, signature_png()).status_code == 404
    assert _snapshot() == before
    assert owner.get(item).status_code == 200


@pytest.mark.parametrize(
    ('headers', 'code'),
    [
        ({}, 'unauthorized'),
        ({'Authorization': 'Bearer forged.token.value'}, 'invalid_token'),
        ({'Authorization': 'Basic abc'}, 'unauthorized'),
    ],
)
def test_missing_and_forged_tokens(client, seeded, headers, code):
    response = client.get('/api/v1/me', headers=headers)
    assert response.status_code == 401 and response.json['code'] == code and response.json['message']


def test_expired_and_revoked_tokens(app, client, student_client, monkeypatch):
    student = student_client()
    app.config['API_TOKEN_TTL'] = -1
    try:
        response = student.get('/me')
    finally:
        app.config['API_TOKEN_TTL'] = 3600
    assert response.status_code == 401 and response.json['code'] == 'token_expired'
    db.session.get(Student, student.student_id).token_version += 1
    db.session.commit()
    assert student.get('/me').json['code'] == 'invalid_token'


def test_create_and_submit_check_the_token_version_themselves(zone, student_client):
    """Create and submit check the token's version in their own first statement: a revoked token is refused before
    anything is written, and a registration that does not exist answers 401 to it, not 404."""
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    draft = student.post('/registrations', json=registration_fields()).json['id']
    db.session.get(Student, student.student_id).token_version += 1
    db.session.commit()
    refused = [
        student.post('/registrations', json=registration_fields()),
        student.post('/registrations', json=registration_fields(zone_code='999999')),
        student.post(f'/registrations/{draft}/submit'),
        student.post('/registrations/99999/submit'),
    ]
    assert [(r.status_code, r.json['code']) for r in refused] == [(401, 'invalid_token')] * 4
    db.session.expire_all()
    assert db.session.get(Registration, draft).status == 'draft'
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


@pytest.mark.parametrize(
    ('changes', 'field'),
    [
        ({'id_number': '340524198001010011'}, 'id_number'),
        ({'id_number': '34052419800230001X'}, 'id_number'),
        ({'id_number': 12345}, 'id_number'),
        ({'phone': '1234'}, 'phone'),
        ({'name': ''}, 'name'),
        ({'id_type': 'passport'}, 'id_type'),
        ({'ethnicity': '99'}, 'ethnicity'),
        ({'school_code': 'NOPE'}, 'school_code'),
        ({'zone_code': 'abc'}, 'zone_code'),
        ({'zone_code': '999999'}, 'zone_code'),
        ({'bank': {'bank_name': '中国银行', 'account_name': '张', 'account_no': 'abc'}}, 'bank.account_no'),
        ({'surprise': 1}, 'surprise'),
    ],
)
def test_bad_registration_fields_name_the_field(seeded, student_client, changes, field):
    student = student_client()
    before = _snapshot()
    fields = registration_fields(**changes)
    response = student.post('/registrations', json=fields)
    assert response.status_code == 422, response.json
    assert field in response.json['errors'] and response.json['message']
    assert _snapshot() == before


def test_a_masked_value_typed_onto_and_sent_back_is_refused_on_its_field(seeded, student_client):
    """The response masks addresses (安徽省淮南市****); a correction typed after the mask must not be stored as data."""
    student = student_client()
    created = student.post('/registrations', json=registration_fields())
    registration_id = created.json['id']
    shown = created.json['hukou_address']
    assert '*' in shown
    before = _snapshot()
    for changes, field in (
        ({'hukou_address': f'{shown}洞山路12号'}, 'hukou_address'),
        ({'residence_address': '安徽省宣城市＊＊＊＊'}, 'residence_address'),
        ({'residence_address': '安徽省宣城市∗∗∗∗'}, 'residence_address'),
        ({'hukou_address': '安徽省淮南市﹡﹡✱⁎'}, 'hukou_address'),
        ({'hukou_region_name': '安徽省 淮南市 ***'}, 'hukou_region_name'),
        (
            {'bank': {'bank_name': '中国银行', 'account_name': '张*', 'account_no': '621700001234567890'}},
            'bank.account_name',
        ),
    ):
        refused = student.patch(f'/registrations/{registration_id}', json=changes)
        assert refused.status_code == 422 and field in refused.json['errors'], refused.json
        assert '不能保留带 * 号' in str(refused.json['errors'])
    assert _snapshot() == before
    stored = db.session.get(Registration, registration_id)
    assert stored.hukou_address == registration_fields()['hukou_address']


@pytest.mark.parametrize('control', ['\u202e', '\u202a', '\u2067', '\u2069', '\u200b', '\u200f', '\u2060', '\ufeff'])
@pytest.mark.parametrize('escaped', [True, False])
def test_a_bidirectional_control_in_a_field_is_refused_on_it(seeded, student_client, control, escaped):
    """U+202E would show 张三\u202e99 as 张三99 reversed on the desk and in exports, U+200B makes two names that look
    alike: refused, raw or escaped."""
    student = student_client()
    before = _snapshot()
    fields = {**registration_fields(), 'name': f'张{control}三'}
    refused = student.client.post(
        '/api/v1/registrations',
        data=json.dumps(fields, ensure_ascii=escaped).encode(),
        content_type='application/json',
        headers=student.auth_headers(),
    )
    assert refused.status_code == 422 and refused.json['errors'] == {'name': ['不能包含控制字符或无法识别的字符']}
    assert _snapshot() == before


def test_a_save_that_would_move_a_registration_to_another_zone_or_year_is_refused(seeded, student_client):
    student = student_client()
    created = student.post('/registrations', json=registration_fields())
    path = f'/registrations/{created.json["id"]}'
    before = _snapshot()
    for changes, field in (
        ({'zone_code': '999999'}, 'zone_code'),
        ({'zone_code': '370200'}, 'zone_code'),
        ({'year': 2030}, 'year'),
    ):
        refused = student.patch(path, json=changes)
        assert refused.status_code == 422 and list(refused.json['errors']) == [field], refused.json
    assert _snapshot() == before
    same = student.patch(path, json={'zone_code': '341800', 'year': created.json['year'], 'phone': '13900001111'})
    assert same.status_code == 200 and same.json['zone_code'] == '341800', same.json


def test_missing_fields_and_malformed_bodies(seeded, student_client):
    student = student_client()
    before = _snapshot()
    missing = student.post('/registrations', json={'zone_code': '341800'})
    assert missing.status_code == 422 and {'name', 'id_type', 'id_number'} <= set(missing.json['errors'])
    raw = student.client.post(
        '/api/v1/registrations',
        data='{not json',
        content_type='application/json',
        headers={'Authorization': f'Bearer {student.token}'},
    )
    assert raw.status_code in (400, 422) and 'code' in raw.json
    assert (
        student.post(
            '/suspensions',
            json={
                'origin_zone_code': '340400',
                'reason': '在学籍地参保',
                'suspend_from': '2026-12-01',
                'consent': False,
            },
        ).status_code
        == 422
    )
    assert (
        student.post(
            '/suspensions',
            json={'origin_zone_code': '340400', 'reason': '在学籍地参保', 'suspend_from': 'tomorrow', 'consent': True},
        ).status_code
        == 422
    )
    for consent in ('true', 1, 'yes'):  # consent is the box ticked, true itself, nothing that could pass for it
        refused = student.post(
            '/suspensions',
            json={
                'origin_zone_code': '340400',
                'reason': '在学籍地参保',
                'suspend_from': '2026-12-01',
                'consent': consent,
            },
        )
        assert refused.status_code == 422 and refused.json['errors'] == {'consent': ['应为是或否']}, refused.json
    for name in ('\u200b', '张*', '张＊三', 'ㅤ', '⠀⠀', '李\u00ad云', '李٭٭', '李⋆⋆', '张3', '张 三', '李\u034f云'):
        refused = student.post('/registrations', json={**registration_fields(), 'name': name})
        assert refused.status_code == 422 and list(refused.json['errors']) == ['name'], (name, refused.json)
    assert student.post('/subscriptions', json={'accepted': 'tpl'}).status_code == 422
    assert student.post('/auth/login', json={}).status_code == 422
    assert student.put('/me/zone', json={'zone_code': 341800}).status_code == 422
    assert _snapshot() == before


def test_invalid_login_code_and_unreachable_wechat(app, client, fake_wechat):
    assert client.post('/api/v1/auth/login', json={'code': 'bad'}).json['code'] == 'invalid_code'
    fake_wechat.script('/sns/jscode2session', [{'status': 502}])
    response = client.post('/api/v1/auth/login', json={'code': 'code-x'})
    assert response.status_code == 503 and response.json['code'] == 'wechat_unavailable'
    fake_wechat.script('/sns/jscode2session', [{'errcode': 45011}])
    assert client.post('/api/v1/auth/login', json={'code': 'code-y'}).status_code == 429
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Student)) == 0


def test_login_is_throttled(app, client, fake_wechat):
    per_code = int(app.config['STUDENT_LOGIN_CODE_RATE'].split()[0])
    codes = [client.post('/api/v1/auth/login', json={'code': 'bad'}).status_code for _ in range(per_code + 2)]
    assert codes[:per_code] == [401] * per_code and codes[per_code:] == [429, 429]


def _png(width, height, ink=True) -> bytes:
    from tests.api.conftest import signature_png as make

    return make(width, height, ink)


@pytest.mark.parametrize(
    ('path', 'data', 'status', 'code'),
    [
        ('id-photo', b'not an image at all', 422, 'invalid_image'),
        ('id-photo', b'GIF89a' + b'\x00' * 100, 422, 'invalid_image'),
        ('id-photo', b'\xff\xd8\xff' + b'\x00' * 100, 422, 'invalid_image'),
        ('id-photo', b'\xff\xd8\xff' + b'\x00' * (5 * 1024 * 1024 + 10), 413, 'too_large'),
        ('id-photo', b'', 422, 'validation_error'),
        ('commitment-letter', photo_jpeg(), 422, 'invalid_signature'),
        ('commitment-letter', _png(20, 20), 422, 'invalid_signature'),
        ('commitment-letter', _png(5000, 300), 422, 'invalid_signature'),
        ('commitment-letter', _png(600, 240, ink=False), 422, 'invalid_signature'),
    ],
)
def test_bad_uploads_are_refused(owner_and_other, path, data, status, code):
    owner, _, registration_id, _ = owner_and_other
    before = _snapshot()
    response = owner.upload(f'/registrations/{registration_id}/{path}', data)
    assert response.status_code == status, response.json
    assert response.json['code'] == code
    if status == 413 or code.startswith('invalid'):
        assert response.json['errors'] == {'file': [response.json['message']]}
    assert _snapshot() == before


def test_an_upload_beyond_the_request_limit(owner_and_other, app):
    owner, _, registration_id, _ = owner_and_other
    response = owner.upload(
        f'/registrations/{registration_id}/id-photo', b'\xff' * (app.config['MAX_CONTENT_LENGTH'] + 1)
    )
    assert response.status_code == 413 and response.json['code'] == 'too_large'
    assert response.json['errors'] == {'file': ['上传内容过大']}


def test_a_huge_png_is_not_decoded(owner_and_other):
    owner, _, registration_id, _ = owner_and_other
    image = Image.new('1', (30000, 30000))
    out = io.BytesIO()
    image.save(out, 'PNG')
    response = owner.upload(f'/registrations/{registration_id}/id-photo', out.getvalue())
    assert response.status_code == 422 and response.json['code'] == 'image_too_large'


def test_window_closed(app, seeded, student_client):
    from miniapp_backend.models import Zone
    from miniapp_backend.models.base import utcnow

    db.session.scalars(sa.select(Zone).where(Zone.code == '341800')).one().window_closes_at = utcnow()
    db.session.commit()
    response = student_client().post('/registrations', json=registration_fields())
    assert response.status_code == 409 and response.json['code'] == 'window_closed'


def test_wrong_state_actions(owner_and_other):
    owner, _, registration_id, _ = owner_and_other
    assert owner.get(f'/registrations/{registration_id}/payment').json['code'] == 'invalid_state'
    assert owner.get(f'/registrations/{registration_id}/certificate').status_code == 409
    assert owner.post(f'/registrations/{registration_id}/withdraw').json['status'] == 'withdrawn'
    response = owner.post(f'/registrations/{registration_id}/submit')
    assert response.status_code == 409 and response.json['code'] == 'invalid_state'


def test_twenty_simultaneous_submissions_leave_one_active_registration(app, seeded, client, fake_wechat):
    id_number = make_id_number()
    students = [StudentClient(client, f'race{n}') for n in range(20)]
    drafts = []
    for student in students:
        student.put('/me/zone', json={'zone_code': '341800'})
        response = student.post('/registrations', json=registration_fields(id_number=id_number))
        assert response.status_code == 201, response.json
        drafts.append(response.json['id'])
    barrier = threading.Barrier(20)
    results = []

    def submit(student, registration_id):
        with app.app_context():
            own = app.test_client()
            barrier.wait()
            response = own.post(
                f'/api/v1/registrations/{registration_id}/submit', headers={'Authorization': f'Bearer {student.token}'}
            )
            results.append(
                (response.status_code, json.loads(response.data)['code'] if response.status_code != 200 else 'ok')
            )
            db.session.remove()

    threads = [threading.Thread(target=submit, args=pair) for pair in zip(students, drafts, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results).count((200, 'ok')) == 1
    assert sorted(results)[1:] == [(409, 'already_enrolled')] * 19
    db.session.expire_all()
    statuses = db.session.scalars(sa.select(Registration.status).where(Registration.id.in_(drafts))).all()
    assert sorted(statuses).count('submitted') == 1 and len(statuses) == 20


@pytest.mark.parametrize(
    ('error', 'code', 'message'),
    [
        (InternalServerError(), 'server_error', '服务暂时出现问题，请稍后再试'),
        (ServiceUnavailable(), 'unavailable', '服务暂时不可用，请稍后再试'),
        (GatewayTimeout(), 'error', '服务暂时出现问题，请稍后再试'),
    ],
)
def test_a_server_error_answers_the_student_in_chinese(app, error, code, message):
    """Werkzeug's descriptions ("The server encountered an internal error…") are never what a student reads."""
    with app.test_request_context('/api/v1/me'):
        response = app.make_response(app.handle_http_exception(error))
    assert response.status_code == error.code
    assert response.json == {'code': code, 'message': message, 'errors': {}}


@pytest.mark.parametrize(
    'stored',
    [
        {'submitted': {'template_id': 'tpl-submitted', 'fields': ['thing1']}},
        {'submitted': {'template_id': ['tpl-submitted'], 'fields': {}}, 'approved': {'template_id': 'tpl-approved'}},
        {'submitted': 'tpl-submitted', 'approved': {'template_id': 'tpl-approved', 'fields': {'thing1': 7}}},
        ['tpl-submitted'],
    ],
)
def test_templates_saved_as_json_before_the_form_checked_them_never_stop_a_zone(seeded, student_client, stored):
    """Submitting (which writes the 受理 message) and subscribing still answer; the malformed kinds are unused."""
    zone = db.session.scalars(sa.select(Zone).where(Zone.code == '341800')).one()
    zone.message_templates = stored
    db.session.commit()
    student = student_client()
    created = student.post('/registrations', json=registration_fields())
    assert created.status_code == 201, created.json
    submitted = student.post(f'/registrations/{created.json["id"]}/submit')
    assert submitted.status_code == 200, submitted.json
    accepted = student.post('/subscriptions', json={'accepted': ['tpl-submitted', 'tpl-approved']})
    assert accepted.status_code == 200, accepted.json
    message = db.session.scalars(sa.select(Notification).where(Notification.student_id == student.student_id)).one()
    assert message.template_id is None


def _camera_jpeg(orientation: int | None = None, second_picture: bool = False) -> bytes:
    """800×400 pixels as a phone stores them: a portrait shot carries Orientation 6, an HDR one a second picture."""
    image = Image.new('RGB', (800, 400), (200, 210, 220))
    image.paste((20, 20, 20), (0, 0, 100, 400))  # a dark band on the stored left: the top once upright
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    if second_picture:
        image.save(out, 'MPO', save_all=True, append_images=[image.convert('L').convert('RGB')])
    else:
        image.save(out, 'JPEG', exif=exif)
    return out.getvalue()


def test_phone_camera_photos_are_kept_upright_and_hdr_ones_accepted(seeded, student_client):
    student = student_client()
    registration_id = student.post('/registrations', json=registration_fields()).json['id']

    def kept_after(data: bytes) -> Image.Image:
        uploaded = student.upload(f'/registrations/{registration_id}/id-photo', data, 'photo.jpg')
        assert uploaded.status_code == 200, uploaded.json
        db.session.expire_all()
        stored = db.session.scalars(sa.select(Document).where(Document.registration_id == registration_id)).one()
        kept = Image.open(io.BytesIO(stored.data))
        assert kept.format == 'JPEG' and not kept.getexif()
        return kept

    hdr = _camera_jpeg(second_picture=True)
    assert Image.open(io.BytesIO(hdr)).format == 'MPO'
    assert kept_after(hdr).size == (800, 400)
    portrait = kept_after(_camera_jpeg(orientation=6))
    assert portrait.size == (400, 800)
    assert portrait.getpixel((200, 20))[0] < 80 and portrait.getpixel((200, 780))[0] > 150  # the dark band on top


@pytest.mark.parametrize('name', ['阿依古丽·买买提', '李〇', '𠮷野家', 'ZHANG SAN', "Anne-Marie O'Neil"])
def test_names_as_id_cards_and_residence_permits_write_them_are_taken(seeded, student_client, name):
    created = student_client().post('/registrations', json={**registration_fields(), 'name': name})
    assert created.status_code == 201 and created.json['name'] == name, created.json
