"""Create's body is loaded by `inputs.LeanLoad` when every value is plain and valid, by marshmallow otherwise: the two
must load the same bodies to the same values, and every refusal is marshmallow's own (the same 422 answers)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from marshmallow import Schema, ValidationError

from tests.factories import registration_fields
from tests.hostile.values import hostile_value

BANK = {'bank_name': '中国银行', 'account_name': '张晓雨', 'account_no': '6217000012345678'}
#: Values near each field's edges, valid and not, besides the hostile ones.
EDGES = {
    'zone_code': ['341800', '34180', '3418000', ' 341800 ', '３４１８００', '341800\n'],
    'year': [2027, 2000, 2100, 1999, 2101, 2027.0, 2027.5, '2027', True, -1, 2**40],
    'name': ['张晓雨', 'x' * 30, 'x' * 31, ' 张 ', '', '\t张'],
    'id_type': ['resident_id', 'hk_macau_permit', 'passport', 'RESIDENT_ID'],
    'id_number': ['x' * 32, 'x' * 33, '  ', '340524200503140026'],
    'ethnicity': ['01', '56', '57', '97', '98', '99', '1', 1],
    'marital_status': ['unmarried', 'married', 'single', ''],
    'phone': ['13912345205', '1391234520', '23912345205', '139123452051', '13912345205 '],
    'residence_address': ['ab', 'a', 'x' * 200, 'x' * 201, 'a\nb', 'a\u2028b'],
    'hukou_region_code': ['340524', '34052', 'abcdef'],
    'school_code': ['10376', '', 'x' * 33],
    'student_no': ['2026001', '', 'x' * 32],
    'college': ['', 'x' * 128, 'x' * 129],
    'class_name': ['', '一班'],
    'identity': ['college_student', 'graduate', 'COLLEGE_STUDENT'],
    'special_identity': [None, 'orphan', 'disability', 'nobody', ''],
    'bank': [
        None,
        dict(BANK),
        {**BANK, 'account_no': '123'},
        {**BANK, 'extra': 1},
        {'bank_name': '中国银行'},
        {**BANK, 'bank_name': 1},
        [],
        'bank',
    ],
}
FIELDS = [*EDGES, 'surprise']


def _body(data) -> dict:
    body = registration_fields(bank=dict(BANK))
    for _ in range(data.draw(st.integers(0, 3), label='changes')):
        field = data.draw(st.sampled_from(FIELDS), label='field')
        change = data.draw(st.sampled_from(['drop', 'edge', 'hostile']), label='change')
        if change == 'drop':
            body.pop(field, None)
        elif change == 'edge' and field in EDGES:
            body[field] = data.draw(st.sampled_from(EDGES[field]), label='value')
        else:
            body[field] = data.draw(hostile_value(body.get(field)), label='value')
    return body


def _marshmallow(schema: Schema, body) -> tuple[dict | None, dict | None]:
    """(values, None) or (None, messages) from marshmallow's own load."""
    try:
        return Schema.load(schema, body), None
    except ValidationError as refusal:
        return None, refusal.normalized_messages()


@settings(max_examples=1500, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_lean_load_accepts_only_what_marshmallow_accepts_and_loads_the_same_values(data):
    from schemas.registrations import RegistrationInputSchema

    schema = RegistrationInputSchema()
    body = _body(data)
    values, messages = _marshmallow(schema, body)
    lean = schema.lean_load(body)
    if lean is not None:
        assert messages is None, (body, messages)
        assert list(lean.items()) == list(values.items())  # the same values, in the same order
    try:
        assert schema.load(body) == values and messages is None
    except ValidationError as refusal:
        assert refusal.normalized_messages() == messages


def test_a_plain_valid_body_takes_the_lean_path_and_a_patch_never_does():
    from schemas.registrations import RegistrationInputSchema, RegistrationPatchSchema

    for body in (registration_fields(), registration_fields(bank=dict(BANK), special_identity=None, year=2027)):
        assert RegistrationInputSchema().lean_load(body) == Schema.load(RegistrationInputSchema(), body)
    assert RegistrationPatchSchema().lean_load({'college': '计算机与信息学院'}) is None


@pytest.mark.parametrize(
    'changes',
    [
        lambda year: {'year': float(year)},  # marshmallow takes an integral float: the lean path leaves it to it
        lambda year: {'year': year, 'bank': dict(BANK), 'special_identity': None},
        lambda year: {'year': 1999},
        lambda year: {'phone': '139'},
        lambda year: {'bank': {**BANK, 'account_no': 'abc'}},
        lambda year: {'bank': {**BANK, 'account_name': ''}, 'name': ''},
        lambda year: {'surprise': 1},
        lambda year: {'name': None},
    ],
)
def test_create_answers_a_body_as_marshmallow_does(zone, student_client, changes):
    from schemas.registrations import RegistrationInputSchema

    student = student_client()
    student.put('/me/zone', json={'zone_code': zone.code})
    body = registration_fields(**changes(zone.year))
    values, messages = _marshmallow(RegistrationInputSchema(), body)
    response = student.post('/registrations', json=body)
    if messages is None:
        assert response.status_code == 201 and values['zone_code'] == zone.code, response.json
        return
    assert response.status_code == 422 and response.json['errors'] == _flat(messages), response.json


def _flat(messages: dict, prefix: str = '') -> dict[str, list[str]]:
    """marshmallow's messages as the API's errors name them (bank.account_no)."""
    flat = {}
    for field, found in messages.items():
        if isinstance(found, dict):
            flat.update(_flat(found, f'{prefix}{field}.'))
        else:
            flat[f'{prefix}{field}'] = found
    return flat
