"""``python -m bench``: measure the platform under gunicorn, each figure beside a trivial view.

Three groups of scenarios (``--only procedures`` / ``--only dossiers`` / ``--only documents``; all by default):

* procedures — load 5,000 procedures into ``cqs_bench``, measure the portal and API search;
* dossiers — against ``cqs_scale`` (one million dossiers, ``make seed-scale``): the one-stop
  desk's worklist ``/mot-cua/?hop=…`` and its search (``q=`` by code, CCCD, name without
  diacritics) as the demo one-stop officer, the same selector timed in-process, and online
  submissions through ``POST /api/v1/dossiers`` (multipart, two PDFs, bearer token of the demo
  citizen) — skipped with a message when the endpoint or the database is not there;
* documents — against the two million documents of ``cqs_scale`` (``make seed-documents-scale``):
  full-text search p95 in process and over HTTP, and issue-and-sign throughput beside the raw
  RSA signing rate of the same key (``bench/documents.py``).

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
from urllib.parse import quote

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
    from cqs.demo.databases import sibling_database_url

    return sibling_database_url(BENCH_DB)


def _ensure_database(url: str) -> None:
    from cqs.demo.databases import ensure_database

    if ensure_database(url):
        print(f"    tạo CSDL {BENCH_DB}")


def _drop_database(url: str) -> None:
    from cqs.demo.databases import drop_database

    drop_database(url)


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
    """Collect static files (incremental: only new or changed files are copied; the manifest is rewritten)."""
    print("    collectstatic")
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


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def _probe(port: int, path: str, scenario: Scenario | None = None) -> tuple[int, bytes]:
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


def _drive(port: int, scenario: Scenario, *, threads: int, duration: float, warmup: float) -> Result:
    result = Result(name=scenario.name, label=scenario.label)
    status, body = _probe(port, scenario.paths[0], scenario)
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


# ---------------------------------------------------------------- dossiers (cqs_scale)

SCALE_DB = "cqs_scale"
SCALE_MIN = 100_000
PAGE = 20
SUBMIT_PROCEDURE = "1.001193"


def _scale_database_ready(
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
    why = _scale_database_ready(url, **ready)
    if why:
        return url, why
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    return url, ""


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


def _multipart(fields: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    """(name, filename or "", content, content type) parts → body and its Content-Type."""
    boundary = f"cqsbench{random.getrandbits(64):016x}"
    out = bytearray()
    for name, filename, content, content_type in fields:
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"Content-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n".encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def _submission_parts(port: int) -> tuple[str, str] | str:
    """The names of the JSON part and the files part of POST /api/v1/dossiers, from the OpenAPI schema."""
    status, body = _probe(port, "/api/schema/")
    if status != 200:
        return f"lược đồ OpenAPI /api/schema/ trả về {status}: bỏ qua"
    schema = json.loads(body)
    operation = schema.get("paths", {}).get("/api/v1/dossiers", {}).get("post")
    if operation is None:
        return "API chưa có POST /api/v1/dossiers (người phụ trách API đang làm): bỏ qua"
    content = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data", {}).get("schema", {})
    if "$ref" in content:
        content = schema["components"]["schemas"][content["$ref"].rsplit("/", 1)[1]]
    files_part = json_part = ""
    for name, prop in content.get("properties", {}).items():
        items = prop.get("items", {})
        if prop.get("format") == "binary" or items.get("format") == "binary" or prop.get("type") == "array":
            files_part = files_part or name
        else:
            json_part = json_part or name
    if not files_part or not json_part:
        return "POST /api/v1/dossiers không nhận multipart (tệp + tờ khai JSON) như dự kiến: bỏ qua"
    return json_part, files_part


def _submission_scenario(port: int, token: str, filing: dict[str, Any], pdfs: list[bytes]) -> Scenario | str:
    parts = _submission_parts(port)
    if isinstance(parts, str):
        return parts
    json_part, files_part = parts
    fields = [(json_part, "", json.dumps(filing, ensure_ascii=False).encode(), "application/json")]
    fields += [(files_part, f"giay-to-{n + 1}.pdf", pdf, "application/pdf") for n, pdf in enumerate(pdfs)]
    body, content_type = _multipart(fields)
    return Scenario(
        "api_submit",
        "API: POST /api/v1/dossiers (2 PDF)",
        ["/api/v1/dossiers"],
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
        method="POST",
        body=body,
        ok=(200, 201),
    )


def _time_inprocess(name: str, label: str, work: list[Any], rounds: int) -> Result:
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
        p50_ms=round(_percentile(values, 0.50) * 1000, 2),
        p95_ms=round(_percentile(values, 0.95) * 1000, 2),
        p99_ms=round(_percentile(values, 0.99) * 1000, 2),
    )


def _dossier_group(args: argparse.Namespace) -> tuple[list[Result], dict[str, Any]]:
    """Everything measured against cqs_scale; Django must not be set up yet in this process."""
    url, why = django_on_scale()
    if why:
        return [Result(name="dossiers", label=f"Hồ sơ ({SCALE_DB})", skipped=why)], {"database": SCALE_DB}
    from django.db import connection

    from cqs.accounts.models import User
    from cqs.accounts.services import api_token_issue
    from cqs.catalog.models import Procedure
    from cqs.core.text import fold
    from cqs.demo.people import minimal_pdf
    from cqs.demo.services import CITIZENS
    from cqs.dossiers.models import Dossier
    from cqs.dossiers.selectors import worklist

    total = Dossier.objects.count()
    info: dict[str, Any] = {"database": SCALE_DB, "dossiers": total}
    print(f"    {SCALE_DB}: {total:,} hồ sơ".replace(",", "."))
    if total < SCALE_MIN:
        why = f"{SCALE_DB} mới có {total} hồ sơ (cần ≥ {SCALE_MIN}): chạy `make seed-scale`"
        return [Result(name="dossiers", label=f"Hồ sơ ({SCALE_DB})", skipped=why)], info
    officer = User.objects.get(username="motcua")
    citizen = User.objects.get(username=CITIZENS[0].citizen_id)
    mine = Dossier.objects.filter(receiving_agency=officer.agency)
    info["officer_agency_dossiers"] = mine.count()
    sample = list(mine.order_by("?").values("code", "applicant_id_number", "applicant_name")[:40])
    codes = [row["code"] for row in sample]
    ids = [row["applicant_id_number"] for row in sample]
    names = [fold(row["applicant_name"]) for row in sample]

    # In-process: the selector the desk page uses (count + first page), beside a SELECT 1 round trip.
    def page(box: str, query: str = "") -> Any:
        def run() -> None:
            qs = worklist(user=officer, box=box, query=query)
            qs.count()
            list(qs[:PAGE])

        return run

    rounds = max(20, int(args.duration * 4))
    inprocess = [
        _time_inprocess("sql_select_1", "trong tiến trình: SELECT 1", [select_one], rounds),
        _time_inprocess(
            "selector_worklist",
            "trong tiến trình: worklist(hop)",
            [page(b) for b in ("all", "to_process", "late", "to_return")],
            rounds,
        ),
        _time_inprocess(
            "selector_search_code", "trong tiến trình: tìm theo mã", [page("all", q) for q in codes], rounds
        ),
        _time_inprocess(
            "selector_search_cccd", "trong tiến trình: tìm theo CCCD", [page("all", q) for q in ids], rounds
        ),
        _time_inprocess(
            "selector_search_name", "trong tiến trình: tìm theo tên", [page("all", q) for q in names], rounds
        ),
    ]
    ratios_to_floor(inprocess)
    for r in inprocess:
        print(f"    {r.label}: p95 {r.p95_ms:.1f} ms")

    # Over HTTP: a logged-in officer (session cookie) and a citizen's API token.
    cookie = session_cookie(officer)
    _token, raw_token = api_token_issue(user=citizen, name="bench", actor=citizen)
    version = Procedure.objects.select_related("current_version").get(code=SUBMIT_PROCEDURE).current_version
    assert version is not None and officer.agency is not None
    documents = [d for d in version.documents.all() if not d.is_optional and not d.replaceable_by][:2]
    filing = {
        "procedure": SUBMIT_PROCEDURE,
        "deciding_agency": officer.agency.electronic_code,
        "form_data": {
            "ho_ten_nguoi_yeu_cau": citizen.full_name,
            "so_dinh_danh": citizen.citizen_id,
            "dien_thoai": citizen.phone or "0912000001",
            "noi_cu_tru": CITIZENS[0].address,
            "quan_he": "Mẹ",
            "ho_ten_tre": "Nguyễn Minh Khang",
            "ngay_sinh_tre": "02/11/2026",
            "gioi_tinh_tre": "Nam",
            "noi_sinh": "Bệnh viện Sản Nhi Nghệ An",
        },
        "attachments": [{"required_document_id": d.pk} for d in documents],
    }
    pdfs = [minimal_pdf(d.name[:60], (citizen.full_name,)) for d in documents]
    connection.close()

    env = _server_env(url)
    _collectstatic(env)
    env["CQS_OFFICIAL_TOTP_REQUIRED"] = "false"  # the bench logs in with a session; TOTP has its own tests
    port = _free_port()
    print(f"    gunicorn ({args.workers} tiến trình) trên {SCALE_DB} tại 127.0.0.1:{port}")
    server = _start_gunicorn(env, port, args.workers)
    results: list[Result] = []
    try:
        _wait_ready(port, server)
        officer_headers = {"Cookie": cookie}
        scenarios: list[Scenario | str] = [
            Scenario("scale_trivial", f"/bench/trivial ({SCALE_DB})", ["/bench/trivial"]),
            Scenario(
                "desk_worklist",
                "Một cửa: /mot-cua/?hop=…",
                [f"/mot-cua/?hop={b}" for b in ("all", "to_process", "late", "to_return")],
                headers=officer_headers,
            ),
            Scenario(
                "desk_search_code",
                "Một cửa: q=mã hồ sơ",
                [f"/mot-cua/?hop=all&q={quote(q)}" for q in codes],
                headers=officer_headers,
            ),
            Scenario(
                "desk_search_cccd",
                "Một cửa: q=CCCD",
                [f"/mot-cua/?hop=all&q={quote(q)}" for q in ids],
                headers=officer_headers,
            ),
            Scenario(
                "desk_search_name",
                "Một cửa: q=tên không dấu",
                [f"/mot-cua/?hop=all&q={quote(q)}" for q in names],
                headers=officer_headers,
            ),
        ]
        submission = _submission_scenario(port, raw_token, filing, pdfs)
        scenarios.append(submission)
        for scenario in scenarios:
            if isinstance(scenario, str):
                result = Result(name="api_submit", label="API: POST /api/v1/dossiers (2 PDF)", skipped=scenario)
            else:
                result = _drive(port, scenario, threads=args.threads, duration=args.duration, warmup=args.warmup)
            print(f"    {result.label}: {result.skipped or f'{result.rps:.1f} yêu cầu/s, p95 {result.p95_ms:.1f} ms'}")
            results.append(result)
    finally:
        _stop(server)
    trivial = next((r for r in results if r.name == "scale_trivial" and not r.skipped and r.rps), None)
    for r in results:
        if trivial is not None and not r.skipped and r.rps:
            r.ratio_to_trivial = round(trivial.rps / r.rps, 2)
    return [*results, *inprocess], info


# ---------------------------------------------------------------- main


def _procedure_group(args: argparse.Namespace) -> tuple[list[Result], dict[str, Any]]:
    print(f"==> Chuẩn bị CSDL {BENCH_DB}")
    url = _bench_database_url()
    if args.reload:
        _drop_database(url)
    _ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    print(f"==> Nạp {args.procedures} thủ tục (qua catalog_import_json, công bố ngay)")
    load = _load(args.procedures, chunk=args.chunk)

    env = _server_env(url)
    _collectstatic(env)
    port = _free_port()
    print(f"==> Khởi động gunicorn ({args.workers} tiến trình) tại 127.0.0.1:{port}")
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
        print(f"==> Đo {len(scenarios)} kịch bản × {args.duration:g} s, {args.threads} luồng, kết nối giữ mở")
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
    return results, {"database": BENCH_DB, **load}


GROUPS = ("procedures", "dossiers", "documents")


def _group_in_child(name: str, args: argparse.Namespace) -> tuple[list[Result], dict[str, Any]]:
    """Measure one group against cqs_scale in a fresh process (Django is already set up on another database here)."""
    part = ROOT / "bench-results" / f".{name}-part.json"
    part.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "bench", "--only", name, "--part", str(part)]
    command += ["--duration", str(args.duration), "--warmup", str(args.warmup)]
    command += ["--threads", str(args.threads), "--workers", str(args.workers)]
    subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603 (this very module)
    data = json.loads(part.read_text(encoding="utf-8"))
    part.unlink()
    return [Result(**r) for r in data["results"]], data["load"]


def _documents_group(args: argparse.Namespace) -> tuple[list[Result], dict[str, Any]]:
    from bench.documents import documents_group  # that module imports this one

    return documents_group(args)


SCALE_GROUPS = (
    ("dossiers", f"==> Hồ sơ: một cửa và nộp trực tuyến trên {SCALE_DB}", _dossier_group),
    ("documents", f"==> Văn bản: tra cứu toàn văn, cấp số và ký số trên {SCALE_DB}", _documents_group),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Đo hiệu năng Chính Quyền Số.")
    parser.add_argument(
        "--only", default=",".join(GROUPS), help="nhóm kịch bản: procedures, dossiers, documents (mặc định tất cả)"
    )
    parser.add_argument("--procedures", type=int, default=5000, help="số thủ tục nạp vào CSDL đo (mặc định 5000)")
    parser.add_argument("--duration", type=float, default=10.0, help="số giây đo mỗi kịch bản (mặc định 10)")
    parser.add_argument("--warmup", type=float, default=1.0, help="số giây khởi động không tính (mặc định 1)")
    parser.add_argument("--threads", type=int, default=8, help="số luồng khách đồng thời (mặc định 8)")
    parser.add_argument("--workers", type=int, default=2, help="số tiến trình gunicorn (mặc định 2)")
    parser.add_argument("--chunk", type=int, default=1000, help="số thủ tục mỗi lần nhập (mặc định 1000)")
    parser.add_argument("--reload", action="store_true", help=f"xóa và tạo lại CSDL {BENCH_DB} trước khi nạp")
    parser.add_argument("--part", default="", help=argparse.SUPPRESS)  # internal: write this group's results here
    args = parser.parse_args(argv)
    groups = [g.strip() for g in args.only.split(",") if g.strip()]
    if not groups or any(g not in GROUPS for g in groups):
        parser.error(f"--only nhận: {', '.join(GROUPS)}")
    if not (1 <= args.threads <= 64 and 1 <= args.workers <= 16 and 0 < args.duration <= 120):
        parser.error("giới hạn: 1–64 luồng, 1–16 tiến trình, tối đa 120 giây mỗi kịch bản")
    if not 1 <= args.procedures <= 50000:
        parser.error("số thủ tục phải từ 1 đến 50000")

    sys.path.insert(0, str(ROOT))
    results: list[Result] = []
    loads: dict[str, Any] = {}
    if "procedures" in groups:
        found, load = _procedure_group(args)
        results += found
        loads["procedures"] = load
    django_here = "procedures" in groups  # Django is set up on cqs_bench: cqs_scale is measured in a child process
    for name, heading, measure in SCALE_GROUPS:
        if name not in groups:
            continue
        if not args.part:
            print(heading)
        if django_here:
            found, info = _group_in_child(name, args)
        else:
            found, info = measure(args)
            django_here = True
            if args.part:
                payload = {"results": [asdict(r) for r in found], "load": info}
                Path(args.part).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
                return 0
        results += found
        loads[name] = info

    print()
    print(_table(results))
    print("(so với trivial = số yêu cầu/s của trang trivial đo trong cùng lần chạy chia cho số yêu cầu/s của kịch bản;")
    print(" các dòng «trong tiến trình» so với một lượt SELECT 1)")
    report = {
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "groups": groups,
        "load": loads,
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
