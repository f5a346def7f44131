"""The procedures group: 5,000 procedures loaded into ``cqs_bench``, the portal and API catalogue search."""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from typing import Any
from urllib.parse import quote

from bench.harness import (
    BENCH_DB,
    Result,
    Scenario,
    WorkerMemory,
    collectstatic,
    drive_all,
    ratios_to_trivial,
    server_env,
    start_gunicorn,
    stop,
    wait_ready,
)
from bench.processes import free_port

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


def bench_database_url() -> str:
    from cqs.demo.databases import sibling_database_url

    return sibling_database_url(BENCH_DB)


def ensure_database(url: str) -> None:
    from cqs.demo.databases import ensure_database

    if ensure_database(url):
        print(f"    tạo CSDL {BENCH_DB}")


def drop_database(url: str) -> None:
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


def procedure_group(args: argparse.Namespace) -> tuple[list[Result], dict[str, Any]]:
    print(f"==> Chuẩn bị CSDL {BENCH_DB}")
    url = bench_database_url()
    if args.reload:
        drop_database(url)
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    print(f"==> Nạp {args.procedures} thủ tục (qua catalog_import_json, công bố ngay)")
    load = _load(args.procedures, chunk=args.chunk)

    env = server_env(url)
    collectstatic(env)
    port = free_port()
    print(f"==> Khởi động gunicorn ({args.workers} tiến trình) tại 127.0.0.1:{port}")
    server = start_gunicorn(env, port, args.workers)
    results: list[Result] = []
    memory: dict[str, Any] = {}
    try:
        wait_ready(port, server)
        sampler = WorkerMemory(server.pid)
        scenarios = [
            Scenario("trivial", "/bench/trivial", ["/bench/trivial"]),
            Scenario("portal_search", "Cổng: /thu-tuc/?q=…", [f"/thu-tuc/?q={quote(q)}" for q in QUERIES]),
            Scenario(
                "api_search", "API: /api/v1/procedures?q=…", [f"/api/v1/procedures?q={quote(q)}" for q in QUERIES]
            ),
        ]
        print(f"==> Đo {len(scenarios)} kịch bản × {args.duration:g} s, {args.threads} luồng, kết nối giữ mở")
        results = drive_all(port, list(scenarios), args, sampler)
        memory = sampler.summary()
    finally:
        stop(server)
    ratios_to_trivial(results, "trivial")
    return results, {"database": BENCH_DB, **load, "memory": memory}
