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
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.documents import documents_group
from bench.dossiers import dossier_group
from bench.harness import BENCH_DB, RESULTS, ROOT, SCALE_DB, Result, table
from bench.procedures import procedure_group

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


SCALE_GROUPS = (
    ("dossiers", f"==> Hồ sơ: một cửa và nộp trực tuyến trên {SCALE_DB}", dossier_group),
    ("documents", f"==> Văn bản: tra cứu toàn văn, cấp số và ký số trên {SCALE_DB}", documents_group),
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
        found, load = procedure_group(args)
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
    print(table(results))
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
