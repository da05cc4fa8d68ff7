"""Memory under hostile uploads: peak RSS of a web worker while 8 students upload a 6300×6300 PNG at once.

The PNG is ~150 KB on the wire and 119 MB once decoded; the photo check refuses it from its header, so a worker
should stay near its resting size. A legitimate 12-megapixel photo is uploaded the same way for comparison.
"""

from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor

import requests
from PIL import Image

from bench.api import fake_wechat, free_port, peak_worker_rss, serve, stop, students
from bench.harness import Figure

CONCURRENT = 8
TARGET_MB = 200


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new('RGB', (width, height), (250, 250, 250)).save(out, 'PNG')
    return out.getvalue()


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.linear_gradient('L').resize((width, height)).convert('RGB').save(out, 'JPEG', quality=85)
    return out.getvalue()


def _upload_all(base: str, tokens: list[str], ids: list[int], data: bytes) -> list[int]:
    def one(pair):
        token, registration_id = pair
        response = requests.post(
            f'{base}/registrations/{registration_id}/id-photo',
            timeout=120,
            headers={'Authorization': f'Bearer {token}'},
            files={'file': ('photo', data)},
        )
        return response.status_code

    with ThreadPoolExecutor(CONCURRENT) as pool:
        return list(pool.map(one, zip(tokens, ids, strict=True)))


def figures(env: dict) -> list[Figure]:
    from tests.factories import make_id_number, registration_fields

    env = {**os.environ, **env}
    fake, env['WECHAT_API_BASE'] = fake_wechat(env)
    port = free_port()
    web = serve('miniapp_backend:create_app()', port, env)
    try:
        base = f'http://127.0.0.1:{port}/api/v1'
        tokens = students(base, CONCURRENT, 'uploader')
        ids = []
        for n, token in enumerate(tokens):
            body = registration_fields(id_number=make_id_number(900_000 + n), student_no=f'U{n}')
            ids.append(
                requests.post(f'{base}/registrations', json=body, headers={'Authorization': f'Bearer {token}'}).json()[
                    'id'
                ]
            )
        rest = peak_worker_rss(web)
        flood = _png(6300, 6300)
        statuses = _upload_all(base, tokens, ids, flood)
        flooded = peak_worker_rss(web)
        photo = _jpeg(4000, 3000)
        photo_statuses = _upload_all(base, tokens, ids, photo)
        photos = peak_worker_rss(web)
    finally:
        stop(web, fake)
    refused = statuses.count(422)
    return [
        Figure('web worker peak RSS before uploads', rest, 'MB'),
        Figure(
            f'web worker peak RSS, {CONCURRENT} concurrent 6300×6300 PNG uploads ({len(flood) // 1024} KB each, '
            f'{refused}/{CONCURRENT} refused)',
            flooded,
            'MB',
            target=f'< {TARGET_MB} MB',
            met=flooded < TARGET_MB and refused == CONCURRENT,
        ),
        Figure(
            f'web worker peak RSS, {CONCURRENT} concurrent 4000×3000 JPEG photos ({len(photo) // 1024} KB each, '
            f'{photo_statuses.count(200)}/{CONCURRENT} kept)',
            photos,
            'MB',
            target=f'< {TARGET_MB} MB',
            met=photos < TARGET_MB,
        ),
    ]
