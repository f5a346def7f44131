"""The measuring harness of ``python -m bench``: gunicorn started and stopped, scenarios driven over
keep-alive HTTP from several threads, percentiles, the table, and Django set up on ``cqs_scale``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results" / "bench.json"
BENCH_DB = "cqs_bench"


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        PYTHONPATH=str(ROOT),
    )
    return env


def collectstatic(env: dict[str, str]) -> None:
    """Collect static files (incremental: only new or changed files are copied; the manifest is rewritten)."""
    print("    collectstatic")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [
        str(gunicorn),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603


def wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn đã dừng (mã {process.returncode}) trước khi sẵn sàng.")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/trivial")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn không sẵn sàng sau 60 giây.")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@dataclass
class Scenario:
    name: str
    label: str
    paths: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    body: bytes = b""
    ok: tuple[int, ...] = (200,)


@dataclass
class Result:
    name: str
    label: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    ratio_to_trivial: float | None = None
    skipped: str = ""
    statuses: dict[str, int] = field(default_factory=dict)
    worker_rss_mb: float | None = None  # the largest resident size of a gunicorn worker while it ran


RSS_LIMIT_MB = 300
RSS_INTERVAL = 0.2  # seconds between two readings


def _rss_mb(pid: int) -> float | None:
    """The resident size of a process in MB (``VmRSS`` of /proc), None once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers under its master)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


class WorkerMemory:
    """The resident size of each gunicorn worker, read every ``RSS_INTERVAL`` seconds on a thread of its own.

    ``mark()`` gives the largest size of any worker since the previous mark (one scenario);
    ``summary()`` the largest of each worker over the whole run, beside ``RSS_LIMIT_MB``.
    """

    def __init__(self, master: int) -> None:
        self.master = master
        self.peaks: dict[int, float] = {}
        self.since_mark = 0.0
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(RSS_INTERVAL)

    def sample(self) -> None:
        for pid in _children(self.master):
            rss = _rss_mb(pid)
            if rss is None:
                continue
            with self._lock:
                self.peaks[pid] = max(self.peaks.get(pid, 0.0), rss)
                self.since_mark = max(self.since_mark, rss)

    def mark(self) -> float:
        self.sample()
        with self._lock:
            peak, self.since_mark = self.since_mark, 0.0
        return round(peak, 1)

    def summary(self) -> dict[str, Any]:
        self._done.set()
        self._thread.join(timeout=5)
        peaks = [round(v, 1) for _pid, v in sorted(self.peaks.items())]
        under = bool(peaks) and max(peaks) < RSS_LIMIT_MB
        shown = ", ".join(f"{v:.0f} MB" for v in peaks) or "không đọc được"
        verdict = "đạt" if under else "KHÔNG ĐẠT"
        print(f"    Bộ nhớ thường trú lớn nhất mỗi tiến trình web: {shown} (giới hạn {RSS_LIMIT_MB} MB): {verdict}")
        return {"workers_peak_mb": peaks, "limit_mb": RSS_LIMIT_MB, "under_limit": under}


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def probe(port: int, path: str, scenario: Scenario | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        if scenario is None:
            conn.request("GET", path)
        else:
            conn.request(scenario.method, path, body=scenario.body or None, headers=scenario.headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def drive(port: int, scenario: Scenario, *, threads: int, duration: float, warmup: float) -> Result:
    result = Result(name=scenario.name, label=scenario.label)
    status, body = probe(port, scenario.paths[0], scenario)
    if status in (404, 405):
        result.skipped = f"{scenario.method} {scenario.paths[0].split('?')[0]} trả về {status}: chưa có, bỏ qua"
        return result
    if status not in scenario.ok:
        text = body[:200].decode("utf-8", "replace").replace("\n", " ")
        if text.lstrip().startswith("<"):
            text = "trang lỗi HTML, xem nhật ký gunicorn"
        result.skipped = f"{scenario.method} {scenario.paths[0].split('?')[0]} trả về {status}: {text}"
        return result
    latencies: list[list[float]] = [[] for _ in range(threads)]
    statuses: list[dict[int, int]] = [{} for _ in range(threads)]
    start_at = time.monotonic() + 0.2
    measure_from = start_at + warmup
    stop_at = measure_from + duration

    def worker(slot: int) -> None:
        rng = random.Random(slot)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, codes = latencies[slot], statuses[slot]
        while time.monotonic() < start_at:
            time.sleep(0.001)
        while True:
            now = time.monotonic()
            if now >= stop_at:
                break
            path = rng.choice(scenario.paths)
            t0 = time.perf_counter()
            try:
                conn.request(
                    scenario.method,
                    path,
                    body=scenario.body or None,
                    headers={"Connection": "keep-alive", **scenario.headers},
                )
                response = conn.getresponse()
                response.read()
                code = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                code = 0
            elapsed = time.perf_counter() - t0
            if now >= measure_from:
                mine.append(elapsed)
                codes[code] = codes.get(code, 0) + 1
        conn.close()

    pool = [threading.Thread(target=worker, args=(slot,), daemon=True) for slot in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=duration + warmup + 60)
    values = sorted(v for part in latencies for v in part)
    merged: dict[str, int] = {}
    for part in statuses:
        for code, n in part.items():
            merged[str(code)] = merged.get(str(code), 0) + n
    result.statuses = merged
    result.requests = len(values)
    result.errors = sum(n for code, n in merged.items() if int(code) not in scenario.ok)
    result.seconds = duration
    result.rps = round(len(values) / duration, 1)
    result.p50_ms = round(percentile(values, 0.50) * 1000, 2)
    result.p95_ms = round(percentile(values, 0.95) * 1000, 2)
    result.p99_ms = round(percentile(values, 0.99) * 1000, 2)
    return result


def drive_all(
    port: int, scenarios: list[Scenario | Result], args: argparse.Namespace, memory: WorkerMemory | None = None
) -> list[Result]:
    """Each scenario driven and its line printed; a ``Result`` in the list stands for one skipped before it ran.

    With ``memory``, each scenario driven records the largest resident size of a worker while it ran.
    """
    results: list[Result] = []
    for scenario in scenarios:
        if isinstance(scenario, Result):
            result = scenario
        else:
            if memory is not None:
                memory.mark()
            result = drive(port, scenario, threads=args.threads, duration=args.duration, warmup=args.warmup)
            if memory is not None:
                result.worker_rss_mb = memory.mark()
        rss = f", RSS ≤ {result.worker_rss_mb:.0f} MB" if result.worker_rss_mb else ""
        print(f"    {result.label}: {result.skipped or f'{result.rps:.1f} yêu cầu/s, p95 {result.p95_ms:.1f} ms{rss}'}")
        results.append(result)
    return results


def ratios_to_trivial(results: list[Result], trivial: str) -> None:
    """Each measured scenario as a multiple of the trivial page named ``trivial`` (how many times its cost)."""
    floor = next((r for r in results if r.name == trivial and not r.skipped and r.rps), None)
    for r in results:
        if floor is not None and not r.skipped and r.rps:
            r.ratio_to_trivial = round(floor.rps / r.rps, 2)


def table(results: list[Result]) -> str:
    head = ("Kịch bản", "yêu cầu", "lỗi", "yêu cầu/s", "p50 ms", "p95 ms", "p99 ms", "so với trivial")
    rows = [head]
    for r in results:
        if r.skipped:
            rows.append((r.label, "—", "—", "—", "—", "—", "—", r.skipped))
            continue
        ratio = f"{r.ratio_to_trivial:.2f}×" if r.ratio_to_trivial is not None else "—"
        rows.append(
            (
                r.label,
                str(r.requests),
                str(r.errors),
                f"{r.rps:.1f}",
                f"{r.p50_ms:.1f}",
                f"{r.p95_ms:.1f}",
                f"{r.p99_ms:.1f}",
                ratio,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = []
    for index, row in enumerate(rows):
        lines.append(
            "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
        )
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


SCALE_DB = "cqs_scale"
SCALE_MIN = 100_000
PAGE = 20
SUBMIT_PROCEDURE = "1.001193"


def scale_database_ready(
    url: str, *, table: str = "dossiers_dossier", what: str = "hồ sơ", make: str = "seed-scale"
) -> str:
    """An empty string when ``cqs_scale`` exists and holds ``table``, else why not (and the ``make`` target to run)."""
    import psycopg

    from cqs.demo.databases import sibling_database_url

    with psycopg.connect(sibling_database_url("postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [SCALE_DB]).fetchone() is None:
            return f"chưa có CSDL {SCALE_DB}: chạy `make {make}` trước"
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass(%s)", [table]).fetchone() == (None,):
            return f"CSDL {SCALE_DB} chưa có bảng {what}: chạy `make {make}` trước"
    return ""


def django_on_scale(**ready: str) -> tuple[str, str]:
    """(URL of cqs_scale, "") with Django set up on it in this process, or (URL, why it cannot be measured)."""
    from cqs.demo.databases import sibling_database_url

    url = sibling_database_url(SCALE_DB)
    why = scale_database_ready(url, **ready)
    if why:
        return url, why
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    return url, ""


def scale_server(url: str, workers: int) -> tuple[int, subprocess.Popen[bytes]]:
    """(port, process) of gunicorn on ``cqs_scale``, static files collected, officials logged in without TOTP."""
    env = server_env(url)
    collectstatic(env)
    env["CQS_OFFICIAL_TOTP_REQUIRED"] = "false"  # the bench logs in with a session; TOTP has its own tests
    port = free_port()
    print(f"    gunicorn ({workers} tiến trình) trên {SCALE_DB} tại 127.0.0.1:{port}")
    return port, start_gunicorn(env, port, workers)


def select_one() -> None:
    """One ``SELECT 1`` round trip: the floor the in-process timings are compared with."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def ratios_to_floor(inprocess: list[Result]) -> None:
    """Each in-process timing after the first (``SELECT 1``) as a multiple of it."""
    floor = inprocess[0]
    for r in inprocess[1:]:
        r.ratio_to_trivial = round(floor.rps / r.rps, 2) if r.rps else None


def session_cookie(user: Any) -> str:
    """The ``Cookie`` header of a session logged in as ``user``."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def time_inprocess(name: str, label: str, work: list[Any], rounds: int) -> Result:
    timings: list[float] = []
    for index in range(rounds):
        t0 = time.perf_counter()
        work[index % len(work)]()
        timings.append(time.perf_counter() - t0)
    values = sorted(timings)
    total = sum(values)
    return Result(
        name=name,
        label=label,
        requests=len(values),
        seconds=round(total, 3),
        rps=round(len(values) / total, 1) if total else 0.0,
        p50_ms=round(percentile(values, 0.50) * 1000, 2),
        p95_ms=round(percentile(values, 0.95) * 1000, 2),
        p99_ms=round(percentile(values, 0.99) * 1000, 2),
    )
