"""API requests/s and latency at 64 connections (wrk), each next to the bare hello endpoint."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import redis
import requests
import sqlalchemy as sa

from bench.harness import Figure, cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
WRK = ['wrk', '-t2', '-c64', '--latency']
#: Students per wrk thread for create + submit: more than its connections, so one is always free.
PER_THREAD = 100
LOGIN_LUA = """
local run = "{run}"
local threads = 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"code":"code-bench%s-%d-%d"}', run, tid, counter)
  return wrk.format("POST", "/api/v1/auth/login", {["Content-Type"] = "application/json"}, body)
end
"""
#: Create a draft, then submit it, over and over, each pair with its own student and a new person. Connections
#: share their thread's state, so a pair is followed through the echoed student_no (the student's index).
CREATE_SUBMIT_LUA = """
local tokens = {%(tokens)s}
local per_thread = %(per_thread)d
local template = %(template)s
local weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local checks = "10X98765432"
local threads = 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
init = function(args)
  free, pending, counter = {}, {}, 0
  for i = 1, per_thread do free[#free + 1] = tid * per_thread + i end
end
local function id_number()
  counter = counter + 1
  local day = os.time{year = %(year)d, month = 1, day = 1 + tid * 50 + math.floor(counter / 1000), hour = 12}
  local first17 = "340524" .. os.date("%%Y%%m%%d", day) .. string.format("%%03d", counter %% 1000)
  local sum = 0
  for i = 1, 17 do sum = sum + tonumber(first17:sub(i, i)) * weights[i] end
  local m = sum %% 11 + 1
  return first17 .. checks:sub(m, m)
end
local function headers(k)
  return {["Authorization"] = "Bearer " .. tokens[k], ["Content-Type"] = "application/json"}
end
request = function()
  local pair = table.remove(pending)
  if pair then
    return wrk.format("POST", "/api/v1/registrations/" .. pair[1] .. "/submit", headers(pair[2]), "{}")
  end
  local k = table.remove(free)
  return wrk.format("POST", "/api/v1/registrations", headers(k), string.format(template, id_number(), k))
end
response = function(status, headers, body)
  local k = tonumber(body:match('"student_no":%%s*"(%%d+)"'))
  if status == 201 then
    pending[#pending + 1] = {body:match('"id":%%s*(%%d+)'), k}
  elseif k then
    free[#free + 1] = k
  end
end
"""


#: The Procfile's web settings (see the comment there for why).
WEB_OPTIONS = ('--workers', '2', '--worker-class', 'gthread', '--threads', '8')
#: The fake WeChat server: one process (its state is in memory), many threads.
FAKE_OPTIONS = ('--workers', '1', '--worker-class', 'gthread', '--threads', '16')


def fake_wechat(env: dict, *options: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    options = options or FAKE_OPTIONS
    return serve('bench.fake_wechat:app', port, env, *options, quiet=True), f'http://127.0.0.1:{port}'


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)  # no request may still be running when the scratch database is dropped
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def serve(target: str, port: int, env: dict, *options: str, quiet: bool = False) -> subprocess.Popen:
    """gunicorn serving `target`; by default as the Procfile's `web` line (worker class and count)."""
    options = options or WEB_OPTIONS
    out = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(
        [sys.executable, '-m', 'gunicorn', *options, '--bind', f'127.0.0.1:{port}', '--log-level', 'warning', target],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=out,
        stderr=out,
    )
    for _ in range(200):
        try:
            requests.get(f'http://127.0.0.1:{port}/', timeout=5)
            return process
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f'{target} did not start')


@dataclass
class Load:
    rate: float
    p50: float
    p99: float
    errors: int
    requests: int = 0

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def latencies(self) -> str:
        return f'p50 {self.p50:.1f} / p99 {self.p99:.1f} ms'

    def failures(self) -> str:
        return f'; {self.errors} non-2xx' if self.errors else ''


def wrk(url: str, *extra: str, seconds: int = 10) -> Load:
    output = subprocess.run([*WRK, f'-d{seconds}s', *extra, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r'Requests/sec:\s+([\d.]+)', output).group(1))
    errors = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', output)
    count = int(re.search(r'(\d+) requests in', output).group(1))
    return Load(rate, _latency(output, '50%'), _latency(output, '99%'), int(errors.group(1)) if errors else 0, count)


def median(loads: list[Load]) -> Load:
    """Each figure's median over runs of the same setting; every run's failed answers counted."""
    return Load(
        statistics.median(load.rate for load in loads),
        statistics.median(load.p50 for load in loads),
        statistics.median(load.p99 for load in loads),
        sum(load.errors for load in loads),
        sum(load.requests for load in loads),
    )


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


def workers(master: subprocess.Popen) -> list[int]:
    return [
        int(pid)
        for pid in subprocess.run(['pgrep', '-P', str(master.pid)], capture_output=True, text=True).stdout.split()
    ]


def database_backends(url: str) -> list[int]:
    """The PostgreSQL server processes serving the scratch database (when the server runs on this machine)."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            query = 'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()'
            return list(conn.scalars(sa.text(query)))
    finally:
        engine.dispose()


def redis_server(url: str) -> list[int]:
    with redis.Redis.from_url(url) as client:
        return [int(client.info('server')['process_id'])]


def cpu_per_request(run, processes: dict[str, object]) -> tuple[Load, dict[str, float]]:
    """`run()` (a wrk run) and the CPU milliseconds per request each group of processes spent on it: the groups'
    pids are listed before and after (a PostgreSQL backend opened during the run counts from zero), wrk's own CPU
    is this process's reaped children's. Independent of other load on the machine, unlike the rate."""
    before = {name: {pid: cpu_seconds(pid) for pid in pids()} for name, pids in processes.items()}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = run()
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = {
        name: sum(cpu_seconds(pid) - before[name].get(pid, 0.0) for pid in pids()) for name, pids in processes.items()
    }
    spent['wrk'] = reaped.ru_utime + reaped.ru_stime - children.ru_utime - children.ru_stime
    return load, {name: 1000 * seconds / max(load.requests, 1) for name, seconds in spent.items()}


def cpu_split(ms: dict[str, float]) -> str:
    return ', '.join(f'{name} {value:.2f}' for name, value in ms.items())


def students(base: str, count: int, prefix: str, zone: str | None = '341800') -> list[str]:
    """Tokens of `count` students who signed in through the fake WeChat server and chose `zone`."""
    tokens = []
    with requests.Session() as session:
        for n in range(count):
            token = session.post(f'{base}/auth/login', json={'code': f'code-{prefix}-{n}'}).json()['token']
            if zone:
                headers = {'Authorization': f'Bearer {token}'}
                session.put(f'{base}/me/zone', json={'zone_code': zone}, headers=headers)
            tokens.append(token)
    return tokens


def create_submit_script(tokens: list[str], per_thread: int, year: int = 2001) -> str:
    """The create + submit script; ID numbers are born in `year` (a later run takes another, so none repeats)."""
    from tests.factories import registration_fields

    template = json.dumps(registration_fields(id_number='ID', student_no='NO'), ensure_ascii=False)
    template = template.replace('%', '%%').replace('"ID"', '"%s"').replace('"NO"', '"%d"')
    return CREATE_SUBMIT_LUA % {
        'tokens': ', '.join(f'"{t}"' for t in tokens),
        'per_thread': per_thread,
        'year': year,
        'template': f'[[{template}]]',
    }


def lua(text: str) -> str:
    with tempfile.NamedTemporaryFile('w', suffix='.lua', delete=False) as script:
        script.write(text)
    return script.name


#: Every bench login comes from 127.0.0.1, where a deployment's logins come from many addresses: the per-address
#: limit (20 a second by default) would answer most of them 429 and the stage would measure refusals.
BENCH_LOGIN_RATE = '100000 per second'


def figures(env: dict) -> list[Figure]:
    app_port, hello_port = free_port(), free_port()
    env = {**os.environ, **env, 'STUDENT_LOGIN_RATE': BENCH_LOGIN_RATE}
    fake, env['WECHAT_API_BASE'] = fake_wechat(env)
    web = serve('miniapp_backend:create_app()', app_port, env)
    hello = serve('bench.hello:app', hello_port, env)
    floor_port = free_port()
    floor = serve('bench.floor:app', floor_port, env)
    try:
        try:
            base = f'http://127.0.0.1:{app_port}/api/v1'
            [token] = students(base, 1, 'me')
            writers = students(base, 2 * PER_THREAD, 'writer')
            warm_up(f'http://127.0.0.1:{hello_port}/hello')
            ref, ref_cpu = cpu_per_request(
                lambda: wrk(f'http://127.0.0.1:{hello_port}/hello'), {'hello': lambda: workers(hello)}
            )
            me_args = (f'{base}/me', '-H', f'Authorization: Bearer {token}')
            warm_up(*me_args)
            me = wrk(*me_args)
            script = lua(create_submit_script(writers, PER_THREAD))
            write, write_cpu = cpu_per_request(
                lambda: wrk(base + '/registrations', '-s', script), parties(web, fake, env)
            )
            login, login_cpu = measure_login(base, web, fake, env)
            rss = peak_worker_rss(web)
            floors = measure_floor(f'http://127.0.0.1:{floor_port}/api/v1', floor, fake, env)
        finally:
            stop(web, hello, floor)
        classes = worker_classes(env, token)  # with the fake WeChat still up: writers sign in
    finally:
        stop(fake)
    return [
        Figure('hello endpoint (reference) req/s', ref.rate, 'req/s', target=ref.latencies()),
        Figure(
            'GET /api/v1/me req/s',
            me.rate,
            'req/s',
            round(ref.rate, 1),
            '≥ 0.5 of hello',
            me.rate >= 0.5 * ref.rate and me.ok,
        ),
        Figure(
            'GET /api/v1/me p99',
            me.p99,
            'ms',
            target=f'≤ 50 ms (p50 {me.p50:.1f} ms; hello p99 {ref.p99:.1f} ms){me.failures()}',
            met=me.p99 <= 50 and me.ok,
        ),
        Figure(
            'create + submit req/s (pairs/s = half)',
            write.rate,
            'req/s',
            round(ref.rate, 1),
            f'≥ 0.2 of hello, p99 ≤ 150 ms; {write.latencies()}{write.failures()}',
            write.rate >= 0.2 * ref.rate and write.p99 <= 150 and write.ok,
        ),
        Figure(
            'POST /auth/login req/s (threaded fake WeChat)',
            login.rate,
            'req/s',
            round(ref.rate, 1),
            f'≥ 0.3 of hello; {login.latencies()}{login.failures()}',
            login.rate >= 0.3 * ref.rate and login.ok,
        ),
        Figure('hello CPU ms per request', sum(ref_cpu.values()), 'ms', target=cpu_split(ref_cpu)),
        cpu_figure('create + submit', write_cpu, ref_cpu, 0.2),
        cpu_figure('POST /auth/login', login_cpu, ref_cpu, 0.3),
        Figure('web worker peak RSS under load', rss, 'MB'),
        *floor_figures(
            floors, {'create + submit': (write, write_cpu), 'POST /auth/login': (login, login_cpu)}, ref, ref_cpu
        ),
        *classes,
    ]


def measure_floor(base: str, floor: subprocess.Popen, fake: subprocess.Popen, env: dict) -> dict[str, tuple]:
    """Create + submit and login through bench/floor.py: the same round trips with nothing of ours around them."""
    script = lua(create_submit_script(students(base, 2 * PER_THREAD, 'floor', zone=None), PER_THREAD))
    warm_up(base + '/registrations', '-s', script)
    write = cpu_per_request(lambda: wrk(base + '/registrations', '-s', script), parties(floor, fake, env))
    warm_up(base + '/auth/login', '-s', lua(LOGIN_LUA.replace('{run}', 'floor-warm')))
    return {'create + submit': write, 'POST /auth/login': measure_login(base, floor, fake, env, run='floor')}


def floor_figures(floors: dict, ours: dict, ref: Load, ref_cpu: dict[str, float]) -> list[Figure]:
    """Each floor's rate and CPU beside hello's, and what ours costs over it: a rate target above the floor's
    ratio cannot be met by any Flask app making those round trips on this machine."""
    hello_ms, rows = sum(ref_cpu.values()), []
    for name, (load, cpu) in floors.items():
        own_load, own_cpu = ours[name]
        rows += [
            Figure(
                f'{name}, its round trips alone (bench/floor.py) req/s',
                load.rate,
                'req/s',
                round(ref.rate, 1),
                f'floor for the target; {load.latencies()}; ours {own_load.rate / load.rate:.2f}× its rate{load.failures()}',
            ),
            Figure(
                f'{name}, its round trips alone, CPU ms per request',
                sum(cpu.values()),
                'ms',
                round(hello_ms, 3),
                f"hello requests' worth; ours {sum(own_cpu.values()) / hello_ms:.2f} ({cpu_split(cpu)})",
            ),
        ]
    return rows


def cpu_figure(name: str, cpu: dict[str, float], hello_cpu: dict[str, float], target: float) -> Figure:
    """CPU ms per request by process, beside hello's: the ratio is the hello requests one costs, and a rate of
    `target` × hello's needs it at or below 1 / `target`."""
    return Figure(
        f'{name} CPU ms per request',
        sum(cpu.values()),
        'ms',
        round(sum(hello_cpu.values()), 3),
        f"ratio = hello requests' worth ({target}× hello: ≤ {1 / target:.1f}); {cpu_split(cpu)}",
    )


def measure_login(
    base: str, web: subprocess.Popen, fake: subprocess.Popen, env: dict, run: str = ''
) -> tuple[Load, dict]:
    """Logins, each with a new code (a new student), and where their CPU went (`parties`)."""
    script = lua(LOGIN_LUA.replace('{run}', run))
    return cpu_per_request(lambda: wrk(base + '/auth/login', '-s', script), parties(web, fake, env))


def parties(web: subprocess.Popen, fake: subprocess.Popen, env: dict) -> dict:
    """The processes a student's request spends CPU in: the app's workers, the fake WeChat server's, PostgreSQL's
    backends, Redis (the limits, GET /me's answers) and wrk (counted by `cpu_per_request`)."""
    return {
        'app': lambda: workers(web),
        'fake WeChat': lambda: workers(fake),
        'PostgreSQL': lambda: database_backends(env['DATABASE_URL']),
        'Redis': lambda: redis_server(env['REDIS_URL']),
    }


#: Seconds of load before a measured run: the first seconds of a started server pay once for what a running one
#: has done long ago (database and Redis connections per thread, SQLAlchemy's statement cache, lazy imports).
WARM_UP_SECONDS = 3


def warm_up(url: str, *extra: str) -> None:
    wrk(url, *extra, seconds=WARM_UP_SECONDS)


#: gunicorn settings compared on GET /me (the busiest call) and on create + submit (writes wait on commits) to choose
#: the Procfile's.
CANDIDATES = {
    'sync, 4 workers': ('--workers', '4'),
    'gthread, 2 workers × 8 threads': ('--workers', '2', '--worker-class', 'gthread', '--threads', '8'),
    'gthread, 4 workers × 4 threads': ('--workers', '4', '--worker-class', 'gthread', '--threads', '4'),
}
#: Each setting is measured once per round, in turn (A B C A B C A B C), and its median printed.
ROUNDS = 3
COMPARE_SECONDS = 5


def worker_classes(env: dict, token: str) -> list[Figure]:
    """Every setting served at once (an idle server costs nothing) and measured in turn, round after round, on the
    same data: GET /me for every setting in every round before any write, then create + submit in the same order.
    No setting is favoured by coming first, nor by being read before the writes fill the tables (one run measured
    the Procfile's setting at 2,168 req/s first and at 978 third, after two rounds of writes)."""
    servers = {}
    try:
        for label, options in CANDIDATES.items():
            port = free_port()
            servers[label] = (
                serve('miniapp_backend:create_app()', port, env, *options),
                f'http://127.0.0.1:{port}/api/v1',
            )
        reads = {label: [] for label in CANDIDATES}
        writes = {label: [] for label in CANDIDATES}
        for _ in range(ROUNDS):
            for label, (_, base) in servers.items():
                reads[label].append(wrk(f'{base}/me', '-H', f'Authorization: Bearer {token}', seconds=COMPARE_SECONDS))
        runs = iter(range(1, ROUNDS * len(CANDIDATES) + 1))
        for _ in range(ROUNDS):
            for label, (_, base) in servers.items():
                run = next(runs)
                writers = students(base, 2 * PER_THREAD, f'writer-{run}')
                script = lua(create_submit_script(writers, PER_THREAD, year=2001 + run))
                writes[label].append(wrk(base + '/registrations', '-s', script, seconds=COMPARE_SECONDS))
    finally:
        stop(*(process for process, _ in servers.values()))
    figures = []
    for label, options in CANDIDATES.items():
        chosen = ' (Procfile)' if options == WEB_OPTIONS else ''
        read, write = median(reads[label]), median(writes[label])
        spread = ', '.join(f'{load.rate:,.0f}' for load in reads[label])
        figures.append(
            Figure(
                f'GET /me under {label}{chosen}, median of {ROUNDS}',
                read.rate,
                'req/s',
                target=f'{read.latencies()} (runs: {spread}){read.failures()}',
            )
        )
        spread = ', '.join(f'{load.rate:,.1f}' for load in writes[label])
        figures.append(
            Figure(
                f'create + submit under {label}{chosen}, median of {ROUNDS}',
                write.rate,
                'req/s',
                target=f'{write.latencies()} (runs: {spread}){write.failures()}',
            )
        )
    return figures
