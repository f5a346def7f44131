"""Reception at the one-stop desk: acceptance (register row, clock, first steps), refusal, the one supplement.

The register row (form 07) is the receiving agency's next of the year (``codes.register_row_new``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.accounts.models import User
from cqs.catalog.models import ProcessStep
from cqs.core.audit import audit_record
from cqs.core.calendar import WorkingCalendar
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.text import nfc
from cqs.dossiers import documents
from cqs.dossiers.codes import register_row_new
from cqs.dossiers.models import (
    NATIONAL_ACCEPTED,
    Channel,
    Dossier,
    DossierFile,
    FormalNotice,
    SupplementRequest,
)
from cqs.dossiers.permissions import sees_personal_data
from cqs.dossiers.services.attachments import Attachment, _check_attachments, _store_attachments
from cqs.dossiers.services.base import S, _event, _guard, _lock, _required_text, _save
from cqs.dossiers.services.steps import (
    _close_step,
    _next_step,
    _open_step,
    _pause,
    _process,
    _resting_status,
    _resume,
    _start_clock,
)
from cqs.signing.pdf import next_field_name, pdf_sign


def _accept(dossier: Dossier, *, actor: Any, at: dt.datetime) -> None:
    calendar = WorkingCalendar()
    before = dossier.status
    _start_clock(dossier, at=at, calendar=calendar)
    dossier.register_row = register_row_new(agency_id=dossier.receiving_agency_id, at=at)
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
def dossier_receipt_electronic(*, dossier: Dossier, actor: Any) -> bytes:
    """Form 01 of an online dossier as sent electronically (Circular 03/2025: with a digital signature).

    Issued when it is first sent (read by the applicant or an official, on the portal, the desk or the
    API), signed with the receiving agency's seal and kept, so that every later reader gets the very
    same signed receipt. While the agency has no usable certificate the receipt is sent unsigned and
    says so; it is signed and kept once the agency has one. Accepting the dossier never waits for it.
    """
    dossier = _lock(dossier)
    if not sees_personal_data(actor, dossier):
        raise NotFoundOrForbidden(_("Không tìm thấy hồ sơ."))
    if dossier.channel != Channel.ONLINE or dossier.received_at is None:
        raise NotFoundOrForbidden(_("Hồ sơ không có giấy tiếp nhận điện tử."))
    if dossier.receipt:
        with dossier.receipt.open("rb") as handle:
            return bytes(handle.read())
    certificate = documents.receipt_certificate(dossier)
    pdf = documents.form_pdf(dossier=dossier, form="01")  # it says whether, and by whom, it is signed
    if certificate is None:
        return pdf
    agency = dossier.receiving_agency
    signed = pdf_sign(
        pdf=pdf,
        certificate=certificate,
        reason=_("Giấy tiếp nhận hồ sơ %(code)s") % {"code": dossier.code},
        location=agency.unit.name if agency.unit_id else agency.name,
        field_name=next_field_name(pdf),
        placement="seal",
    )
    dossier.receipt.save(f"mau-01-{dossier.pk}.pdf", ContentFile(signed), save=False)
    _save(dossier, "receipt")
    audit_record(
        actor=actor,
        action="dossier.receipt_sign",
        obj=dossier,
        after={"certificate": certificate.pk, "agency": agency.electronic_code, "file": dossier.receipt.name},
    )
    return signed


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
    _guard(dossier, action="request_supplement", actor=actor)
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
