"""Logs: one JSON object per line with the request id, and no personal data in any message or traceback.

Masking happens when a record is created (a log-record factory), so every handler — gunicorn's, rq's, a test
runner's — only ever sees the masked text: ID numbers and phone numbers anywhere in a message or a traceback,
and names where a key says they are names (name=…, "name": "…", 姓名：…). SQL parameters are never logged at all
(the engine is created with hide_parameters=True), so a failed INSERT cannot print the row it carried.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
import uuid

from flask import Flask, g, has_request_context, request

from miniapp_backend.security.masking import mask_id_number, mask_phone

_ID_NUMBER = re.compile(
    r'(?<![0-9A-Za-z])([1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{2}[0-9]{3}[0-9Xx])'
    r'(?![0-9A-Za-z])'
)
_PHONE = re.compile(r'(?<![0-9])(1[3-9][0-9]{9})(?![0-9])')
_NAME = re.compile(r"""((?:\bname|\baccount_name|姓名|户名)['"]?\s*[:=：]\s*['"]?)([^'",;\s)}]{1,30})""")
#: PostgreSQL repeats the refused row's values in its error detail; they never reach a log.
_ROW_DETAIL = re.compile(r'(Failing row contains \().*?(\)\.?)$|(Key \([^)]*\)=\().*?(\))', re.M)
_REQUEST_ID = re.compile(r'[A-Za-z0-9._-]{8,64}')
_installed = False


def mask(text: str) -> str:
    """ID numbers and phones anywhere, names after a name key, replaced by their masked forms."""
    text = _ROW_DETAIL.sub(lambda m: (m.group(1) or m.group(3)) + '…' + (m.group(2) or m.group(4)), text)
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(1)), text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(1)), text)
    return _NAME.sub(lambda m: m.group(1) + (m.group(2)[:1] + '*' * (len(m.group(2)) - 1)), text)


def install_masking() -> None:
    """Every record, from any logger, is masked as it is made (idempotent)."""
    global _installed
    if _installed:
        return
    make = logging.getLogRecordFactory()

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001  (a malformed call must still be logged)
            message = str(record.msg)
        record.msg, record.args = mask(message), None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = mask(''.join(traceback.format_exception(*record.exc_info)).rstrip())
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        record.request_id = _request_id()
        return record

    logging.setLogRecordFactory(masked_record)
    _installed = True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            'time': self.formatTime(record, '%Y-%m-%dT%H:%M:%S'),
            'level': record.levelname,
            'logger': record.name,
            'message': record.getMessage(),
        }
        request_id = getattr(record, 'request_id', None)
        if request_id:
            entry['request_id'] = request_id
        if record.exc_info and not record.exc_text:
            record.exc_text = mask(self.formatException(record.exc_info))
        if record.exc_text:
            entry['exception'] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure(level: int = logging.INFO) -> None:
    """JSON lines on stderr for the whole process (web, worker or cron), masked."""
    install_masking()
    root = logging.getLogger()
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)


def init_app(app: Flask) -> None:
    """A request id per request (the caller's X-Request-Id when well-formed), echoed in the answer."""
    install_masking()

    @app.before_request
    def _assign_request_id():
        g.request_id = request_id(request.headers.get('X-Request-Id', ''))

    @app.after_request
    def _echo_request_id(response):
        if 'request_id' in g:
            response.headers['X-Request-Id'] = g.request_id
        return response


def request_id(given: str) -> str:
    """The caller's X-Request-Id when well-formed, else a new one."""
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _request_id() -> str | None:
    if has_request_context():
        return g.get('request_id')
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:  # noqa: BLE001  (outside a worker there is no job, and no Redis need be asked)
        return None
    return f'job:{job.id}' if job is not None else None
