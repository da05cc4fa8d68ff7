"""A fake origin-zone gateway for home towns outside the platform (DESIGN §7.4)."""

from __future__ import annotations

import os
import sys
from collections import deque

from flask import jsonify, request

from tests.fakes.base import FakeServer, bearer_ok, serve_main


class FakeOriginGateway(FakeServer):
    name = 'fake-origin'
    token = 'test-origin-token'

    def __init__(self):
        super().__init__()
        self.reset()

    def reset(self) -> None:
        super().reset()
        self._outcomes: dict[str, tuple[str, list[str]]] = {}
        self._refs: dict[str, deque] = {}
        self._serial = 0

    def set_outcome(self, id_number: str, initial: str = 'accepted', then: list[str] | None = None) -> None:
        """What a request for this person gets, then the statuses successive GETs return."""
        self._outcomes[id_number] = (initial, then if then is not None else ['pending', 'confirmed'])

    def routes(self) -> None:
        @self.app.post('/suspensions')
        def create():
            if not bearer_ok(self.token):
                return jsonify(error='unauthorized'), 401
            body = request.get_json(silent=True) or {}
            if not all(body.get(k) for k in ('id_number', 'name', 'zone_code', 'reason', 'suspend_from')):
                return jsonify(error='bad request'), 400
            initial, then = self._outcomes.get(body['id_number'], ('accepted', ['pending', 'confirmed']))
            with self._lock:
                self._serial += 1
                ref = f'ORG{self._serial:06d}'
                self._refs[ref] = deque(then if initial == 'accepted' else ['refused'])
            message = '已受理' if initial == 'accepted' else '该人员在原参保地有未结算的住院记录，不能暂停参保'
            return jsonify(ref=ref, status=initial, message=message)

        @self.app.get('/suspensions/<ref>')
        def status(ref):
            if not bearer_ok(self.token):
                return jsonify(error='unauthorized'), 401
            with self._lock:
                queue = self._refs.get(ref)
                if queue is None:
                    return jsonify(error='not found'), 404
                current = queue.popleft() if len(queue) > 1 else queue[0]
            messages = {'pending': '原参保地处理中', 'confirmed': '已暂停参保', 'refused': '原参保地未同意暂停参保'}
            return jsonify(ref=ref, status=current, message=messages[current])


if __name__ == '__main__':
    # Standalone (make run, make bench): the credentials the app reads from the same environment.
    FakeOriginGateway.token = os.environ.get('ORIGIN_GATEWAY_TOKEN') or 'dev-origin-token'
    sys.exit(serve_main(FakeOriginGateway))
