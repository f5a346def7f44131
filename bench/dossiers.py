"""The dossiers group, against the million dossiers of ``cqs_scale``: the desk's worklist and search,
the same selector in process, and online submissions through the API.
"""

from __future__ import annotations

import argparse
import json
import random
from typing import Any
from urllib.parse import quote

from bench.harness import (
    PAGE,
    SCALE_DB,
    SCALE_MIN,
    SUBMIT_PROCEDURE,
    Result,
    Scenario,
    WorkerMemory,
    django_on_scale,
    drive_all,
    probe,
    ratios_to_floor,
    ratios_to_trivial,
    scale_server,
    select_one,
    session_cookie,
    stop,
    time_inprocess,
    wait_ready,
)


def multipart(fields: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
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
    status, body = probe(port, "/api/schema/")
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


def _submission_scenario(port: int, token: str, filing: dict[str, Any], pdfs: list[bytes]) -> Scenario | Result:
    """The online submission with ``pdfs`` attached, or its result skipped when the API does not take it."""
    name, label = "api_submit", "API: POST /api/v1/dossiers (2 PDF)"
    parts = _submission_parts(port)
    if isinstance(parts, str):
        return Result(name=name, label=label, skipped=parts)
    json_part, files_part = parts
    fields = [(json_part, "", json.dumps(filing, ensure_ascii=False).encode(), "application/json")]
    fields += [(files_part, f"giay-to-{n + 1}.pdf", pdf, "application/pdf") for n, pdf in enumerate(pdfs)]
    body, content_type = multipart(fields)
    return Scenario(
        name,
        label,
        ["/api/v1/dossiers"],
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
        method="POST",
        body=body,
        ok=(200, 201),
    )


def submission_filing(*, citizen: Any, officer: Any) -> tuple[dict[str, Any], list[bytes]]:
    """The ``payload`` of an online submission of the demo birth registration to ``officer``'s agency, and its PDFs."""
    from cqs.catalog.models import Procedure
    from cqs.demo.accounts import CITIZENS
    from cqs.demo.people import minimal_pdf

    version = Procedure.objects.select_related("current_version").get(code=SUBMIT_PROCEDURE).current_version
    assert version is not None and officer.agency is not None
    # Two uploaded papers, required ones first; the declaration is made from the e-form, never uploaded.
    uploadable = [d for d in version.documents.all() if not d.is_declaration and not d.replaceable_by]
    documents = sorted(uploadable, key=lambda d: d.is_optional)[:2]
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
    return filing, [minimal_pdf(d.name[:60], (citizen.full_name,)) for d in documents]


def dossier_group(args: argparse.Namespace) -> tuple[list[Result], dict[str, Any]]:
    """Everything measured against cqs_scale; Django must not be set up yet in this process."""
    url, why = django_on_scale()
    if why:
        return [Result(name="dossiers", label=f"Hồ sơ ({SCALE_DB})", skipped=why)], {"database": SCALE_DB}
    from django.db import connection

    from cqs.accounts.models import User
    from cqs.accounts.services import api_token_issue
    from cqs.core.paging import look_ahead_page
    from cqs.core.text import fold
    from cqs.demo.accounts import CITIZENS
    from cqs.dossiers.models import Dossier
    from cqs.dossiers.selectors import box_counts, worklist

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

    # In-process: what the desk page reads (the boxes' figures, a page looked ahead), beside a SELECT 1 round trip.
    def page(box: str, query: str = "") -> Any:
        def run() -> None:
            box_counts(user=officer)
            look_ahead_page(worklist(user=officer, box=box, query=query), number=1, per_page=PAGE)

        return run

    rounds = max(20, int(args.duration * 4))
    inprocess = [
        time_inprocess("sql_select_1", "trong tiến trình: SELECT 1", [select_one], rounds),
        time_inprocess(
            "selector_worklist",
            "trong tiến trình: worklist(hop)",
            [page(b) for b in ("all", "to_process", "late", "to_return")],
            rounds,
        ),
        time_inprocess(
            "selector_search_code", "trong tiến trình: tìm theo mã", [page("all", q) for q in codes], rounds
        ),
        time_inprocess(
            "selector_search_cccd", "trong tiến trình: tìm theo CCCD", [page("all", q) for q in ids], rounds
        ),
        time_inprocess(
            "selector_search_name", "trong tiến trình: tìm theo tên", [page("all", q) for q in names], rounds
        ),
    ]
    ratios_to_floor(inprocess)
    for r in inprocess:
        print(f"    {r.label}: p95 {r.p95_ms:.1f} ms")

    # Over HTTP: a logged-in officer (session cookie) and a citizen's API token.
    cookie = session_cookie(officer)
    _token, raw_token = api_token_issue(user=citizen, name="bench", actor=citizen)
    filing, pdfs = submission_filing(citizen=citizen, officer=officer)
    connection.close()

    port, server = scale_server(url, args.workers)
    try:
        wait_ready(port, server)
        memory = WorkerMemory(server.pid)
        officer_headers = {"Cookie": cookie}
        scenarios: list[Scenario | Result] = [
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
        scenarios.append(_submission_scenario(port, raw_token, filing, pdfs))
        results = drive_all(port, scenarios, args, memory)
        info["memory"] = memory.summary()
    finally:
        stop(server)
    ratios_to_trivial(results, "scale_trivial")
    return [*results, *inprocess], info
