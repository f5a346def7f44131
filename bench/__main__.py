"""``python -m bench``: load 5,000 procedures into ``cqs_bench`` and measure three views under gunicorn.

Steps: make sure the database ``cqs_bench`` exists on the same PostgreSQL server as the
platform (``DATABASE_URL`` or the embedded server), migrate it, load the Nghệ An demo units and
agencies and 5,000 procedures generated from the demo catalog (timed), start gunicorn
(2 workers, loopback only, ``DEBUG=false``) with ``bench.settings``, then drive each scenario
for a fixed time with keep-alive HTTP connections from several threads. Results are printed
and written to ``bench-results/bench.json``. gunicorn is always stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results" / "bench.json"
BENCH_DB = "cqs_bench"

QUERIES = (
    "dang ky khai sinh",
    "khai sinh",
    "chứng thực",
    "chung thuc ban sao",
    "giấy phép xây dựng",
    "hộ kinh doanh",
    "đất đai",
    "kết hôn",
    "đăng ký thường trú",
    "trợ cấp xã hội",
    "lý lịch tư pháp",
    "giay phep ban le ruou",
    "cấp đổi giấy chứng nhận",
    "1.001193",
)

# Realistic qualifiers that turn one procedure of the demo catalog into many distinct ones.
VARIANTS = (
    "",
    " (trường hợp nộp hồ sơ trực tuyến)",
    " đối với người đang cư trú ở nước ngoài",
    " có yếu tố nước ngoài",
    " (thực hiện liên thông)",
    " đối với tổ chức",
    " đối với cá nhân",
    " trong trường hợp ủy quyền",
    " tại khu vực biên giới",
    " (cấp lại do bị mất, hư hỏng)",
    " (điều chỉnh nội dung)",
    " đối với đối tượng chính sách",
)


# ---------------------------------------------------------------- database


def _bench_database_url() -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        from config.embedded_db import database_url

        base = database_url()
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def _ensure_database(url: str) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone() is None:
            conn.execute(f"CREATE DATABASE \"{BENCH_DB}\" ENCODING 'UTF8' TEMPLATE template0")
            print(f"    tạo CSDL {BENCH_DB}")


def _drop_database(url: str) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def _generated_catalog(count: int, *, seed: int = 2026) -> dict[str, Any]:
    from cqs.demo.services import demo_catalog_payload

    rng = random.Random(seed)
    payload = demo_catalog_payload()
    base = payload["procedures"]
    procedures = []
    for index in range(count):
        template = base[index % len(base)]
        variant = VARIANTS[(index // len(base)) % len(VARIANTS)]
        round_no = index // (len(base) * len(VARIANTS))
        suffix = f" – mẫu {round_no + 1}" if round_no else ""
        item = json.loads(json.dumps(template))
        item["code"] = f"9.{100000 + index}"
        item["name"] = f"{template['name']}{variant}{suffix}"
        rng.shuffle(item["documents"])
        procedures.append(item)
    return {"format": payload["format"], "fields": payload["fields"], "procedures": procedures}


def _load(count: int, *, chunk: int) -> dict[str, Any]:
    from django.core.management import call_command

    from cqs.catalog.exchange import catalog_import_json
    from cqs.catalog.models import Procedure
    from cqs.demo.services import demo_agencies, demo_units

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"    migrate: {time.monotonic() - started:.1f} s")
    demo_units()
    demo_agencies()
    present = Procedure.objects.filter(is_published=True).count()
    if present >= count:
        print(f"    đã có {present} thủ tục đang công bố trong {BENCH_DB}, bỏ qua bước nạp (--reload để nạp lại)")
        return {"procedures": present, "load_seconds": None, "skipped": True}
    payload = _generated_catalog(count)
    existing = set(Procedure.objects.values_list("code", flat=True))
    todo = [p for p in payload["procedures"] if p["code"] not in existing]
    started = time.monotonic()
    for start in range(0, len(todo), chunk):
        part = todo[start : start + chunk]
        catalog_import_json(payload={**payload, "procedures": part}, actor=None, publish=True)
        done = start + len(part)
        print(f"    {done}/{len(todo)} thủ tục ({time.monotonic() - started:.1f} s)")
    elapsed = time.monotonic() - started
    total = Procedure.objects.filter(is_published=True).count()
    rate = len(todo) / elapsed if elapsed else 0.0
    print(f"    nạp {len(todo)} thủ tục trong {elapsed:.1f} s ({rate:.0f} thủ tục/s); đang công bố: {total}")
    return {"procedures": total, "loaded": len(todo), "load_seconds": round(elapsed, 2), "skipped": False}


# ---------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        PYTHONPATH=str(ROOT),
    )
    return env


def _collectstatic(env: dict[str, str]) -> None:
    from django.conf import settings

    if (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        return
    print("    collectstatic (lần đầu)")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def _start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
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


def _wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
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


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


# ---------------------------------------------------------------- load generator


@dataclass
class Scenario:
    name: str
    label: str
    paths: list[str]


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


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def _probe(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _drive(port: int, scenario: Scenario, *, threads: int, duration: float, warmup: float) -> Result:
    result = Result(name=scenario.name, label=scenario.label)
    status = _probe(port, scenario.paths[0])
    if status == 404:
        result.skipped = f"{scenario.paths[0]} trả về 404: chưa có trang này, bỏ qua"
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
                conn.request("GET", path, headers={"Connection": "keep-alive"})
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
    result.errors = sum(n for code, n in merged.items() if code != "200")
    result.seconds = duration
    result.rps = round(len(values) / duration, 1)
    result.p50_ms = round(_percentile(values, 0.50) * 1000, 2)
    result.p95_ms = round(_percentile(values, 0.95) * 1000, 2)
    result.p99_ms = round(_percentile(values, 0.99) * 1000, 2)
    return result


def _table(results: list[Result]) -> str:
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


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Đo hiệu năng Chính Quyền Số.")
    parser.add_argument("--procedures", type=int, default=5000, help="số thủ tục nạp vào CSDL đo (mặc định 5000)")
    parser.add_argument("--duration", type=float, default=10.0, help="số giây đo mỗi kịch bản (mặc định 10)")
    parser.add_argument("--warmup", type=float, default=1.0, help="số giây khởi động không tính (mặc định 1)")
    parser.add_argument("--threads", type=int, default=8, help="số luồng khách đồng thời (mặc định 8)")
    parser.add_argument("--workers", type=int, default=2, help="số tiến trình gunicorn (mặc định 2)")
    parser.add_argument("--chunk", type=int, default=1000, help="số thủ tục mỗi lần nhập (mặc định 1000)")
    parser.add_argument("--reload", action="store_true", help=f"xóa và tạo lại CSDL {BENCH_DB} trước khi nạp")
    args = parser.parse_args(argv)
    if not (1 <= args.threads <= 64 and 1 <= args.workers <= 16 and 0 < args.duration <= 120):
        parser.error("giới hạn: 1–64 luồng, 1–16 tiến trình, tối đa 120 giây mỗi kịch bản")
    if not 1 <= args.procedures <= 50000:
        parser.error("số thủ tục phải từ 1 đến 50000")

    sys.path.insert(0, str(ROOT))
    print(f"==> [1/4] Chuẩn bị CSDL {BENCH_DB}")
    url = _bench_database_url()
    if args.reload:
        _drop_database(url)
    _ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    print(f"==> [2/4] Nạp {args.procedures} thủ tục (qua catalog_import_json, công bố ngay)")
    load = _load(args.procedures, chunk=args.chunk)

    env = _server_env(url)
    _collectstatic(env)
    port = _free_port()
    print(f"==> [3/4] Khởi động gunicorn ({args.workers} tiến trình) tại 127.0.0.1:{port}")
    server = _start_gunicorn(env, port, args.workers)
    results: list[Result] = []
    try:
        _wait_ready(port, server)
        scenarios = [
            Scenario("trivial", "/bench/trivial", ["/bench/trivial"]),
            Scenario("portal_search", "Cổng: /thu-tuc/?q=…", [f"/thu-tuc/?q={quote(q)}" for q in QUERIES]),
            Scenario(
                "api_search", "API: /api/v1/procedures?q=…", [f"/api/v1/procedures?q={quote(q)}" for q in QUERIES]
            ),
        ]
        print(f"==> [4/4] Đo {len(scenarios)} kịch bản × {args.duration:g} s, {args.threads} luồng, kết nối giữ mở")
        for scenario in scenarios:
            result = _drive(port, scenario, threads=args.threads, duration=args.duration, warmup=args.warmup)
            note = result.skipped or f"{result.rps:.1f} yêu cầu/s"
            print(f"    {scenario.label}: {note}")
            results.append(result)
    finally:
        _stop(server)

    trivial = next((r for r in results if r.name == "trivial" and not r.skipped and r.rps), None)
    for r in results:
        if trivial is not None and not r.skipped and r.rps:
            r.ratio_to_trivial = round(trivial.rps / r.rps, 2)
    print()
    print(_table(results))
    print("(so với trivial = số yêu cầu/s của trang trivial chia cho số yêu cầu/s của kịch bản)")
    report = {
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "database": BENCH_DB,
        "load": load,
        "server": {"workers": args.workers, "debug": False},
        "client": {"threads": args.threads, "duration_s": args.duration, "warmup_s": args.warmup, "keep_alive": True},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "results": [asdict(r) for r in results],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"Đã ghi {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
