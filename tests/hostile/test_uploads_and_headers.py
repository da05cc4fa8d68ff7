"""Pixel floods and polyglot images at the upload boundary; the headers every answer and the admin page carry."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
import sqlalchemy as sa
from PIL import Image

from miniapp_backend.demo import seed_demo
from miniapp_backend.extensions import db
from miniapp_backend.models import CommitmentLetter, Document
from tests.admin.test_admin import login
from tests.api.conftest import StudentClient, signature_png
from tests.factories import registration_fields


@pytest.fixture
def owner_and_other(app, client, fake_wechat):
    """A student with a draft registration that needs a signed commitment letter."""
    seed_demo()
    db.session.commit()
    owner = StudentClient(client, 'uploader')
    owner.put('/me/zone', json={'zone_code': '341800'})
    created = owner.post('/registrations', json=registration_fields(special_identity='orphan'))
    assert created.status_code == 201, created.json
    return owner, None, created.json['id'], None


def _png(width: int, height: int, mode: str = 'RGB') -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), 'white' if mode == 'RGB' else 1).save(out, 'PNG')
    return out.getvalue()


@pytest.mark.parametrize(
    ('size', 'code'),
    [((6300, 6300), 'image_too_large'), ((70000, 120), 'image_too_large'), ((4100, 4100), 'image_too_large')],
)
def test_a_pixel_flood_is_refused_from_its_header(owner_and_other, size, code):
    owner, _, registration_id, _ = owner_and_other
    data = _png(*size, mode='1')
    assert len(data) < 400_000  # small on the wire, huge once decoded
    response = owner.upload(f'/registrations/{registration_id}/id-photo', data)
    assert response.status_code == 422 and response.json['code'] == code, response.json
    assert '像素' in response.json['message'] and response.json['errors'] == {'file': [response.json['message']]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0


def test_a_large_photo_is_kept_smaller_and_served_with_nosniff(owner_and_other, client, create_reviewer):
    owner, _, registration_id, _ = owner_and_other
    image = Image.new('RGB', (3900, 3000), (120, 130, 140))
    out = io.BytesIO()
    image.save(out, 'JPEG')
    assert owner.upload(f'/registrations/{registration_id}/id-photo', out.getvalue()).status_code == 200
    kept = db.session.scalars(sa.select(Document)).one()
    assert max(Image.open(io.BytesIO(kept.data)).size) == 2000


def test_a_signature_is_reencoded_so_appended_script_is_gone(owner_and_other, client, create_reviewer):
    owner, _, registration_id, _ = owner_and_other
    polyglot = signature_png() + b'<script>alert(document.cookie)</script>'
    response = owner.upload(f'/registrations/{registration_id}/commitment-letter', polyglot)
    assert response.status_code == 200, response.json
    letter = db.session.scalars(sa.select(CommitmentLetter)).one()
    assert b'<script>' not in letter.signature_png
    assert Image.open(io.BytesIO(letter.signature_png)).size == (600, 240)
    create_reviewer('centre', role='centre_reviewer')
    login(client, 'centre')
    served = client.get(f'/admin/registrations/{registration_id}/signature')
    assert served.status_code == 200 and served.mimetype == 'image/png'
    assert served.headers['X-Content-Type-Options'] == 'nosniff' and served.headers['Cache-Control'] == 'no-store'
    assert b'<script>' not in served.data


@pytest.mark.parametrize('kind', [b'zTXt', b'iTXt', b'iCCP'])
def test_a_signature_whose_chunk_inflates_past_pillows_cap_is_refused_on_its_field(owner_and_other, kind):
    """A 4 KB PNG whose text or colour-profile chunk inflates to 3 MB: 422 naming the file, nothing kept."""
    owner, _, registration_id, _ = owner_and_other
    body = {
        b'zTXt': b'c\0\0' + zlib.compress(b'A' * 3_000_000),
        b'iTXt': b'c\0\1\0\0\0' + zlib.compress(b'A' * 3_000_000),
        b'iCCP': b'p\0\0' + zlib.compress(b'A' * 3_000_000),
    }[kind]
    chunk = struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body))
    signature = signature_png()
    hostile = signature[:33] + chunk + signature[33:]  # after IHDR
    assert len(hostile) < 20_000
    response = owner.upload(f'/registrations/{registration_id}/commitment-letter', hostile)
    assert response.status_code == 422, response.json
    assert response.json['errors'] == {'file': ['签名图片无效，请重新签名']}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommitmentLetter)) == 0


def test_admin_pages_carry_security_headers(client, create_reviewer, zone):
    create_reviewer('centre')
    for response in (client.get('/admin/login'), login(client, 'centre'), client.get('/admin/')):
        headers = response.headers
        csp = headers['Content-Security-Policy']
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp
        assert "'unsafe-inline'" not in csp.split('script-src')[1].split(';')[0]
        assert headers['X-Content-Type-Options'] == 'nosniff' and headers['X-Frame-Options'] == 'DENY'
        assert headers['Referrer-Policy'] == 'same-origin' and headers['Cache-Control'] == 'no-store'
        assert 'Strict-Transport-Security' not in headers  # only in production, behind TLS


def test_hsts_in_production(app, client):
    app.config['PRODUCTION'] = True
    try:
        response = client.get('/admin/login')
    finally:
        app.config['PRODUCTION'] = False
    assert response.headers['Strict-Transport-Security'].startswith('max-age=31536000')


def test_api_answers_are_not_cached_or_sniffed(client, zone):
    response = client.get('/api/v1/zones')
    assert response.headers['Cache-Control'] == 'no-store' and response.headers['X-Content-Type-Options'] == 'nosniff'
