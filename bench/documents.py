"""``python -m bench --only documents``: full-text search over two million documents, issuing and signing.

Against ``cqs_scale`` loaded by ``make seed-documents-scale`` (``manage.py seed_documents_scale``):

* full-text search (``cqs.documents.search.selectors.document_search``, first page) timed in
  process for three readers — the leader of the demo commune, the leader of the provincial
  committee (the largest registers) and a specialist who sees only their department's
  documents — beside a ``SELECT 1`` round trip, then ``/van-ban/tra-cuu/?q=…`` over HTTP
  (gunicorn, logged-in leader) beside the trivial view;
* issue-and-sign throughput: documents per second through ``services_outgoing.outgoing_issue``
  (number and symbol, the organisation's PAdES signature, storing, audit, dispatch), beside the
  raw RSA signing rate of the same organisation key in the same run (``private_key.sign`` of
  SHA-256 digests). The documents to issue are prepared first: drafted, signed once by the
  leader's personal certificate (that PDF copied to each), recipients on paper.

Skipped with a message when the database or the documents are not there.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from typing import Any
from urllib.parse import quote

from bench.harness import (
    SCALE_DB,
    Result,
    Scenario,
    django_on_scale,
    drive_all,
    percentile,
    ratios_to_floor,
    ratios_to_trivial,
    scale_server,
    select_one,
    session_cookie,
    stop,
    time_inprocess,
    wait_ready,
)

DOCUMENTS_MIN = 100_000
ISSUE_COUNT = 30
RSA_SECONDS = 2.0

# What officials type: subjects and senders, with and without diacritics, codes, words only in the files' text.
QUERIES = (
    "kế hoạch phòng cháy chữa cháy",
    "ke hoach phong chay",
    "chuyển đổi số",
    "chuyen doi so",
    "thiên tai",
    "tinh gian bien che",
    "giải ngân vốn đầu tư công",
    "an toan thuc pham",
    "Bộ Nội vụ",
    "bao hiem xa hoi tu nguyen",
    "trực ban 24/24",
    "truc ban 24",
    "chữ ký số chuyên dùng",
    "sap xep to chuc bo may",
    "QĐ-UBND",
    "cong tac tuyen quan nam 2026",
    "nông thôn mới",
    "hoi dong thi dua khen thuong",
    "tiếp công dân",
    "giam ngheo",
)


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _issue_group(*, count: int) -> list[Result]:
    """Issue ``count`` signed documents through outgoing_issue; the raw RSA rate of the same key beside it."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, utils
    from django.core.files.base import ContentFile
    from django.test import override_settings
    from django.utils import timezone

    from cqs.accounts.models import User
    from cqs.demo.people import minimal_pdf
    from cqs.documents.models import (
        Department,
        DocumentFile,
        DocumentType,
        OutgoingDocument,
        OutgoingStatus,
        Recipient,
    )
    from cqs.documents.outgoing.services import outgoing_issue
    from cqs.documents.search import extraction
    from cqs.signing import ca, selectors, services
    from cqs.signing.models import Certificate
    from cqs.signing.pdf import pdf_sign

    leader = User.objects.get(username="lanhdao")
    clerk = User.objects.get(username="vanthu")
    agency = leader.agency
    assert agency is not None
    issuing = selectors.issuing_ca()
    if issuing is None:
        _root, issuing = services.ca_create_demo(province_name="Nghệ An")
    organisation = selectors.certificate_of_agency(agency) or services.certificate_issue(
        issuer=issuing, common_name=agency.name, kind=Certificate.Kind.ORGANISATION, agency=agency, actor=None
    )
    personal = selectors.certificate_of_user(leader) or services.certificate_issue(
        issuer=issuing, common_name=leader.full_name, kind=Certificate.Kind.PERSONAL, owner=leader, actor=None
    )
    department = Department.objects.filter(agency=agency).order_by("pk").first()
    assert department is not None, "seed_documents_scale creates the departments"
    letter = DocumentType.objects.get(name="Công văn")
    draft = minimal_pdf("Cong van ve viec trien khai chuyen doi so", ("Kinh gui: cac co quan, don vi.",))
    signed = pdf_sign(pdf=draft, certificate=personal, reason="Ký ban hành", location="Nghệ An", placement="signature")
    text = extraction.pdf_text_extract(signed).text
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="cqs-bench-media-") as media, override_settings(MEDIA_ROOT=media):
        prepared: list[OutgoingDocument] = []
        for index in range(count):
            document = OutgoingDocument.objects.create(
                agency=agency,
                drafting_department=department,
                drafter=leader,
                document_type=letter,
                subject=f"Về việc triển khai chuyển đổi số (đo hiệu năng, bản {index + 1})",
                status=OutgoingStatus.SIGNED,
                signer=leader,
                signed_at=timezone.now(),
                keeping_department=department,
            )
            DocumentFile.objects.create(
                outgoing=document,
                kind=DocumentFile.Kind.SIGNED,
                name="cong-van.pdf",
                file=ContentFile(signed, name="cong-van.pdf"),
                size=len(signed),
                sha256=hashlib.sha256(signed).hexdigest(),
                text=text,
                uploaded_by=leader,
            )
            Recipient.objects.create(outgoing=document, channel=Recipient.Channel.PAPER, name="Các phòng, ban")
            prepared.append(document)
        timings: list[float] = []
        started = time.perf_counter()
        for document in prepared:
            t0 = time.perf_counter()
            outgoing_issue(outgoing=document, actor=clerk)
            timings.append(time.perf_counter() - t0)
        total = time.perf_counter() - started
    values = sorted(timings)
    results.append(
        Result(
            name="issue_and_sign",
            label="outgoing_issue: cấp số + ký số tổ chức (văn bản/s)",
            requests=len(values),
            seconds=round(total, 3),
            rps=round(len(values) / total, 2),
            p50_ms=round(percentile(values, 0.50) * 1000, 2),
            p95_ms=round(percentile(values, 0.95) * 1000, 2),
            p99_ms=round(percentile(values, 0.99) * 1000, 2),
        )
    )
    key = ca.key_decrypt(organisation.private_key_pem)
    digests = [hashlib.sha256(f"cqs-bench-{n}".encode()).digest() for n in range(64)]
    rsa_timings: list[float] = []
    deadline = time.perf_counter() + RSA_SECONDS
    while time.perf_counter() < deadline:
        digest = digests[len(rsa_timings) % len(digests)]
        t0 = time.perf_counter()
        key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        rsa_timings.append(time.perf_counter() - t0)
    rsa_total = sum(rsa_timings)
    rsa_values = sorted(rsa_timings)
    results.append(
        Result(
            name="rsa_sign_raw",
            label=f"RSA-{key.key_size} thuần, cùng khóa (chữ ký/s)",
            requests=len(rsa_values),
            seconds=round(rsa_total, 3),
            rps=round(len(rsa_values) / rsa_total, 1),
            p50_ms=round(percentile(rsa_values, 0.50) * 1000, 3),
            p95_ms=round(percentile(rsa_values, 0.95) * 1000, 3),
            p99_ms=round(percentile(rsa_values, 0.99) * 1000, 3),
        )
    )
    return results


def documents_group(args: argparse.Namespace) -> tuple[list[Result], dict[str, Any]]:
    """Everything measured on the documents of cqs_scale; Django must not be set up yet in this process."""
    url, why = django_on_scale(table="documents_incomingdocument", what="văn bản", make="seed-documents-scale")
    if why:
        return [Result(name="documents", label=f"Văn bản ({SCALE_DB})", skipped=why)], {"database": SCALE_DB}
    from django.db import connection

    from cqs.accounts.models import Role, User
    from cqs.demo import agencies as data
    from cqs.documents.models import IncomingDocument, OutgoingDocument
    from cqs.documents.search.selectors import SearchFilters, document_search
    from cqs.units.models import Agency

    with connection.cursor() as cursor:  # planner estimates, not COUNT(*) over millions
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)",
            [["documents_incomingdocument", "documents_outgoingdocument"]],
        )
        sizes = {name: max(0, int(n)) for name, n in cursor.fetchall()}
    incoming = sizes.get("documents_incomingdocument", 0)
    outgoing = sizes.get("documents_outgoingdocument", 0)
    info: dict[str, Any] = {"database": SCALE_DB, "incoming_estimate": incoming, "outgoing_estimate": outgoing}
    print(f"    {SCALE_DB}: ~{_n(incoming)} văn bản đến, ~{_n(outgoing)} văn bản đi")
    if incoming + outgoing < DOCUMENTS_MIN:
        why = f"{SCALE_DB} mới có ~{incoming + outgoing} văn bản (cần ≥ {DOCUMENTS_MIN})"
        why += ": chạy `make seed-documents-scale`"
        return [Result(name="documents", label=f"Văn bản ({SCALE_DB})", skipped=why)], info
    leader = User.objects.get(username="lanhdao")
    province = Agency.objects.get(electronic_code=data.PROVINCIAL_COMMITTEE)
    province_leader = (
        User.objects.filter(roles__role=Role.LEADER, roles__agency=province, is_active=True).order_by("pk").first()
    )
    specialist = User.objects.get(username="chuyenvien")
    info["home_incoming"] = IncomingDocument.objects.filter(agency=leader.agency).count()
    info["home_outgoing"] = OutgoingDocument.objects.filter(agency=leader.agency).count()
    info["province_incoming"] = IncomingDocument.objects.filter(agency=province).count()

    def searcher(user: Any, query: str) -> Any:
        def run() -> None:
            document_search(user=user, filters=SearchFilters(query=query))

        return run

    rounds = max(len(QUERIES), int(args.duration * 4))
    inprocess = [time_inprocess("docs_sql_select_1", "trong tiến trình: SELECT 1", [select_one], rounds)]
    readers = [("home_leader", "lãnh đạo xã", leader), ("province_leader", "lãnh đạo UBND tỉnh", province_leader)]
    readers.append(("specialist", "chuyên viên (theo đơn vị)", specialist))
    for name, label, user in readers:
        if user is None:
            continue
        for query in QUERIES[:3]:  # warm the caches the way a working server has them
            searcher(user, query)()
        inprocess.append(
            time_inprocess(
                f"search_{name}",
                f"trong tiến trình: tra cứu toàn văn, {label}",
                [searcher(user, q) for q in QUERIES],
                rounds,
            )
        )
    ratios_to_floor(inprocess)
    for r in inprocess:
        print(f"    {r.label}: p50 {r.p50_ms:.1f} ms, p95 {r.p95_ms:.1f} ms")

    print(f"    cấp số và ký số {ISSUE_COUNT} văn bản đi qua outgoing_issue")
    issuing = _issue_group(count=ISSUE_COUNT)
    for r in issuing:
        print(f"    {r.label}: {r.rps:.2f}/s (p95 {r.p95_ms:.1f} ms)")

    scenarios: list[Scenario | Result] = [
        Scenario("documents_trivial", f"/bench/trivial ({SCALE_DB})", ["/bench/trivial"])
    ]
    for name, label, user in readers:
        http_name, http_label = f"documents_search_http_{name}", f"Văn bản: /van-ban/tra-cuu/?q=… ({label})"
        if user is None:
            scenarios.append(Result(name=http_name, label=http_label, skipped="không có người dùng này trong dữ liệu"))
            continue
        paths = [f"/van-ban/tra-cuu/?q={quote(q)}" for q in QUERIES]
        scenarios.append(Scenario(http_name, http_label, paths, headers={"Cookie": session_cookie(user)}))
    connection.close()
    port, server = scale_server(url, args.workers)
    try:
        wait_ready(port, server)
        results = drive_all(port, scenarios, args)
    finally:
        stop(server)
    ratios_to_trivial(results, "documents_trivial")
    return [*results, *inprocess, *issuing], info
