"""Writes on dossiers: one service per action of the one-stop mechanism (Decree 118/2025).

Every action locks the dossier row, checks who may act (``permissions.may_act``; a refusal
looks like "not found"), checks the state against ``ALLOWED`` (a refusal names the current
state), changes the dossier, writes a ``DossierEvent`` (what national synchronisation sends)
and an audit event in the same transaction, and queues the citizen's notice after commit.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.accounts.models import Role, User
from cqs.accounts.validators import validate_citizen_id, validate_tax_code
from cqs.catalog import result_templates
from cqs.catalog.eforms import eform_class
from cqs.catalog.models import OnlineLevel, ProcedureVersion, ProcessStep, RequiredDocument
from cqs.core.audit import audit_record, jsonable
from cqs.core.calendar import HOURS_PER_DAY, WorkingCalendar, working_periods
from cqs.core.errors import ApplicationError, InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.core.text import fold, nfc
from cqs.core.uploads import CheckedUpload, check_upload
from cqs.dossiers import clock, results
from cqs.dossiers.codes import dossier_code_new
from cqs.dossiers.models import (
    NATIONAL_ACCEPTED,
    NATIONAL_STATUS,
    OPEN_STATUSES,
    Channel,
    Delivery,
    Dossier,
    DossierEvent,
    DossierFile,
    DossierPause,
    DossierStep,
    FilingMode,
    FormalNotice,
    Status,
    StoredPaper,
    SupplementRequest,
)
from cqs.dossiers.permissions import may_act, may_receive_at
from cqs.signing import selectors as signing_selectors
from cqs.signing.pdf import next_field_name, pdf_sign
from cqs.signing.services import verifiable_register, verification_code_new
from cqs.units.models import Agency

S = Status
ACTIVE = (S.PROCESSING, S.TRANSFERRED, S.AWAITING_APPROVAL)

# The states each action may start from (one table; everything else is refused).
ALLOWED: dict[str, tuple[str, ...]] = {
    "accept": (S.SUBMITTED,),
    "refuse": (S.SUBMITTED,),
    "request_supplement": (S.SUBMITTED, *ACTIVE),
    "answer_supplement": (S.SUPPLEMENT_REQUESTED,),
    "forward": (S.PROCESSING, S.TRANSFERRED),
    "approve": (S.AWAITING_APPROVAL,),
    "send_back": (S.AWAITING_APPROVAL,),
    "transfer": (S.PROCESSING,),
    "transfer_return": (S.TRANSFERRED,),
    "request_payment": ACTIVE,
    "record_payment": (S.PAYMENT_REQUESTED,),
    "apologise": (*ACTIVE, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED),
    "stop": (*ACTIVE, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED, S.WITHDRAWAL_REQUESTED),
    "withdraw": (S.SUBMITTED, *ACTIVE, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED),
    "confirm_withdrawal": (S.WITHDRAWAL_REQUESTED,),
    "finish": (S.PROCESSING, S.AWAITING_APPROVAL),
    "return_result": (S.FINISHED,),
    "choose_delivery": (*OPEN_STATUSES, S.FINISHED),
    "rate": (S.RETURNED,),
    "draft_result": (S.PROCESSING, S.AWAITING_APPROVAL),
}

ACTION_LABELS: dict[str, str] = {
    "submit": "nộp hồ sơ",
    "receive": "tiếp nhận hồ sơ tại quầy",
    "accept": "tiếp nhận hồ sơ",
    "refuse": "từ chối tiếp nhận",
    "request_supplement": "yêu cầu bổ sung",
    "answer_supplement": "bổ sung hồ sơ",
    "forward": "chuyển bước tiếp theo",
    "approve": "phê duyệt",
    "send_back": "trả lại bước trước",
    "transfer": "chuyển liên thông",
    "transfer_return": "trả hồ sơ liên thông",
    "request_payment": "yêu cầu nộp phí, lệ phí",
    "record_payment": "ghi nhận đã nộp phí, lệ phí",
    "apologise": "xin lỗi và gia hạn",
    "stop": "dừng giải quyết",
    "withdraw": "rút hồ sơ",
    "confirm_withdrawal": "xác nhận rút hồ sơ",
    "finish": "hoàn thành giải quyết",
    "return_result": "trả kết quả",
    "choose_delivery": "chọn cách nhận kết quả",
    "rate": "đánh giá",
    "draft_result": "soạn dự thảo kết quả",
}

ATTACHMENT_TYPES = {"pdf", "jpeg", "png"}
RESULT_DRAFT_MAX = 5000
_REGISTER_LOCK = 7_070_118  # advisory lock class of the dossier register (form 07), keyed by receiving agency
APPLICANT_AGENCY_KINDS = (
    Agency.Kind.PROVINCIAL_SERVICE_CENTRE,
    Agency.Kind.COMMUNE_SERVICE_CENTRE,
    Agency.Kind.COMMUNE_COMMITTEE,
    Agency.Kind.DEPARTMENT,
    Agency.Kind.PROVINCIAL_COMMITTEE,
)


# ---------------------------------------------------------------- the guard


def _lock(dossier: Dossier | int) -> Dossier:
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    found = Dossier.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFoundOrForbidden(_("Không tìm thấy hồ sơ."))
    return found


def _guard(dossier: Dossier, *, action: str, actor: Any, as_action: str | None = None) -> None:
    """Who first (a stranger learns nothing), then the state; ``as_action`` names whose right it takes."""
    if not may_act(actor, as_action or action, dossier):
        raise NotFoundOrForbidden(_("Không tìm thấy hồ sơ."))
    if dossier.status not in ALLOWED[action]:
        raise InvalidTransition(
            _("Không thể %(action)s: hồ sơ %(code)s đang ở trạng thái «%(status)s».")
            % {"action": ACTION_LABELS[action], "code": dossier.code, "status": Status(dossier.status).label}
        )


def _event(
    dossier: Dossier,
    *,
    action: str,
    actor: Any,
    from_status: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    national_status: int | None = None,
    at: dt.datetime | None = None,
) -> DossierEvent:
    event = DossierEvent.objects.create(
        dossier=dossier,
        at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=from_status,
        to_status=dossier.status,
        national_status=national_status or NATIONAL_STATUS[Status(dossier.status)],
        channel=dossier.channel,
        note=note,
        data=jsonable(data or {}),
    )
    audit_record(
        actor=actor,
        action=f"dossier.{action}",
        obj=dossier,
        before={"status": from_status},
        after={"status": dossier.status, "event": event.pk, "note": note, **(jsonable(data or {}))},
    )
    transaction.on_commit(lambda: _notify_after_commit(event.pk))
    return event


def _notify_after_commit(event_id: int) -> None:
    from cqs.dossiers.notify import dossier_event_notify

    dossier_event_notify(event_id=event_id)


def _save(dossier: Dossier, *fields: str) -> None:
    dossier.save(update_fields=[*fields, "updated_at"])


def _required_text(value: str, message: str) -> str:
    text = nfc(value or "")
    if not text:
        raise ValidationFailed(message)
    return text


# ---------------------------------------------------------------- steps and the clock


def _process(version: ProcedureVersion) -> list[ProcessStep]:
    return list(version.process_steps.order_by("position"))


def _step_agency(dossier: Dossier, step: ProcessStep) -> Agency:
    if step.unit_kind == ProcessStep.UnitKind.ONE_STOP:
        return dossier.receiving_agency
    return dossier.deciding_agency


def _open_step(
    dossier: Dossier,
    step: ProcessStep,
    *,
    at: dt.datetime,
    actor: Any,
    calendar: WorkingCalendar,
    cutoff: dt.time | None = None,
) -> None:
    agency = _step_agency(dossier, step)
    DossierStep.objects.create(
        dossier=dossier,
        position=step.position,
        name=step.name,
        role=step.role,
        agency=agency,
        handed_by=actor if getattr(actor, "is_authenticated", False) else None,
        started_at=at,
        due_at=clock.due_after(calendar, at, step.duration_hours, cutoff=cutoff),
    )
    dossier.current_step = step.position
    dossier.current_role = step.role
    dossier.current_agency = agency
    dossier.status = S.AWAITING_APPROVAL if step.role == Role.LEADER else S.PROCESSING


def _close_step(
    dossier: Dossier, *, at: dt.datetime, actor: Any, outcome: str, note: str, calendar: WorkingCalendar
) -> None:
    row = dossier.steps.filter(finished_at__isnull=True).order_by("-started_at", "-id").first()
    if row is None:
        return
    row.finished_at = at
    row.handled_by = actor if getattr(actor, "is_authenticated", False) else None
    row.timing = clock.timing_of(calendar, done_at=at, due_at=row.due_at)
    row.outcome = outcome
    row.note = note
    row.save(update_fields=["finished_at", "handled_by", "timing", "outcome", "note"])


def _next_step(steps: Sequence[ProcessStep], position: int | None) -> ProcessStep | None:
    for step in steps:
        if position is None or step.position > position:
            return step
    return None


def _start_clock(dossier: Dossier, *, at: dt.datetime, calendar: WorkingCalendar) -> None:
    cutoff = dossier.version.afternoon_cutoff
    dossier.received_at = at
    dossier.clock_started_at = calendar.start_of_counting(at, cutoff=cutoff)
    dossier.due_at = clock.due_after(calendar, at, dossier.statutory_hours, cutoff=cutoff)
    dossier.original_due_at = dossier.due_at


def _pause(dossier: Dossier, *, reason: str, at: dt.datetime) -> None:
    if dossier.received_at is not None and dossier.paused_since is None:
        dossier.paused_since = at
        DossierPause.objects.create(dossier=dossier, reason=reason, started_at=at)


def _resume(dossier: Dossier, *, at: dt.datetime, calendar: WorkingCalendar) -> float:
    """End the pause; move the dossier's and the open step's due times by the paused working hours."""
    if dossier.paused_since is None:
        return 0.0
    hours = clock.paused_hours(calendar, dossier.paused_since, at)
    DossierPause.objects.filter(dossier=dossier, ended_at__isnull=True).update(ended_at=at)
    if dossier.due_at is not None and hours > 0:
        dossier.due_at = calendar.add_working_hours(dossier.due_at, hours)
        for row in dossier.steps.filter(finished_at__isnull=True):
            row.due_at = calendar.add_working_hours(row.due_at, hours)
            row.save(update_fields=["due_at"])
    dossier.paused_since = None
    return hours


def _resting_status(dossier: Dossier) -> str:
    """Where a dossier goes back to after a pause: before acceptance, to reception; else to its step."""
    if dossier.received_at is None:
        return S.SUBMITTED
    step = next((s for s in _process(dossier.version) if s.position == dossier.current_step), None)
    if step is not None and dossier.current_agency_id != _step_agency(dossier, step).pk:
        return S.TRANSFERRED  # held by a coordinating agency (liên thông), whichever agency that is
    if dossier.current_role == Role.LEADER:
        return S.AWAITING_APPROVAL
    return S.PROCESSING


# ---------------------------------------------------------------- filing


@dataclass
class Attachment:
    """A paper given with the dossier: an uploaded file, or a paper from the citizen's store."""

    required_document_id: int | None
    name: str = ""
    upload: Any = None
    stored_paper_id: int | None = None
    source: str = DossierFile.Source.UPLOAD
    verification_code: str = ""


@dataclass
class Filing:
    """What a dossier is filed with (online or at the counter)."""

    version: ProcedureVersion
    receiving_agency: Agency
    deciding_agency: Agency
    form_data: dict[str, Any]
    attachments: list[Attachment] = field(default_factory=list)
    applicant_name: str = ""
    applicant_id_number: str = ""
    applicant_address: str = ""
    applicant_phone: str = ""
    applicant_email: str = ""
    filing_mode: str = FilingMode.SELF
    principal_name: str = ""
    principal_id_number: str = ""
    authorisation_note: str = ""
    assisted_by: str = ""
    delivery: str = Delivery.ONLINE
    sets_count: int = 1


def implementing_agencies(version: ProcedureVersion) -> list[Agency]:
    """The active agencies that decide this version's dossiers: the linked ones and those of its kinds."""
    linked = list(version.agencies.filter(is_active=True))
    kinds = list(version.agency_kinds or [])
    of_kinds = list(Agency.objects.filter(is_active=True, kind__in=kinds)) if kinds else []
    return sorted({a.pk: a for a in [*linked, *of_kinds]}.values(), key=lambda a: a.name)


def receiving_agencies() -> list[Agency]:
    """Every place in the province where a dossier may be handed in (no administrative boundary)."""
    return list(Agency.objects.filter(is_active=True, kind__in=APPLICANT_AGENCY_KINDS).order_by("name"))


def _validate_filing(filing: Filing, *, require_online: bool) -> tuple[dict[str, Any], list[str]]:
    """Check everything before anything is written; return the cleaned form data."""
    errors: dict[str, Any] = {}
    version = filing.version
    if version.status != ProcedureVersion.Status.PUBLISHED or version.procedure.current_version_id != version.pk:
        raise ValidationFailed(_("Thủ tục này hiện không nhận hồ sơ (phiên bản không còn áp dụng)."))
    if require_online and version.online_level == OnlineLevel.NONE:
        raise ValidationFailed(
            _("Thủ tục này chưa cung cấp dịch vụ công trực tuyến; vui lòng nộp tại Bộ phận Một cửa.")
        )
    if filing.deciding_agency.pk not in {a.pk for a in implementing_agencies(version)}:
        errors["deciding_agency"] = _("Cơ quan này không giải quyết thủ tục đã chọn.")
    if not filing.receiving_agency.is_active or filing.receiving_agency.kind not in APPLICANT_AGENCY_KINDS:
        errors["receiving_agency"] = _("Nơi tiếp nhận không hợp lệ.")
    form = eform_class(version)(data=filing.form_data)
    cleaned: dict[str, Any] = {}
    if form.is_valid():
        cleaned = {key: jsonable(value) for key, value in form.cleaned_data.items()}
    else:
        errors["form"] = {key: [str(m) for m in messages] for key, messages in form.errors.items()}
    if not nfc(filing.applicant_name):
        errors["applicant_name"] = _("Vui lòng nhập họ và tên người nộp.")
    try:
        _clean_id_number(filing.applicant_id_number)
    except ApplicationError as error:
        errors["applicant_id_number"] = error.message
    if filing.filing_mode == FilingMode.ON_BEHALF:
        if not nfc(filing.principal_name) or not nfc(filing.authorisation_note):
            errors["principal"] = _("Nộp thay cần ghi họ tên người ủy quyền và giấy ủy quyền.")
    elif filing.filing_mode == FilingMode.ASSISTED:
        if not nfc(filing.assisted_by):
            errors["assisted_by"] = _("Ghi họ tên thành viên tổ công nghệ số cộng đồng đã hỗ trợ.")
    elif filing.filing_mode != FilingMode.SELF:
        errors["filing_mode"] = _("Hình thức nộp không hợp lệ.")
    if filing.delivery not in Delivery.values:
        errors["delivery"] = _("Cách nhận kết quả không hợp lệ.")
    given = {a.required_document_id for a in filing.attachments if a.required_document_id}
    documents = list(version.documents.all())
    missing = [d.name for d in documents if not d.is_optional and not d.replaceable_by and d.pk not in given]
    if missing:
        errors["documents"] = _("Còn thiếu giấy tờ bắt buộc: %(names)s.") % {"names": "; ".join(missing)}
    known = {d.pk for d in documents}
    if any(a.required_document_id and a.required_document_id not in known for a in filing.attachments):
        errors["attachments"] = _("Có giấy tờ không thuộc thủ tục này.")
    if errors:
        raise ValidationFailed(_("Hồ sơ chưa hợp lệ, vui lòng sửa các mục được đánh dấu."), extra={"errors": errors})
    return cleaned, missing


def _clean_id_number(value: str) -> str:
    text = (value or "").strip()
    if len(text) == 12:
        return validate_citizen_id(text)
    return validate_tax_code(text)


@dataclass
class _CheckedAttachment:
    """An attachment that passed every check: what to write, nothing written yet."""

    document: RequiredDocument | None
    name: str
    source: str
    checked: CheckedUpload | None = None
    paper: StoredPaper | None = None
    verification_code: str = ""


def _check_attachments(
    version: ProcedureVersion, attachments: Iterable[Attachment], *, owner: Any
) -> list[_CheckedAttachment]:
    """Check every attachment (its paper of the procedure, its bytes, the stored paper's owner) before any write."""
    documents = {d.pk: d for d in version.documents.all()}
    prepared: list[_CheckedAttachment] = []
    for attachment in attachments:
        if attachment.required_document_id and attachment.required_document_id not in documents:
            raise ValidationFailed(_("Có giấy tờ không thuộc thủ tục này."))
        document = documents.get(attachment.required_document_id or 0)
        name = nfc(attachment.name) or (document.name if document else _("Giấy tờ khác"))
        if attachment.stored_paper_id is not None:
            paper = (
                StoredPaper.objects.filter(pk=attachment.stored_paper_id, owner=owner).first()
                if getattr(owner, "pk", None) is not None
                else None
            )
            if paper is None:
                raise ValidationFailed(_("Không tìm thấy giấy tờ trong kho dữ liệu của bạn."))
            prepared.append(_CheckedAttachment(document, name, DossierFile.Source.REUSED, paper=paper))
            continue
        if attachment.upload is None:
            raise ValidationFailed(_("Chưa chọn tệp cho giấy tờ “%(name)s”.") % {"name": name})
        checked = check_upload(
            attachment.upload, allowed=ATTACHMENT_TYPES, max_bytes=settings.CQS_ATTACHMENT_MAX_BYTES, label=name
        )
        prepared.append(
            _CheckedAttachment(
                document, name, attachment.source, checked=checked, verification_code=attachment.verification_code
            )
        )
    return prepared


def _store_attachments(dossier: Dossier, prepared: Iterable[_CheckedAttachment], *, uploader: Any) -> None:
    """Write checked attachments; a failure part-way removes the files this call already wrote."""
    by = uploader if getattr(uploader, "is_authenticated", False) else None
    written: list[DossierFile] = []
    try:
        for item in prepared:
            if item.paper is not None:
                DossierFile.objects.create(
                    dossier=dossier,
                    required_document=item.document,
                    name=item.name,
                    source=DossierFile.Source.REUSED,
                    file=item.paper.file.name,
                    kind=item.paper.kind,
                    size=item.paper.size,
                    sha256=item.paper.sha256,
                    uploaded_by=by,
                )
                continue
            checked = item.checked
            assert checked is not None
            stored = DossierFile(
                dossier=dossier,
                required_document=item.document,
                name=item.name,
                source=item.source,
                kind=checked.kind,
                size=checked.size,
                sha256=checked.sha256,
                verification_code=item.verification_code,
                uploaded_by=by,
            )
            stored.file.save(f"{checked.sha256[:16]}.{checked.extension}", ContentFile(checked.content), save=False)
            written.append(stored)
            stored.save()
    except Exception:
        for stored in written:
            stored.file.delete(save=False)
        raise


def _new_dossier(filing: Filing, *, channel: int, applicant: User | None, filed_by: Any, at: dt.datetime) -> Dossier:
    version = filing.version
    code = dossier_code_new(agency=filing.deciding_agency, at=at)
    dossier = Dossier(
        code=code,
        procedure=version.procedure,
        version=version,
        status=S.SUBMITTED,
        channel=channel,
        applicant=applicant,
        applicant_name=nfc(filing.applicant_name),
        applicant_id_number=filing.applicant_id_number.strip(),
        applicant_address=nfc(filing.applicant_address),
        applicant_phone=filing.applicant_phone.strip(),
        applicant_email=filing.applicant_email.strip(),
        filing_mode=filing.filing_mode,
        principal_name=nfc(filing.principal_name),
        principal_id_number=filing.principal_id_number.strip(),
        authorisation_note=nfc(filing.authorisation_note),
        assisted_by=nfc(filing.assisted_by),
        filed_by=filed_by if getattr(filed_by, "is_authenticated", False) else None,
        request_summary=version.name[:500],
        sets_count=max(1, filing.sets_count),
        receiving_agency=filing.receiving_agency,
        deciding_agency=filing.deciding_agency,
        current_agency=filing.receiving_agency,
        current_role=Role.ONE_STOP_OFFICER,
        submitted_at=at,
        statutory_hours=clock.statutory_hours(version),
        delivery=filing.delivery,
        fee_total=sum(fee.amount for fee in version.fees.all()),
    )
    dossier.search_text = _search_text(dossier)
    dossier.save()
    return dossier


def _search_text(dossier: Dossier) -> str:
    parts = [dossier.code.lower(), dossier.applicant_id_number, fold(dossier.applicant_name)]
    if dossier.principal_name:
        parts += [fold(dossier.principal_name), dossier.principal_id_number]
    return " ".join(p for p in parts if p)


@transaction.atomic
def dossier_submit_online(*, applicant: User, filing: Filing) -> Dossier:
    """A citizen (or business) files online; the dossier waits for the one-stop desk."""
    if not applicant.is_authenticated or applicant.is_official:
        raise NotFoundOrForbidden(_("Chỉ công dân, tổ chức đã đăng nhập mới nộp hồ sơ trực tuyến."))
    if filing.filing_mode == FilingMode.SELF:
        filing.applicant_name = filing.applicant_name or applicant.full_name
        filing.applicant_id_number = filing.applicant_id_number or applicant.citizen_id or applicant.tax_code or ""
    cleaned, _missing = _validate_filing(filing, require_online=True)
    # Every upload is checked before the dossier code is taken and before any file is written.
    prepared = _check_attachments(filing.version, filing.attachments, owner=applicant)
    filing.form_data = cleaned
    now = timezone.now()
    dossier = _new_dossier(filing, channel=Channel.ONLINE, applicant=applicant, filed_by=applicant, at=now)
    dossier.form_data = cleaned
    _save(dossier, "form_data")
    _store_attachments(dossier, prepared, uploader=applicant)
    _event(dossier, action="submit", actor=applicant, from_status="", at=now)
    return dossier


@transaction.atomic
def dossier_receive_at_counter(
    *, officer: User, filing: Filing, applicant: User | None = None, channel: int = Channel.IN_PERSON
) -> Dossier:
    """A paper dossier entered and scanned at the counter: received and accepted at once."""
    if not may_receive_at(officer, filing.receiving_agency.pk):
        raise NotFoundOrForbidden(_("Bạn không tiếp nhận hồ sơ tại nơi này."))
    if channel not in (Channel.IN_PERSON, Channel.POST):
        raise ValidationFailed(_("Kênh tiếp nhận không hợp lệ."))
    cleaned, _missing = _validate_filing(filing, require_online=False)
    if not _process(filing.version):
        raise ValidationFailed(_("Thủ tục chưa có quy trình nội bộ; không thể tiếp nhận."))
    prepared = _check_attachments(filing.version, filing.attachments, owner=applicant)
    filing.form_data = cleaned
    now = timezone.now()
    dossier = _new_dossier(filing, channel=channel, applicant=applicant, filed_by=officer, at=now)
    dossier.form_data = cleaned
    dossier.received_by = officer
    _save(dossier, "form_data", "received_by")
    _store_attachments(dossier, prepared, uploader=officer)
    _event(dossier, action="receive", actor=officer, from_status="", at=now)
    _accept(dossier, actor=officer, at=now)
    return dossier


# ---------------------------------------------------------------- reception


def _assign_register_row(dossier: Dossier, *, at: dt.datetime) -> None:
    """The dossier's row in its receiving agency's register of the year (form 07), given at receipt."""
    office = timezone.get_default_timezone()
    year_start = dt.datetime(timezone.localtime(at, office).year, 1, 1, tzinfo=office)
    with connection.cursor() as cursor:  # two receptions at once must not share a register row
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_REGISTER_LOCK, dossier.receiving_agency_id])
    last_row = (
        Dossier.objects.filter(receiving_agency_id=dossier.receiving_agency_id, received_at__gte=year_start)
        .exclude(pk=dossier.pk)
        .aggregate(Max("register_row"))["register_row__max"]
        or 0
    )
    dossier.register_row = last_row + 1


def _accept(dossier: Dossier, *, actor: Any, at: dt.datetime) -> None:
    calendar = WorkingCalendar()
    before = dossier.status
    _start_clock(dossier, at=at, calendar=calendar)
    _assign_register_row(dossier, at=at)
    dossier.received_by = actor
    steps = _process(dossier.version)
    first = _next_step(steps, None)
    if first is None:
        raise ValidationFailed(_("Thủ tục chưa có quy trình nội bộ; không thể tiếp nhận."))
    # The first step, reception, is what the one-stop officer has just done.
    _open_step(dossier, first, at=at, actor=actor, calendar=calendar)
    if first.unit_kind == ProcessStep.UnitKind.ONE_STOP:
        _close_step(dossier, at=at, actor=actor, outcome="accepted", note="", calendar=calendar)
        second = _next_step(steps, first.position)
        if second is not None:
            # Counted like the dossier itself: received after the cut-off, from the next working day.
            cutoff = dossier.version.afternoon_cutoff
            _open_step(dossier, second, at=at, actor=actor, calendar=calendar, cutoff=cutoff)
    _save(
        dossier,
        "status",
        "received_at",
        "clock_started_at",
        "due_at",
        "original_due_at",
        "register_row",
        "received_by",
        "current_step",
        "current_role",
        "current_agency",
    )
    _event(
        dossier,
        action="accept",
        actor=actor,
        from_status=before,
        national_status=NATIONAL_ACCEPTED,
        at=at,
        data={"due_at": dossier.due_at, "register_row": dossier.register_row},
    )


@transaction.atomic
def dossier_accept(*, dossier: Dossier, actor: User) -> Dossier:
    """The one-stop officer accepts an online dossier: the clock starts, the process begins (form 01)."""
    dossier = _lock(dossier)
    _guard(dossier, action="accept", actor=actor)
    _accept(dossier, actor=actor, at=timezone.now())
    return dossier


@transaction.atomic
def dossier_refuse(*, dossier: Dossier, actor: User, reason: str) -> Dossier:
    """Refusal with a specific reason (form 03)."""
    dossier = _lock(dossier)
    _guard(dossier, action="refuse", actor=actor)
    reason = _required_text(reason, _("Phải ghi rõ lý do từ chối tiếp nhận."))
    before, now = dossier.status, timezone.now()
    FormalNotice.objects.create(
        dossier=dossier, form=FormalNotice.Form.REFUSAL, reason=reason, issued_by=actor, issued_at=now
    )
    dossier.status, dossier.closed_at = S.REFUSED, now
    _save(dossier, "status", "closed_at")
    _event(dossier, action="refuse", actor=actor, from_status=before, note=reason, at=now)
    return dossier


@transaction.atomic
def dossier_request_supplement(
    *, dossier: Dossier, actor: User, items: list[str], reason: str, contact: str
) -> Dossier:
    """Ask, once and completely, for what is missing (form 02); the clock stops until the answer."""
    dossier = _lock(dossier)
    # Before acceptance the one-stop desk asks; afterwards, whoever handles the current step.
    _guard(
        dossier,
        action="request_supplement",
        actor=actor,
        as_action="accept" if dossier.status == S.SUBMITTED else "forward",
    )
    if dossier.supplement_count >= 1:
        raise InvalidTransition(
            _("Hồ sơ %(code)s đã được yêu cầu bổ sung một lần; chỉ được yêu cầu bổ sung một lần, đầy đủ.")
            % {"code": dossier.code}
        )
    cleaned_items = [nfc(i) for i in items if nfc(i)]
    if not cleaned_items:
        raise ValidationFailed(_("Liệt kê ít nhất một nội dung cần bổ sung."))
    reason = _required_text(reason, _("Phải ghi lý do yêu cầu bổ sung."))
    contact = _required_text(contact, _("Phải ghi người, số điện thoại liên hệ khi cần hướng dẫn."))
    before, now = dossier.status, timezone.now()
    SupplementRequest.objects.create(
        dossier=dossier, items=cleaned_items, reason=reason, contact=contact, requested_by=actor, requested_at=now
    )
    dossier.supplement_count += 1
    _pause(dossier, reason=S.SUPPLEMENT_REQUESTED, at=now)
    dossier.status = S.SUPPLEMENT_REQUESTED
    _save(dossier, "status", "supplement_count", "paused_since")
    _event(
        dossier,
        action="request_supplement",
        actor=actor,
        from_status=before,
        note=reason,
        data={"items": cleaned_items},
        at=now,
    )
    return dossier


@transaction.atomic
def dossier_answer_supplement(
    *, dossier: Dossier, actor: User, attachments: list[Attachment], note: str = ""
) -> Dossier:
    """The citizen hands in what was asked; the clock resumes where it stopped."""
    dossier = _lock(dossier)
    _guard(dossier, action="answer_supplement", actor=actor)
    if not attachments:
        raise ValidationFailed(_("Vui lòng tải lên giấy tờ cần bổ sung."))
    for attachment in attachments:
        attachment.source = DossierFile.Source.SUPPLEMENT
    prepared = _check_attachments(dossier.version, attachments, owner=actor)
    _store_attachments(dossier, prepared, uploader=actor)
    before, now = dossier.status, timezone.now()
    SupplementRequest.objects.filter(dossier=dossier, answered_at__isnull=True).update(answered_at=now)
    hours = _resume(dossier, at=now, calendar=WorkingCalendar())
    dossier.status = _resting_status(dossier)
    _save(dossier, "status", "paused_since", "due_at")
    _event(
        dossier,
        action="answer_supplement",
        actor=actor,
        from_status=before,
        note=nfc(note),
        data={"paused_hours": hours},
        at=now,
    )
    return dossier


# ---------------------------------------------------------------- processing


def _remaining_after(dossier: Dossier) -> list[ProcessStep]:
    return [s for s in _process(dossier.version) if dossier.current_step is None or s.position > dossier.current_step]


def _advance(dossier: Dossier, *, actor: Any, action: str, note: str, outcome: str) -> None:
    calendar, now, before = WorkingCalendar(), timezone.now(), dossier.status
    remaining = _remaining_after(dossier)
    if not remaining:
        raise InvalidTransition(_("Đây là bước cuối của quy trình; hãy hoàn thành giải quyết hồ sơ."))
    _close_step(dossier, at=now, actor=actor, outcome=outcome, note=note, calendar=calendar)
    _open_step(dossier, remaining[0], at=now, actor=actor, calendar=calendar)
    dossier.assignee = None
    _save(dossier, "status", "current_step", "current_role", "current_agency", "assignee")
    _event(
        dossier, action=action, actor=actor, from_status=before, note=note, data={"step": dossier.current_step}, at=now
    )


@transaction.atomic
def dossier_forward(*, dossier: Dossier, actor: User, note: str = "") -> Dossier:
    """Hand the dossier on to the next step of its frozen internal process (timed on the control sheet)."""
    dossier = _lock(dossier)
    _guard(dossier, action="forward", actor=actor)
    if dossier.status == S.TRANSFERRED:
        raise InvalidTransition(_("Hồ sơ đang ở cơ quan phối hợp; chờ cơ quan đó trả lại."))
    _advance(dossier, actor=actor, action="forward", note=nfc(note), outcome="done")
    return dossier


@transaction.atomic
def dossier_approve(
    *, dossier: Dossier, actor: User, note: str = "", result: Any = None, electronic_result: bool = False
) -> Dossier:
    """The leader approves: the process moves on, or, at its end, the dossier is finished with the result file.

    With ``electronic_result`` the result is generated from the version's result template, carries a
    verification code and its QR code, is signed by the leader and sealed by the deciding agency,
    and is registered for the public verification page. It is signed at the last approval: after
    it may come only the clerk's step (registering and issuing) and the return at the desk, and the
    signed result goes on with the dossier to those steps.
    """
    dossier = _lock(dossier)
    _guard(dossier, action="approve", actor=actor)
    remaining = _remaining_after(dossier)
    if electronic_result and result is not None:
        raise ValidationFailed(_("Chọn một trong hai: tải tệp kết quả lên hoặc cấp kết quả điện tử."))
    if electronic_result and not all(_after_last_approval(step) for step in remaining):
        raise ValidationFailed(
            _(
                "Kết quả điện tử chỉ được ký ở lần phê duyệt cuối cùng của quy trình "
                "(sau đó chỉ còn bước văn thư phát hành và bước trả kết quả)."
            )
        )
    finishing = all(step.unit_kind == ProcessStep.UnitKind.ONE_STOP for step in remaining)
    if not finishing and result is not None:
        raise ValidationFailed(_("Tệp kết quả chỉ đính kèm khi phê duyệt ở bước cuối của quy trình."))
    summary = nfc(note) or _("Lãnh đạo đã phê duyệt.")
    if not electronic_result:
        if finishing:
            _finish(dossier, actor=actor, summary=summary, action="approve", result=result)
        else:
            _advance(dossier, actor=actor, action="approve", note=nfc(note), outcome="approved")
        return dossier
    signed, code, title = _electronic_result(dossier, actor=actor, note=nfc(note))
    upload = io.BytesIO(signed)
    upload.name = f"{code}.pdf"
    name = _("%(title)s (kết quả điện tử)") % {"title": title}
    if finishing:
        _finish(
            dossier,
            actor=actor,
            summary=summary,
            action="approve",
            result=upload,
            result_name=name,
            verification_code=code,
        )
    else:
        prepared = _check_attachments(dossier.version, [_result_attachment(upload, name, code)], owner=None)
        _advance(dossier, actor=actor, action="approve", note=nfc(note), outcome="approved")
        _store_attachments(dossier, prepared, uploader=actor)
    verifiable_register(
        code=code,
        pdf=signed,
        title=f"{title} — {dossier.code}",
        source="dossier_result",
        agency=dossier.deciding_agency,
        actor=actor,
    )
    return dossier


def _after_last_approval(step: ProcessStep) -> bool:
    """A step that may follow the signing of an electronic result: the clerk's issuing, the desk's return."""
    return step.unit_kind in (ProcessStep.UnitKind.ONE_STOP, ProcessStep.UnitKind.CLERICAL)


def _result_attachment(upload: Any, name: str, code: str) -> Attachment:
    return Attachment(
        required_document_id=None,
        name=name or _("Kết quả giải quyết"),
        upload=upload,
        source=DossierFile.Source.RESULT,
        verification_code=code,
    )


def _electronic_result(dossier: Dossier, *, actor: User, note: str) -> tuple[bytes, str, str]:
    """(signed PDF, verification code, title): rendered, signed by the leader, sealed by the agency; nothing written."""
    content = results.result_content(dossier, note=note)
    if not content:
        raise ValidationFailed(
            _(
                "Chưa có nội dung kết quả: cán bộ xử lý soạn dự thảo kết quả, "
                "hoặc lãnh đạo ghi nội dung khi phê duyệt, trước khi ký kết quả điện tử."
            )
        )
    personal = signing_selectors.certificate_of_user(actor)
    if personal is None:
        raise ValidationFailed(_("Bạn chưa có chứng thư số cá nhân còn hiệu lực; không thể ký kết quả điện tử."))
    agency = dossier.deciding_agency
    seal = signing_selectors.certificate_of_agency(agency)
    if seal is None:
        raise ValidationFailed(
            _("%(agency)s chưa có chứng thư số của cơ quan còn hiệu lực; không thể đóng dấu kết quả điện tử.")
            % {"agency": agency.name}
        )
    code = verification_code_new()
    title = result_templates.result_title(dossier.version.result_type)
    pdf = results.result_pdf(dossier=dossier, content=content, code=code, decided_at=timezone.now())
    reason = _("Phê duyệt kết quả giải quyết hồ sơ %(code)s") % {"code": dossier.code}
    location = agency.unit.name if agency.unit_id else agency.name
    title_line = f"TM. {agency.name}".upper()
    pdf = pdf_sign(
        pdf=pdf,
        certificate=personal,
        reason=reason,
        location=location,
        field_name=next_field_name(pdf),
        placement="signature",
        extra_lines=(title_line,),
    )
    pdf = pdf_sign(
        pdf=pdf,
        certificate=seal,
        reason=reason,
        location=location,
        field_name=next_field_name(pdf),
        placement="seal",
    )
    return pdf, code, title


@transaction.atomic
def dossier_result_draft(*, dossier: Dossier, actor: User, content: str) -> Dossier:
    """The handler of the current step (or the leader awaiting approval) drafts what the result says."""
    dossier = _lock(dossier)
    as_action = "approve" if dossier.status == S.AWAITING_APPROVAL else "forward"
    _guard(dossier, action="draft_result", actor=actor, as_action=as_action)
    content = _required_text(content, _("Ghi nội dung kết quả giải quyết."))
    if len(content) > RESULT_DRAFT_MAX:
        raise ValidationFailed(
            _("Nội dung kết quả dài quá %(max)d ký tự (đang có %(n)d).") % {"max": RESULT_DRAFT_MAX, "n": len(content)}
        )
    before = dossier.status
    dossier.result_draft = content
    _save(dossier, "result_draft")
    _event(dossier, action="draft_result", actor=actor, from_status=before, note=content)
    return dossier


@transaction.atomic
def dossier_send_back(*, dossier: Dossier, actor: User, reason: str) -> Dossier:
    """The leader sends the dossier back to the step before, with the reason."""
    dossier = _lock(dossier)
    _guard(dossier, action="send_back", actor=actor)
    reason = _required_text(reason, _("Phải ghi lý do trả lại."))
    steps = [
        s for s in _process(dossier.version) if dossier.current_step is not None and s.position < dossier.current_step
    ]
    previous = next((s for s in reversed(steps) if s.unit_kind != ProcessStep.UnitKind.ONE_STOP), None)
    if previous is None:
        raise InvalidTransition(_("Không có bước xử lý trước để trả lại."))
    calendar, now, before = WorkingCalendar(), timezone.now(), dossier.status
    _close_step(dossier, at=now, actor=actor, outcome="sent_back", note=reason, calendar=calendar)
    _open_step(dossier, previous, at=now, actor=actor, calendar=calendar)
    _save(dossier, "status", "current_step", "current_role", "current_agency")
    _event(dossier, action="send_back", actor=actor, from_status=before, note=reason, at=now)
    return dossier


@transaction.atomic
def dossier_transfer(*, dossier: Dossier, actor: User, to_agency: Agency, note: str) -> Dossier:
    """Inter-agency hand-over (liên thông): another agency does its part, then hands back."""
    dossier = _lock(dossier)
    _guard(dossier, action="transfer", actor=actor)
    if not to_agency.is_active or to_agency.pk in (dossier.current_agency_id,):
        raise ValidationFailed(_("Chọn một cơ quan phối hợp khác cơ quan đang giữ hồ sơ."))
    note = _required_text(note, _("Ghi nội dung đề nghị cơ quan phối hợp thực hiện."))
    calendar, now, before = WorkingCalendar(), timezone.now(), dossier.status
    _close_step(dossier, at=now, actor=actor, outcome="transferred", note=note, calendar=calendar)
    DossierStep.objects.create(
        dossier=dossier,
        position=dossier.current_step or 0,
        name=_("Liên thông: %(agency)s") % {"agency": to_agency.name},
        role=Role.SPECIALIST,
        agency=to_agency,
        handed_by=actor,
        started_at=now,
        due_at=dossier.due_at or now,
    )
    dossier.current_agency, dossier.current_role, dossier.status = to_agency, Role.SPECIALIST, S.TRANSFERRED
    _save(dossier, "status", "current_agency", "current_role")
    _event(
        dossier,
        action="transfer",
        actor=actor,
        from_status=before,
        note=note,
        data={"to_agency": to_agency.electronic_code},
        at=now,
    )
    return dossier


@transaction.atomic
def dossier_transfer_return(*, dossier: Dossier, actor: User, note: str) -> Dossier:
    """The coordinating agency hands the dossier back with its answer."""
    dossier = _lock(dossier)
    _guard(dossier, action="transfer_return", actor=actor)
    note = _required_text(note, _("Ghi kết quả phối hợp trước khi trả hồ sơ."))
    calendar, now, before = WorkingCalendar(), timezone.now(), dossier.status
    _close_step(dossier, at=now, actor=actor, outcome="returned", note=note, calendar=calendar)
    step = next(s for s in _process(dossier.version) if s.position == dossier.current_step)
    _open_step(dossier, step, at=now, actor=actor, calendar=calendar)
    _save(dossier, "status", "current_agency", "current_role")
    _event(dossier, action="transfer_return", actor=actor, from_status=before, note=note, at=now)
    return dossier


@transaction.atomic
def dossier_request_payment(*, dossier: Dossier, actor: User, amount: int, note: str = "") -> Dossier:
    """Ask the applicant to pay fees or charges; the clock stops until payment is recorded."""
    dossier = _lock(dossier)
    _guard(dossier, action="request_payment", actor=actor)
    if amount <= 0:
        raise ValidationFailed(_("Số tiền phải lớn hơn 0 đồng."))
    before, now = dossier.status, timezone.now()
    dossier.fee_total = amount
    _pause(dossier, reason=S.PAYMENT_REQUESTED, at=now)
    dossier.status = S.PAYMENT_REQUESTED
    _save(dossier, "status", "fee_total", "paused_since")
    _event(
        dossier,
        action="request_payment",
        actor=actor,
        from_status=before,
        note=nfc(note),
        data={"amount": amount},
        at=now,
    )
    return dossier


@transaction.atomic
def dossier_record_payment(*, dossier: Dossier, actor: User, receipt: str) -> Dossier:
    """A payment made at the counter is recorded; the clock resumes."""
    dossier = _lock(dossier)
    _guard(dossier, action="record_payment", actor=actor)
    receipt = _required_text(receipt, _("Ghi số biên lai thu phí, lệ phí."))
    before, now = dossier.status, timezone.now()
    hours = _resume(dossier, at=now, calendar=WorkingCalendar())
    dossier.fee_paid_at = now
    dossier.status = _resting_status(dossier)
    _save(dossier, "status", "fee_paid_at", "paused_since", "due_at")
    _event(
        dossier,
        action="record_payment",
        actor=actor,
        from_status=before,
        note=receipt,
        data={"paused_hours": hours},
        at=now,
    )
    return dossier


@transaction.atomic
def dossier_apologise(*, dossier: Dossier, actor: User, reason: str, new_due_date: dt.date) -> Dossier:
    """Apology and a new return date (form 04): once, at least one working day before the deadline."""
    dossier = _lock(dossier)
    _guard(dossier, action="apologise", actor=actor)
    reason = _required_text(reason, _("Phải ghi lý do chậm trễ."))
    calendar, now, before = WorkingCalendar(), timezone.now(), dossier.status
    if dossier.extension_count >= 1:
        raise InvalidTransition(
            _("Ngày hẹn trả của hồ sơ %(code)s đã được hẹn lại một lần; không được hẹn lại lần nữa.")
            % {"code": dossier.code}
        )
    if (
        dossier.due_at is None
        or now > dossier.due_at
        or calendar.working_hours_between(now, dossier.due_at) < HOURS_PER_DAY
    ):
        raise InvalidTransition(_("Phiếu xin lỗi phải gửi trước hạn trả ít nhất 1 ngày làm việc."))
    office = timezone.get_default_timezone()
    if new_due_date <= timezone.localtime(dossier.due_at, office).date():
        raise ValidationFailed(
            _("Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại (%(due)s).")
            % {"due": timezone.localtime(dossier.due_at, office).strftime("%d/%m/%Y")}
        )
    if not calendar.is_working_day(new_due_date):
        raise ValidationFailed(_("Ngày hẹn trả mới phải là ngày làm việc."))
    # The end of office hours of the new day, in the office's time zone (not the request's).
    new_due = dt.datetime.combine(new_due_date, working_periods()[-1][1], tzinfo=office)
    FormalNotice.objects.create(
        dossier=dossier,
        form=FormalNotice.Form.APOLOGY,
        reason=reason,
        new_due_at=new_due,
        issued_by=actor,
        issued_at=now,
    )
    old = dossier.due_at
    dossier.due_at = new_due
    dossier.extension_count += 1
    _save(dossier, "due_at", "extension_count")
    _event(
        dossier,
        action="apologise",
        actor=actor,
        from_status=before,
        note=reason,
        data={"old_due_at": old, "new_due_at": new_due},
        at=now,
    )
    return dossier


@transaction.atomic
def dossier_stop(*, dossier: Dossier, actor: User, reason: str) -> Dossier:
    """Stop handling the dossier, with the reason (form 05)."""
    dossier = _lock(dossier)
    _guard(dossier, action="stop", actor=actor)
    reason = _required_text(reason, _("Phải ghi lý do dừng giải quyết."))
    before, now = dossier.status, timezone.now()
    _close_step(dossier, at=now, actor=actor, outcome="stopped", note=reason, calendar=WorkingCalendar())
    _resume(dossier, at=now, calendar=WorkingCalendar())
    FormalNotice.objects.create(
        dossier=dossier, form=FormalNotice.Form.STOP, reason=reason, issued_by=actor, issued_at=now
    )
    dossier.status, dossier.closed_at = S.STOPPED, now
    _save(dossier, "status", "closed_at", "paused_since", "due_at")
    _event(dossier, action="stop", actor=actor, from_status=before, note=reason, at=now)
    return dossier


@transaction.atomic
def dossier_withdraw(*, dossier: Dossier, actor: User, reason: str) -> Dossier:
    """The citizen withdraws: at once before acceptance, else on the desk's confirmation."""
    dossier = _lock(dossier)
    _guard(dossier, action="withdraw", actor=actor)
    reason = _required_text(reason, _("Vui lòng ghi lý do rút hồ sơ."))
    before, now = dossier.status, timezone.now()
    if dossier.received_at is None:
        dossier.status, dossier.closed_at = S.WITHDRAWN, now
        _save(dossier, "status", "closed_at")
    else:
        dossier.status = S.WITHDRAWAL_REQUESTED
        _save(dossier, "status")
    _event(dossier, action="withdraw", actor=actor, from_status=before, note=reason, at=now)
    return dossier


@transaction.atomic
def dossier_confirm_withdrawal(*, dossier: Dossier, actor: User) -> Dossier:
    dossier = _lock(dossier)
    _guard(dossier, action="confirm_withdrawal", actor=actor)
    before, now = dossier.status, timezone.now()
    _close_step(dossier, at=now, actor=actor, outcome="withdrawn", note="", calendar=WorkingCalendar())
    _resume(dossier, at=now, calendar=WorkingCalendar())
    dossier.status, dossier.closed_at = S.WITHDRAWN, now
    _save(dossier, "status", "closed_at", "paused_since", "due_at")
    _event(dossier, action="confirm_withdrawal", actor=actor, from_status=before, at=now)
    return dossier


def _finish(
    dossier: Dossier,
    *,
    actor: Any,
    summary: str,
    action: str,
    result: Any = None,
    result_name: str = "",
    verification_code: str = "",
) -> None:
    prepared = (
        _check_attachments(dossier.version, [_result_attachment(result, result_name, verification_code)], owner=None)
        if result is not None
        else []
    )
    calendar, now, before = WorkingCalendar(), timezone.now(), dossier.status
    _close_step(dossier, at=now, actor=actor, outcome="finished", note=summary, calendar=calendar)
    remaining = _remaining_after(dossier)
    if remaining:  # the return step(s) at the one-stop desk
        _open_step(dossier, remaining[0], at=now, actor=actor, calendar=calendar)
    dossier.status, dossier.finished_at = S.FINISHED, now
    dossier.result_summary = nfc(summary)
    if dossier.due_at is not None:
        dossier.timing = clock.timing_of(calendar, done_at=now, due_at=dossier.due_at)
    _save(
        dossier, "status", "finished_at", "result_summary", "timing", "current_step", "current_role", "current_agency"
    )
    _store_attachments(dossier, prepared, uploader=actor)
    _event(
        dossier,
        action=action,
        actor=actor,
        from_status=before,
        note=dossier.result_summary,
        data={"timing": dossier.timing},
        at=now,
    )


@transaction.atomic
def dossier_finish(*, dossier: Dossier, actor: User, summary: str, result: Any = None) -> Dossier:
    """The handler records the outcome (and the result file): the dossier waits to be returned."""
    dossier = _lock(dossier)
    _guard(dossier, action="finish", actor=actor)
    summary = _required_text(summary, _("Ghi kết quả giải quyết."))
    if any(step.unit_kind != ProcessStep.UnitKind.ONE_STOP for step in _remaining_after(dossier)):
        raise InvalidTransition(_("Hồ sơ còn bước xử lý chưa làm; hãy chuyển bước tiếp theo."))
    if (
        result is not None
        and dossier.files.filter(source=DossierFile.Source.RESULT).exclude(verification_code="").exists()
    ):
        raise ValidationFailed(_("Hồ sơ đã có kết quả điện tử do lãnh đạo ký số; không tải thêm tệp kết quả."))
    _finish(dossier, actor=actor, summary=summary, action="finish", result=result)
    return dossier


@transaction.atomic
def dossier_return_result(*, dossier: Dossier, actor: User, delivery: str | None = None) -> Dossier:
    """Return the result to the applicant; the register (form 07) records when and how."""
    dossier = _lock(dossier)
    _guard(dossier, action="return_result", actor=actor)
    if delivery is not None:
        if delivery not in Delivery.values:
            raise ValidationFailed(_("Cách nhận kết quả không hợp lệ."))
        dossier.delivery = delivery
    if dossier.delivery == Delivery.ONLINE and not dossier.files.filter(source=DossierFile.Source.RESULT).exists():
        raise ValidationFailed(_("Hồ sơ chưa có tệp kết quả điện tử; hãy trả tại Bộ phận Một cửa hoặc qua bưu chính."))
    calendar, now, before = WorkingCalendar(), timezone.now(), dossier.status
    _close_step(dossier, at=now, actor=actor, outcome="returned", note="", calendar=calendar)
    dossier.status, dossier.returned_at, dossier.closed_at = S.RETURNED, now, now
    dossier.current_role = ""
    _save(dossier, "status", "returned_at", "closed_at", "delivery", "current_role")
    result_files = list(dossier.files.filter(source=DossierFile.Source.RESULT))
    if dossier.applicant_id is not None:
        for item in result_files:
            StoredPaper.objects.get_or_create(
                owner_id=dossier.applicant_id,
                sha256=item.sha256,
                defaults={
                    "name": f"{item.name} — {dossier.code}",
                    "file": item.file.name,
                    "kind": item.kind,
                    "size": item.size,
                    "from_dossier": dossier,
                    "is_result": True,
                    "verification_code": item.verification_code,
                },
            )
    _event(
        dossier,
        action="return_result",
        actor=actor,
        from_status=before,
        data={"delivery": dossier.delivery},
        at=now,
    )
    return dossier


@transaction.atomic
def dossier_choose_delivery(*, dossier: Dossier, actor: User, delivery: str) -> Dossier:
    dossier = _lock(dossier)
    _guard(dossier, action="choose_delivery", actor=actor)
    if delivery not in Delivery.values:
        raise ValidationFailed(_("Cách nhận kết quả không hợp lệ."))
    before = dossier.status
    dossier.delivery = delivery
    _save(dossier, "delivery")
    _event(dossier, action="choose_delivery", actor=actor, from_status=before, data={"delivery": delivery})
    return dossier


@transaction.atomic
def dossier_rate(*, dossier: Dossier, actor: User, rating: int, comment: str = "") -> Dossier:
    """The citizen rates the service (1–5); feeds criterion 5.4 of the 766 index."""
    dossier = _lock(dossier)
    _guard(dossier, action="rate", actor=actor)
    if isinstance(rating, bool) or rating not in (1, 2, 3, 4, 5):
        raise ValidationFailed(_("Chọn mức đánh giá từ 1 đến 5 sao."))
    if dossier.rating is not None:
        raise InvalidTransition(_("Bạn đã đánh giá hồ sơ %(code)s.") % {"code": dossier.code})
    before, now = dossier.status, timezone.now()
    dossier.rating, dossier.rating_comment, dossier.rated_at = rating, nfc(comment)[:1000], now
    _save(dossier, "rating", "rating_comment", "rated_at")
    _event(dossier, action="rate", actor=actor, from_status=before, data={"rating": rating}, at=now)
    return dossier


@transaction.atomic
def stored_paper_add(*, owner: User, name: str, upload: Any) -> StoredPaper:
    """A paper the citizen keeps in their own store, to reuse in later dossiers."""
    name = _required_text(name, _("Đặt tên cho giấy tờ."))
    checked = check_upload(upload, allowed=ATTACHMENT_TYPES, max_bytes=settings.CQS_ATTACHMENT_MAX_BYTES, label=name)
    upload.seek(0)
    paper = StoredPaper(owner=owner, name=name, kind=checked.kind, size=checked.size, sha256=checked.sha256)
    paper.file.save(f"{checked.sha256[:16]}.{checked.extension}", ContentFile(upload.read()), save=False)
    paper.save()
    audit_record(actor=owner, action="stored_paper.add", obj=paper, after={"name": name, "sha256": checked.sha256})
    return paper
