"""The commitment letter (承诺书): rendered with the student's data, signed by drawing, sealed."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.registration import letters
from miniapp_backend.models.enums import RegistrationStatus


def _signature(ink: bool = True) -> bytes:
    image = Image.new('RGBA', (400, 160), (255, 255, 255, 255))
    if ink:
        ImageDraw.Draw(image).line([(40, 120), (160, 40), (260, 120), (360, 40)], fill=(0, 0, 0, 255), width=6)
    data = io.BytesIO()
    image.save(data, 'PNG')
    return data.getvalue()


@pytest.fixture
def subsidised(zone, student, create_registration):
    return create_registration(student, zone, special_identity='subsistence_allowance')


def test_the_letter_names_the_student_school_zone_and_year(subsidised):
    text = letters.render(subsidised)
    for part in (subsidised.name, subsidised.id_number, subsidised.school.name, '宣城市', str(subsidised.year), '低保'):
        assert part in text


def test_a_signed_letter_verifies_and_any_change_breaks_the_seal(subsidised):
    letter = letters.sign(subsidised, _signature())
    assert letters.verify(letter)
    letter.text = letter.text.replace(subsidised.name, '王五')
    assert not letters.verify(letter)


def test_a_blank_canvas_or_a_non_png_is_not_a_signature(subsidised):
    with pytest.raises(EnrolmentError) as blank:
        letters.sign(subsidised, _signature(ink=False))
    assert blank.value.errors == {'file': ['未检测到签名笔迹，请重新签名']}
    with pytest.raises(EnrolmentError) as not_png:
        letters.sign(subsidised, b'GIF89a' + b'\x00' * 100)
    assert not_png.value.code == 'invalid_signature'
    assert subsidised.letter is None


def test_only_subsidised_students_sign_and_only_while_editable(zone, create_student, create_registration, subsidised):
    plain = create_registration(create_student(), zone)  # a student has one draft a year: another student's
    with pytest.raises(EnrolmentError) as refused:
        letters.sign(plain, _signature())
    assert refused.value.code == 'letter_not_required' and list(refused.value.errors) == ['special_identity']
    subsidised.status = RegistrationStatus.SUBMITTED
    with pytest.raises(EnrolmentError) as late:
        letters.sign(subsidised, _signature())
    assert late.value.code == 'invalid_state'
