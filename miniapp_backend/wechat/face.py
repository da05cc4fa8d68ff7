"""WeChat face verification 2.0 (人脸核身): getVerifyId before wx.requestFacialVerify, queryVerifyInfo after it."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from miniapp_backend.wechat import get_client

#: The only verify_ret that means the live face matched the named identity card holder.
PASSED = 10000


@dataclass(frozen=True)
class CertInfo:
    name: str
    number: str
    type: str = 'IDENTITY_CARD'

    def as_json(self) -> dict[str, str]:
        return {'cert_type': self.type, 'cert_name': self.name, 'cert_no': self.number}

    @property
    def hash(self) -> str:
        """Lowercase hex SHA-256 of cert_type=<b64>&cert_name=<b64>&cert_no=<b64>, each value base64 of UTF-8."""
        parts = [f'{key}={base64.b64encode(value.encode()).decode()}' for key, value in self.as_json().items()]
        return hashlib.sha256('&'.join(parts).encode()).hexdigest()


def get_verify_id(out_seq_no: str, cert: CertInfo, openid: str) -> str:
    """A verification session for this user and this identity (valid for an hour)."""
    client = get_client()
    result = client.call(
        'post',
        'cityservice/face/identify/getverifyid',
        api_base_url=client.base + '/',
        data={'out_seq_no': out_seq_no, 'cert_info': cert.as_json(), 'openid': openid},
    )
    return result['verify_id']


def query_verify_info(verify_id: str, out_seq_no: str, cert: CertInfo, openid: str) -> int:
    """The session's verify_ret; WeChat answers an error (raised) when cert_hash or openid do not match it."""
    client = get_client()
    result = client.call(
        'post',
        'cityservice/face/identify/queryverifyinfo',
        api_base_url=client.base + '/',
        data={'verify_id': verify_id, 'out_seq_no': out_seq_no, 'cert_hash': cert.hash, 'openid': openid},
    )
    return int(result['verify_ret'])
