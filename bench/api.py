"""API requests/s and latency at 64 connections (wrk), each next to the bare hello endpoint."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.harness import Figure

ROOT = Path(__file__).resolve().parent.parent
WRK = ['wrk', '-t2', '-c64', '-d10s', '--latency']
LOGIN_LUA = '''
local threads = 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"code":"code-bench-%d-%d"}', tid, counter)
  return wrk.format("POST", "/api/v1/auth/login", {["Content-Type"] = "application/json"}, body)
end
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def serve(target: str, port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, '-m', 'gunicorn', '--workers', '4', '--bind', f'127.0.0.1:{port}',
                                '--log-level', 'warning', target], cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            requests.get(f'http://127.0.0.1:{port}/', timeout=5)
            return process
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f'{target} did not start')


def wrk(url: str, *extra: str) -> tuple[float, float, float]:
    output = subprocess.run(WRK + list(extra) + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r'Requests/sec:\s+([\d.]+)', output).group(1))
    return rate, _latency(output, '50%'), _latency(output, '99%')


def _latency(output: str, label: str) -> float:
    value, unit = re.search(rf'{label}\s+([\d.]+)(us|ms|s)', output).groups()
    return float(value) * {'us': 0.001, 'ms': 1, 's': 1000}[unit]


def peak_worker_rss(master: subprocess.Popen) -> float:
    """The largest VmHWM among gunicorn's workers, MB."""
    children = subprocess.run(['pgrep', '-P', str(master.pid)], capture_output=True, text=True).stdout.split()
    peaks = []
    for pid in children:
        status = Path(f'/proc/{pid}/status').read_text()
        peaks.append(int(re.search(r'VmHWM:\s+(\d+)', status).group(1)) / 1024)
    return max(peaks, default=0.0)


def figures(env: dict) -> list[Figure]:
    wechat_port, app_port, hello_port = free_port(), free_port(), free_port()
    env = {**os.environ, **env, 'WECHAT_API_BASE': f'http://127.0.0.1:{wechat_port}'}
    fake = subprocess.Popen([sys.executable, '-m', 'tests.fakes.wechat', '--port', str(wechat_port)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    web = serve('miniapp_backend:create_app()', app_port, env)
    hello = serve('bench.hello:app', hello_port, env)
    try:
        base = f'http://127.0.0.1:{app_port}/api/v1'
        token = requests.post(f'{base}/auth/login', json={'code': 'code-bench-me'}).json()['token']
        requests.put(f'{base}/me/zone', json={'zone_code': '341800'}, headers={'Authorization': f'Bearer {token}'})
        ref_rate, ref_p50, ref_p99 = wrk(f'http://127.0.0.1:{hello_port}/hello')
        me_rate, me_p50, me_p99 = wrk(f'{base}/me', '-H', f'Authorization: Bearer {token}')
        with tempfile.NamedTemporaryFile('w', suffix='.lua', delete=False) as script:
            script.write(LOGIN_LUA)
        login_rate, login_p50, login_p99 = wrk(base + '/auth/login', '-s', script.name)
        rss = peak_worker_rss(web)
    finally:
        for process in (fake, web, hello):
            os.killpg(process.pid, signal.SIGTERM)
    return [
        Figure('hello endpoint (reference) req/s', ref_rate, 'req/s', target=f'p50 {ref_p50:.1f} / p99 {ref_p99:.1f} ms'),
        Figure('GET /api/v1/me req/s', me_rate, 'req/s', round(ref_rate, 1), '≥ 0.5 of hello', me_rate >= 0.5 * ref_rate),
        Figure('GET /api/v1/me p99', me_p99, 'ms', target=f'≤ 50 ms (p50 {me_p50:.1f} ms)', met=me_p99 <= 50),
        Figure('POST /auth/login req/s (fake WeChat)', login_rate, 'req/s', round(ref_rate, 1),
               f'p50 {login_p50:.1f} / p99 {login_p99:.1f} ms'),
        Figure('web worker peak RSS under load', rss, 'MB'),
    ]
