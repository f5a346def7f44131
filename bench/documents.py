"""``python -m bench --only documents``: full-text search over two million documents, issuing and signing.

Against ``cqs_scale`` loaded by ``make seed-documents-scale`` (``manage.py seed_documents_scale``):

* full-text search (``cqs.documents.search.selectors.document_search``, first page) timed in
  process for three readers — the leader of the demo commune, the leader of the provincial
  committee (the largest registers) and a specialist who sees only their department's
  documents — beside a ``SELECT 1`` round trip, then ``/van-ban/tra-cuu/?q=…`` over HTTP
  (gunicorn, logged-in leader) beside the trivial view;
* issue-and-sign throughput: documents per second through ``services_outgoing.outgoing_issue``
  (number and symbol written into the draft's fields, the organisation's PAdES signature, storing,
  audit, dispatch), beside pyHanko alone signing the same one-page PDF with the same organisation
  key and the same settings in the same run (target: issuing at ≥ 50% of pyHanko's rate). The
  documents to issue are prepared first: one Decree 30 letter drafted, uploaded and signed by the
  leader through the services (fields added, certification signature), that PDF copied to each,
  recipients on paper.

Skipped with a message when the database or the documents are not there.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import tempfile
import time
from typing import Any
from urllib.parse import quote

from bench.harness import (
    SCALE_DB,
    Result,
    Scenario,
    WorkerMemory,
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
ISSUE_TARGET_PERCENT = 50

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


def _signed_draft(*, agency: Any, leader: Any, place: str) -> tuple[bytes, str]:
    """(the PDF, its text) of a one-page Decree 30 letter drafted, uploaded and signed through the services.

    As a real draft goes: its places found on upload, the number and date fields and the seal's empty
    signature field added, the leader's certification signature (``outgoing_sign``).
    """
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from cqs.accounts.models import User
    from cqs.demo.documents import document_pdf
    from cqs.documents.models import Department, DocumentFile, DocumentType
    from cqs.documents.outgoing import services as outgoing_services

    specialist = User.objects.get(username="chuyenvien")
    letter = DocumentType.objects.get(name="Công văn")
    outgoing = outgoing_services.outgoing_create(
        agency=agency,
        actor=specialist,
        drafting_department=Department.objects.get(agency=agency, abbreviation="VP"),
        document_type=letter,
        subject="Về việc triển khai chuyển đổi số (đo hiệu năng)",
        signer=leader,
        signing_authority="TM.",
        signer_position="Chủ tịch",
        recipients=[outgoing_services.RecipientSpec(channel="paper", name="Các phòng, ban")],
    )
    draft = document_pdf(
        issuer=agency.name,
        code="     /UBND-VP",
        place=place,
        day=timezone.localdate(),
        kind="Công văn",
        subject="triển khai chuyển đổi số",
        body="Ủy ban nhân dân đề nghị các cơ quan, đơn vị triển khai kế hoạch chuyển đổi số năm 2026.",
    )
    upload = SimpleUploadedFile("du-thao.pdf", draft, content_type="application/pdf")
    outgoing_services.outgoing_draft_upload(outgoing=outgoing, actor=specialist, upload=upload)
    outgoing_services.outgoing_submit_for_review(outgoing=outgoing, actor=specialist, reviewers=[])
    outgoing_services.outgoing_sign(outgoing=outgoing, actor=leader)
    signed = outgoing.files.filter(kind=DocumentFile.Kind.SIGNED).latest("pk")
    return bytes(signed.file.read()), signed.text


def _timed(name: str, label: str, timings: list[float], total: float) -> Result:
    values = sorted(timings)
    return Result(
        name=name,
        label=label,
        requests=len(values),
        seconds=round(total, 3),
        rps=round(len(values) / total, 2),
        p50_ms=round(percentile(values, 0.50) * 1000, 2),
        p95_ms=round(percentile(values, 0.95) * 1000, 2),
        p99_ms=round(percentile(values, 0.99) * 1000, 2),
    )


def _pyhanko_alone(*, pdf: bytes, organisation: Any, place: str, count: int) -> Result:
    """pyHanko by itself signing the organisation's field of ``pdf`` with the same key and the same settings.

    The signature ``outgoing_issue`` makes: PAdES (``ETSI.CAdES.detached``), SHA-256, the chain, the
    same reason, location and reserved size, a timestamp when ``CQS_TSA_URL`` is set; the signer built
    once with pyHanko's ``SimpleSigner``, the field drawn with pyHanko's own default appearance.
    """
    from asn1crypto import keys as asn1_keys
    from cryptography.hazmat.primitives import serialization
    from django.conf import settings
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from cqs.documents.outgoing.services.issuing import SEAL_FIELD
    from cqs.signing import ca
    from cqs.signing.pdf import RESERVED_BYTES, timestamper
    from cqs.signing.signers import asn1_certificate, chain_of

    key = ca.key_decrypt(organisation.private_key_pem)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    signer = signers.SimpleSigner(
        signing_cert=asn1_certificate(organisation),
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs([asn1_certificate(c) for c in chain_of(organisation)]),
    )
    reserved = RESERVED_BYTES[bool(settings.CQS_TSA_URL)]
    timings: list[float] = []
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        meta = signers.PdfSignatureMetadata(
            field_name=SEAL_FIELD,
            md_algorithm="sha256",
            reason="Phát hành văn bản",
            location=place,
            name=organisation.common_name,
            subfilter=fields.SigSeedSubFilter.PADES,
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        signers.PdfSigner(meta, signer=signer, timestamper=timestamper()).sign_pdf(writer, bytes_reserved=reserved)
        timings.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    return _timed("pyhanko_alone", "pyHanko một mình: ký cùng PDF, cùng khóa (chữ ký/s)", timings, total)


def signed_documents(*, count: int, subject: str, edxml: tuple[str, str] | None = None) -> tuple[Any, Any, list[Any]]:
    """(clerk, organisation certificate, ``count`` documents of the demo commune signed by its leader, to issue).

    A one-page Decree 30 letter is drafted, uploaded and signed once through the services
    (``_signed_draft``); each document holds that signed PDF, goes on paper, and to the agency
    ``edxml`` = (organ id, name) over the exchange axis when given.
    """
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from cqs.accounts.models import User
    from cqs.documents import numbering
    from cqs.documents.models import DocumentFile, OutgoingDocument, OutgoingStatus, Recipient
    from cqs.signing import selectors, services
    from cqs.signing.models import Certificate

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
    if selectors.certificate_of_user(leader) is None:
        services.certificate_issue(
            issuer=issuing, common_name=leader.full_name, kind=Certificate.Kind.PERSONAL, owner=leader, actor=None
        )
    signed, text = _signed_draft(agency=agency, leader=leader, place=numbering.place_name(agency))
    template = OutgoingDocument.objects.filter(agency=agency).latest("pk")
    prepared: list[OutgoingDocument] = []
    for index in range(count):
        document = OutgoingDocument.objects.create(
            agency=agency,
            drafting_department=template.drafting_department,
            drafter=template.drafter,
            document_type=template.document_type,
            subject=f"{subject} (bản {index + 1})",
            status=OutgoingStatus.SIGNED,
            signer=leader,
            signed_at=timezone.now(),
            keeping_department=template.drafting_department,
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
        if edxml is not None:
            organ_id, name = edxml
            Recipient.objects.create(outgoing=document, channel=Recipient.Channel.EDXML, organ_id=organ_id, name=name)
        prepared.append(document)
    return clerk, organisation, prepared


def _issue_group(*, count: int) -> tuple[list[Result], dict[str, Any]]:
    """Issue ``count`` signed documents through outgoing_issue, then pyHanko alone signs the same PDF as often."""
    from django.test import override_settings

    from cqs.documents import numbering
    from cqs.documents.models import DocumentFile
    from cqs.documents.outgoing.services import outgoing_issue

    with tempfile.TemporaryDirectory(prefix="cqs-bench-media-") as media, override_settings(MEDIA_ROOT=media):
        clerk, organisation, prepared = signed_documents(
            count=count, subject="Về việc triển khai chuyển đổi số (đo hiệu năng)"
        )
        signed = bytes(prepared[0].files.get(kind=DocumentFile.Kind.SIGNED).file.read())
        timings: list[float] = []
        started = time.perf_counter()
        for document in prepared:
            t0 = time.perf_counter()
            outgoing_issue(outgoing=document, actor=clerk)
            timings.append(time.perf_counter() - t0)
        total = time.perf_counter() - started
    issued = _timed("issue_and_sign", "outgoing_issue: cấp số + ký số tổ chức (văn bản/s)", timings, total)
    place = numbering.place_name(prepared[0].agency)
    alone = _pyhanko_alone(pdf=signed, organisation=organisation, place=place, count=count)
    share = round(100 * issued.rps / alone.rps, 1) if alone.rps else 0.0
    issued.ratio_to_trivial = round(alone.rps / issued.rps, 2) if issued.rps else None
    info = {"issue_vs_pyhanko_percent": share, "target_percent": ISSUE_TARGET_PERCENT, "pdf_bytes": len(signed)}
    return [issued, alone], info


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

    print(f"    cấp số và ký số {ISSUE_COUNT} văn bản đi qua outgoing_issue, rồi pyHanko một mình ký cùng PDF")
    issuing, info["issuing"] = _issue_group(count=ISSUE_COUNT)
    for r in issuing:
        print(f"    {r.label}: {r.rps:.2f}/s (p95 {r.p95_ms:.1f} ms)")
    share, target = info["issuing"]["issue_vs_pyhanko_percent"], ISSUE_TARGET_PERCENT
    print(f"    cấp số + ký số đạt {share:.0f}% tốc độ của pyHanko một mình (mục tiêu ≥ {target}%)")

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
        memory = WorkerMemory(server.pid)
        results = drive_all(port, scenarios, args, memory)
        info["memory"] = memory.summary()
    finally:
        stop(server)
    ratios_to_trivial(results, "documents_trivial")
    return [*results, *inprocess, *issuing], info
