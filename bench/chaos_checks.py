"""The data of the chaos check (``bench.chaos``) and its invariants, in the process where Django is set up.

What must hold after the kills (docs/chaos.md):

* every operation answered 2xx is in the database exactly once (as many new dossiers as submissions, the
  accepted dossier accepted once, the issued document numbered once), its answer the one kept for its
  ``Idempotency-Key``; nothing unanswered or lost;
* nothing is half-written: every dossier has its files (on disk, of their size) and its first event,
  every issued document its number, symbol, organisation-signed file and one edXML package per
  electronic recipient, every document not issued no number; issue numbers are gap-free;
* the audit chain verifies;
* every job ran to success exactly once (one ``succeeded`` event, none left to do, doing or failed) and
  each edXML package reached the partner.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.documents import signed_documents
from bench.dossiers import submission_filing

PARTNER_ORGAN = "000.00.00.G99"
PARTNER_NAME = "Cơ quan đối tác liên thông (kiểm tra hỗn loạn)"


@dataclass
class Prepared:
    plan: dict[str, Any]
    citizen_id: int
    dossiers_before: int


def chaos_data_load() -> None:
    """The demo's units, agencies, catalogue, accounts and the documents' departments: what the operations need.

    No officials of other agencies, no sample dossiers or documents; the certificates to sign with are made by
    ``signed_documents`` (the demo's own certificates step takes minutes on a loaded machine).
    """
    from cqs.accounts.models import User
    from cqs.demo import agencies as data
    from cqs.demo.documents import demo_document_setup
    from cqs.demo.services import demo_accounts, demo_agencies, demo_catalog, demo_units
    from cqs.units.models import Agency

    demo_units()
    demo_agencies()
    demo_catalog()
    demo_accounts()
    home = User.objects.get(username="lanhdao").agency
    assert home is not None
    demo_document_setup(home=home, province=Agency.objects.get(electronic_code=data.PROVINCIAL_COMMITTEE))


def chaos_prepare(*, documents: int, partner_url: str) -> Prepared:
    """Tokens of the demo citizen, one-stop officer and clerk, the submission, signed documents, the edXML partner."""
    from cqs.accounts.models import User
    from cqs.accounts.services import api_token_issue
    from cqs.demo.accounts import CITIZENS
    from cqs.documents.models import ExchangePartner
    from cqs.dossiers.models import Dossier

    citizen = User.objects.get(username=CITIZENS[0].citizen_id)
    officer = User.objects.get(username="motcua")
    clerk = User.objects.get(username="vanthu")
    ExchangePartner.objects.update_or_create(
        organ_id=PARTNER_ORGAN, defaults={"name": PARTNER_NAME, "endpoint": partner_url, "is_active": True}
    )
    _clerk, _organisation, ready = signed_documents(
        count=documents, subject="Về việc kiểm tra khả năng chịu lỗi", edxml=(PARTNER_ORGAN, PARTNER_NAME)
    )
    submission, pdfs = submission_filing(citizen=citizen, officer=officer)
    tokens = {
        name: api_token_issue(user=user, name="chaos", actor=user)[1]
        for name, user in (("citizen_token", citizen), ("officer_token", officer), ("clerk_token", clerk))
    }
    return Prepared(
        plan={**tokens, "submission": submission, "pdfs": pdfs, "documents": [d.pk for d in ready]},
        citizen_id=citizen.pk,
        dossiers_before=Dossier.objects.filter(applicant_id=citizen.pk).count(),
    )


def _on_disk(field: Any, size: int) -> bool:
    return bool(field) and field.storage.exists(field.name) and field.storage.size(field.name) == size


def _dossiers(ops: list[Any], prepared: Prepared, problems: list[str]) -> None:
    from cqs.dossiers.models import Dossier, DossierEvent, DossierFile, Status

    submits = [op for op in ops if op.kind == "submit" and 200 <= op.status < 300]
    codes = [op.answer.get("code", "") for op in submits]
    made = Dossier.objects.filter(applicant_id=prepared.citizen_id).count() - prepared.dossiers_before
    if made != len(submits) or len(set(codes)) != len(codes):
        problems.append(f"{len(submits)} lần nộp được trả lời 2xx nhưng CSDL có {made} hồ sơ mới")
    dossiers = Dossier.objects.filter(applicant_id=prepared.citizen_id)
    files = list(DossierFile.objects.filter(dossier__in=dossiers))
    per_dossier = Counter(f.dossier_id for f in files)
    if len(set(per_dossier.values())) > 1 or len(per_dossier) != dossiers.count():
        problems.append(f"hồ sơ thiếu tệp: số tệp mỗi hồ sơ {sorted(set(per_dossier.values()))}")
    missing = [f.pk for f in files if not _on_disk(f.file, f.size)]
    if missing:
        problems.append(f"{len(missing)} tệp hồ sơ có bản ghi nhưng không có trên đĩa (hoặc sai kích thước)")
    without_event = dossiers.exclude(pk__in=DossierEvent.objects.values("dossier_id")).count()
    if without_event:
        problems.append(f"{without_event} hồ sơ không có sự kiện nộp")
    accepts = [op for op in ops if op.kind == "accept" and 200 <= op.status < 300]
    accepted = Counter(
        DossierEvent.objects.filter(
            dossier__code__in=[op.target for op in accepts], from_status=Status.SUBMITTED
        ).values_list("dossier__code", flat=True)
    )
    twice = [code for code, n in accepted.items() if n != 1]
    if len(accepted) != len({op.target for op in accepts}) or twice:
        problems.append(
            f"tiếp nhận: {len(accepts)} trả lời 2xx, {len(accepted)} hồ sơ được tiếp nhận, {len(twice)} hai lần"
        )


def _kept_answers(ops: list[Any], problems: list[str]) -> None:
    """Each 2xx answer is the one kept for its key (what a retry is replayed), in one row."""
    from cqs.core.models import IdempotentRequest

    answered = [op for op in ops if 200 <= op.status < 300]
    kept: dict[str, list[Any]] = {}
    for key, status, body in IdempotentRequest.objects.filter(key__in=[op.key for op in answered]).values_list(
        "key", "status_code", "body"
    ):
        kept.setdefault(key, []).append((status, json.loads(bytes(body))))
    wrong = [op.key for op in answered if kept.get(op.key) != [(op.status, op.answer)]]
    if wrong:
        problems.append(f"{len(wrong)} câu trả lời 2xx không khớp bản ghi khoá Idempotency-Key (ví dụ {wrong[0]})")


def _documents(ops: list[Any], received: Counter[str], problems: list[str]) -> None:
    from cqs.documents.models import DocumentFile, ExchangeMessage, OutgoingDocument, OutgoingStatus, Recipient

    issued_ids = {int(op.target) for op in ops if op.kind == "issue" and 200 <= op.status < 300}
    tried_ids = {int(op.target) for op in ops if op.kind == "issue"}
    documents = {d.pk: d for d in OutgoingDocument.objects.filter(pk__in=tried_ids)}
    not_issued = [
        pk for pk in issued_ids if documents[pk].status != OutgoingStatus.ISSUED or not documents[pk].notation
    ]
    if not_issued:
        problems.append(f"{len(not_issued)} văn bản được trả lời 2xx nhưng chưa phát hành đủ (số, ký hiệu)")
    half = [d.pk for pk, d in documents.items() if pk not in issued_ids and (d.number is not None or d.issued_at)]
    if half:
        problems.append(f"{len(half)} văn bản không được trả lời 2xx mà đã có số hoặc ngày ban hành")
    numbers = sorted(
        n
        for n in OutgoingDocument.objects.filter(pk__in=tried_ids, status=OutgoingStatus.ISSUED).values_list(
            "number", flat=True
        )
        if n is not None
    )
    if numbers and numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        problems.append(
            f"số văn bản đi không liên tục hoặc trùng ({len(numbers)} văn bản, từ {numbers[0]} đến {numbers[-1]})"
        )
    signed = Counter(
        DocumentFile.objects.filter(outgoing_id__in=issued_ids, kind=DocumentFile.Kind.SIGNED).values_list(
            "outgoing_id", flat=True
        )
    )
    unsealed = [pk for pk in issued_ids if signed[pk] < 2]
    if unsealed:
        problems.append(f"{len(unsealed)} văn bản đã phát hành thiếu bản ký số của cơ quan")
    missing = [f.pk for f in DocumentFile.objects.filter(outgoing_id__in=tried_ids) if not _on_disk(f.file, f.size)]
    if missing:
        problems.append(f"{len(missing)} tệp văn bản có bản ghi nhưng không có trên đĩa (hoặc sai kích thước)")
    packages = Counter(
        ExchangeMessage.objects.filter(
            direction=ExchangeMessage.Direction.OUT,
            kind=ExchangeMessage.Kind.DOCUMENT,
            recipient__outgoing_id__in=tried_ids,
        ).values_list("recipient_id", flat=True)
    )
    electronic = Recipient.objects.filter(outgoing_id__in=issued_ids, channel=Recipient.Channel.EDXML)
    wrong = [r.pk for r in electronic if packages[r.pk] != 1]
    if wrong or sum(packages.values()) != electronic.count():
        problems.append(f"{len(wrong)} nơi nhận edXML không có đúng một gói tin ({sum(packages.values())} gói tin)")
    outbound = ExchangeMessage.objects.filter(
        direction=ExchangeMessage.Direction.OUT, recipient__outgoing_id__in=tried_ids
    )
    unsent = outbound.exclude(state=ExchangeMessage.State.SENT).count()
    undelivered = [m.pk for m in outbound if received[m.sha256] < 1]
    if unsent or undelivered:
        problems.append(f"gói tin edXML: {unsent} chưa gửi được, {len(undelivered)} đối tác chưa nhận")


def _jobs(problems: list[str]) -> dict[str, int]:
    from procrastinate.contrib.django.models import ProcrastinateEvent, ProcrastinateJob

    statuses = Counter(ProcrastinateJob.objects.values_list("status", flat=True))
    left = {status: n for status, n in statuses.items() if status != "succeeded"}
    if left:
        problems.append(f"tác vụ nền chưa xong: {left}")
    succeeded = Counter(ProcrastinateEvent.objects.filter(type="succeeded").values_list("job_id", flat=True))
    twice = [job for job, n in succeeded.items() if n != 1]
    if twice or len(succeeded) != statuses.get("succeeded", 0):
        problems.append(f"{len(twice)} tác vụ nền chạy thành công hơn một lần")
    started = Counter(ProcrastinateEvent.objects.filter(type="started").values_list("job_id", flat=True))
    return {"jobs": sum(statuses.values()), "rerun": sum(1 for n in started.values() if n > 1)}


def _orphans(media_root: Path) -> int:
    """Files on disk no row names: left by a request killed after writing them, before its transaction committed."""
    from django.apps import apps
    from django.db import models

    named: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                named |= set(model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True))
    on_disk = {str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file()}
    return len(on_disk - named)


def chaos_verify(ops: list[Any], *, prepared: Prepared, received: Counter[str], media_root: Path) -> list[str]:
    """The violations of the invariants (empty when all hold), after printing the summary in Vietnamese."""
    from cqs.core.audit import audit_verify
    from cqs.core.models import AuditEvent

    problems: list[str] = []
    unanswered = [op for op in ops if not op.status]
    if unanswered:
        problems.append(f"{len(unanswered)} thao tác không được trả lời sau mọi lần thử lại")
    _kept_answers(ops, problems)
    _dossiers(ops, prepared, problems)
    _documents(ops, received, problems)
    audit = list(audit_verify())
    if audit:
        problems.append(f"nhật ký kiểm toán không toàn vẹn: {len(audit)} lỗi ({audit[0].message})")
    jobs = _jobs(problems)
    by_kind = {kind: [op for op in ops if op.kind == kind] for kind in ("submit", "accept", "issue")}
    print("==> Kết quả")
    for kind, label in (("submit", "nộp hồ sơ"), ("accept", "tiếp nhận"), ("issue", "phát hành văn bản")):
        done = by_kind[kind]
        ok = sum(1 for op in done if 200 <= op.status < 300)
        refused = sum(1 for op in done if op.status >= 400)
        retried = sum(1 for op in done if op.tries > 1)
        print(
            f"    {label}: {len(done)} thao tác, {ok} thành công (2xx), {refused} bị từ chối (4xx), "
            f"{retried} phải gửi lại"
        )
        first_refusal = next((op for op in done if op.status >= 400), None)
        if first_refusal is not None:
            print(f"      lần từ chối đầu tiên: {first_refusal.status} {first_refusal.answer}")
    print(f"    tác vụ nền: {jobs['jobs']} tác vụ, {jobs['rerun']} chạy lại sau khi tiến trình nền bị kill")
    resent = sum(n - 1 for n in received.values() if n > 1)
    print(
        f"    gói tin edXML đối tác nhận: {sum(received.values())} "
        f"({resent} lần nhận lại, bên nhận bỏ trùng theo mã gói tin)"
    )
    print(f"    nhật ký kiểm toán: {AuditEvent.objects.count()} bản ghi, chuỗi băm {'lỗi' if audit else 'toàn vẹn'}")
    print(
        "    tệp mồ côi trên đĩa (yêu cầu bị kill trước khi ghi CSDL, không bản ghi nào trỏ tới): "
        f"{_orphans(media_root)}"
    )
    if problems:
        print("==> VI PHẠM:")
        for problem in problems:
            print(f"    - {problem}")
    else:
        print("==> Không mất gì: mọi bất biến đều đúng.")
    return problems
