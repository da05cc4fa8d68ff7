"""A fake outside server: a small Flask app on 127.0.0.1 in a thread, speaking real HTTP, scriptable."""

from __future__ import annotations

import argparse
import threading
import time
from collections import defaultdict, deque

from flask import Flask, jsonify, request
from werkzeug.serving import make_server


class FakeServer:
    """Records every request; `script(path, [...])` queues faults answered before normal behaviour.

    A request held by a scripted delay goes on after the client gave up, and still does what it came for (a
    message sent late is recorded late). `reset` first waits for such requests to end, so none of them lands in
    the next test's records.
    """

    name = 'fake'

    def __init__(self):
        self.app = Flask(self.name)
        self._lock = threading.Lock()
        self.requests: list[dict] = []
        self._scripts: dict[str, deque] = defaultdict(deque)
        self._in_flight = 0
        self._idle = threading.Condition(self._lock)
        self._server = None
        self.url = ''
        self.app.before_request(self._before)
        self.app.teardown_request(self._done)
        self.routes()

    def routes(self) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        self.settle()
        with self._lock:
            self.requests.clear()
            self._scripts.clear()

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until no request is being handled (a delayed one has finished what it does)."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout):
                raise AssertionError(f'{self.name}: {self._in_flight} request(s) still running after {timeout} s')

    def script(self, path: str, responses: list[dict]) -> None:
        """Queue responses for a path: {'errcode': n}, {'status': 503}, {'delay': seconds}, {'json': {...}}."""
        with self._lock:
            self._scripts[path].extend(responses)

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for item in self.requests if item['path'] == path)

    def _before(self):
        with self._lock:
            self._in_flight += 1
            self.requests.append(
                {
                    'method': request.method,
                    'path': request.path,
                    'query': request.args.to_dict(),
                    'json': request.get_json(silent=True, force=True),
                    'headers': dict(request.headers),
                }
            )
            scripted = self._scripts[request.path].popleft() if self._scripts.get(request.path) else None
        if not scripted:
            return None
        if 'delay' in scripted:
            time.sleep(scripted['delay'])
            return None
        if 'status' in scripted:
            return jsonify(scripted.get('json', {'error': 'scripted failure'})), scripted['status']
        if 'raw' in scripted:
            return scripted['raw'], 200, {'Content-Type': 'application/json'}
        return jsonify(scripted.get('json', {'errcode': scripted.get('errcode'), 'errmsg': 'scripted'}))

    def _done(self, _error=None) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def start(self, port: int = 0) -> FakeServer:
        self._server = make_server('127.0.0.1', port, self.app, threaded=True)
        self.url = f'http://127.0.0.1:{self._server.server_port}'
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()


def serve_main(server_class: type[FakeServer]) -> None:
    """`python -m tests.fakes.X --port N`: serve in the foreground (used by `make run`)."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=0)
    args = parser.parse_args()
    server = server_class()
    make_server('127.0.0.1', args.port, server.app, threaded=True).serve_forever()


def bearer_ok(token: str) -> bool:
    return request.headers.get('Authorization') == f'Bearer {token}'
