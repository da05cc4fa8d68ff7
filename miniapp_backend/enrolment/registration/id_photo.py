"""The ID-card photo: sniffed from its bytes, size-limited, re-encoded so no metadata survives."""

from __future__ import annotations

import hashlib
import io
import math
import threading

from PIL import Image, ImageOps, UnidentifiedImageError

from miniapp_backend.enrolment.errors import EnrolmentError, field_error
from miniapp_backend.enrolment.registration.filing import EDITABLE
from miniapp_backend.extensions import db
from miniapp_backend.models import Document, Registration

MAX_BYTES = 5 * 1024 * 1024
#: One photo decoded at a time per process: a 16-megapixel decode takes ~50-100 MB, and a threaded web worker
#: serving several uploads at once would hold that several times over. Decoding takes a fraction of a second.
_DECODING = threading.BoundedSemaphore(1)
#: Checked from the header before any pixel is decoded: a 16-megapixel photo decodes to ~64 MB; 40 MP took 300 MB.
MAX_PIXELS = 16_000_000
#: The JPEG encoder refuses sides beyond 65,500 px; a photo never needs more than this.
MAX_SIDE = 8000
#: What is kept: enough to read an ID card, a fraction of a phone camera's size.
KEPT_SIDE = 2000
#: What each file's first bytes say it is, and the formats Pillow may then find: a JPEG from a phone camera that
#: carries a second picture (an HDR gain map, a depth map) is read as MPO, its first picture the photo.
_KINDS = {b'\xff\xd8\xff': ({'JPEG', 'MPO'}, 'image/jpeg'), b'\x89PNG\r\n\x1a\n': ({'PNG'}, 'image/png')}


def reencode_photo(data: bytes) -> tuple[bytes, str]:
    """JPEG or PNG in, a clean JPEG out; anything else is refused."""
    if len(data) > MAX_BYTES:
        raise EnrolmentError('too_large', '图片不能超过5MB', status=413, errors={'file': ['图片不能超过5MB']})
    kind = next((value for magic, value in _KINDS.items() if data.startswith(magic)), None)
    invalid = field_error('file', '请上传JPG或PNG格式的证件照片', 'invalid_image')
    too_large = field_error('file', '图片像素过大，请压缩或截图后上传（不超过1600万像素）', 'image_too_large')
    if kind is None:
        raise invalid
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in kind[0] or min(image.size) < 100:
                raise invalid
            if image.width * image.height > MAX_PIXELS or max(image.size) > MAX_SIDE:
                raise too_large
            with _DECODING:
                ratio = min(1.0, KEPT_SIDE / max(image.size))
                # JPEG: decode straight at 1/2, 1/4 … of full size when the kept size allows it
                image.draft('RGB', (math.ceil(image.width * ratio), math.ceil(image.height * ratio)))
                image.thumbnail((KEPT_SIDE, KEPT_SIDE))  # in place: the full-size pixels are freed at once
                # Upright as the phone showed it: a portrait photo is stored landscape with an EXIF orientation,
                # which the clean copy below no longer carries.
                upright = ImageOps.exif_transpose(image)
                clean = upright if upright.mode == 'RGB' else upright.convert('RGB')
                out = io.BytesIO()
                clean.save(out, 'JPEG', quality=88)  # a fresh image carries no EXIF (location, device)
    except Image.DecompressionBombError:  # Pillow's own cap, met at open() for the most extreme headers
        raise too_large from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise invalid from None
    return out.getvalue(), 'image/jpeg'


def save_photo(registration: Registration, data: bytes) -> Document:
    if registration.status not in EDITABLE:
        raise EnrolmentError('invalid_state', f'登记状态为「{registration.status.label}」，不能修改照片')
    clean, content_type = reencode_photo(data)
    document = db.session.query(Document).filter_by(registration_id=registration.id, kind='id_photo').one_or_none()
    if document is None:
        document = Document(registration=registration, kind='id_photo')
        db.session.add(document)
    document.data, document.content_type = clean, content_type
    document.sha256 = hashlib.sha256(clean).hexdigest()
    db.session.flush()
    return document
