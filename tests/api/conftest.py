from __future__ import annotations

import io
import itertools
from datetime import date

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw

_codes = itertools.count(1)


class StudentClient:
    """A student in the mini-program: logs in through the fake WeChat server and calls the API."""

    def __init__(self, client, name: str):
        self.client = client
        response = client.post('/api/v1/auth/login', json={'code': f'code-{name}-{next(_codes)}'})
        assert response.status_code == 200, response.json
        self.token = response.json['token']
        self.student_id = response.json['student']['id']

    def auth_headers(self):
        return {'Authorization': f'Bearer {self.token}'}

    def get(self, path, **kwargs):
        return self.client.get(f'/api/v1{path}', headers=self.auth_headers(), **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.client.post(f'/api/v1{path}', json=json, headers=self.auth_headers(), **kwargs)

    def put(self, path, json=None):
        return self.client.put(f'/api/v1{path}', json=json, headers=self.auth_headers())

    def patch(self, path, json=None):
        return self.client.patch(f'/api/v1{path}', json=json, headers=self.auth_headers())

    def prove_by_face(self, id_number: str, name: str) -> None:
        """WeChat face verification as the page runs it: a verify_id from the backend, wx.requestFacialVerify
        (the fake WeChat server answers 10000 unless a test scripts otherwise), then the backend's result check."""
        from miniapp_backend.extensions import db
        from miniapp_backend.models import Zone

        db.session.execute(sa.update(Zone).values(face_verification=True))
        db.session.commit()
        started = self.post('/identity/face', {'id_type': 'resident_id', 'id_number': id_number, 'name': name})
        assert started.status_code == 201, started.json
        result = self.post('/identity/face/result', {'verify_id': started.json['verify_id']})
        assert result.json['status'] == 'passed', result.json

    def request_suspension(self, id_number: str, name: str):
        """The suspension form as a student sends it: home town 云南省本级, from today, with consent."""
        return self.post(
            '/suspensions',
            {
                'origin_zone_code': '530000',
                'reason': '在学籍地参加城乡居民医保',
                'suspend_from': date.today().isoformat(),
                'consent': True,
                'id_number': id_number,
                'name': name,
            },
        )

    def upload(self, path, data: bytes, filename='file.png'):
        return self.client.post(
            f'/api/v1{path}',
            data={'file': (io.BytesIO(data), filename)},
            headers=self.auth_headers(),
            content_type='multipart/form-data',
        )


@pytest.fixture
def student_client(client, fake_wechat):
    names = itertools.count(1)
    return lambda: StudentClient(client, f's{next(names)}')


def signature_png(width=600, height=240, ink=True) -> bytes:
    image = Image.new('RGBA', (width, height), (255, 255, 255, 0))
    if ink:
        ImageDraw.Draw(image).line([(40, 180), (160, 60), (260, 170), (420, 50), (560, 190)], fill='black', width=6)
    out = io.BytesIO()
    image.save(out, 'PNG')
    return out.getvalue()


def photo_jpeg(width=640, height=400) -> bytes:
    image = Image.new('RGB', (width, height), (200, 210, 220))
    ImageDraw.Draw(image).rectangle([40, 40, 200, 240], fill=(90, 90, 90))
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = 'SecretPhoneMaker'
    image.save(out, 'JPEG', exif=exif)
    return out.getvalue()
