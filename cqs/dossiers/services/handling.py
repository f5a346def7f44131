"""Handling along the internal process: forwarding, approval and the electronic result, transfers, fees."""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.accounts.models import Role, User
from cqs.catalog import result_templates
from cqs.catalog.models import OnlineLevel, ProcessStep
from cqs.core.calendar import WorkingCalendar
from cqs.core.errors import ValidationFailed
from cqs.core.text import nfc
from cqs.dossiers import results, transitions
from cqs.dossiers.models import (
    Dossier,
    DossierStep,
)
from cqs.dossiers.services.attachments import _check_attachments, _result_attachment, _store_attachments
from cqs.dossiers.services.base import RESULT_DRAFT_MAX, S, _event, _guard, _lock, _required_text, _save
from cqs.dossiers.services.closing import _finish
from cqs.dossiers.services.steps import (
    _advance,
    _close_step,
    _open_step,
    _pause,
    _process,
    _resting_status,
    _resume,
)
from cqs.signing import selectors as signing_selectors
from cqs.signing.pdf import next_field_name, pdf_sign
from cqs.signing.services import verifiable_register, verification_code_new
from cqs.units.models import Agency


@transaction.atomic
def dossier_forward(*, dossier: Dossier, actor: User, note: str = "") -> Dossier:
    """Hand the dossier on to the next step of its frozen internal process (timed on the control sheet)."""
    dossier = _lock(dossier)
    _guard(dossier, action="forward", actor=actor)
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
    signed result goes on with the dossier to those steps. The last approval of a dossier of a
    full-online procedure (toàn trình) always issues the electronic result: never a paper only.
    """
    dossier = _lock(dossier)
    _guard(dossier, action="approve", actor=actor)
    remaining = transitions.remaining_steps(dossier)
    if electronic_result and result is not None:
        raise ValidationFailed(_("Chọn một trong hai: tải tệp kết quả lên hoặc cấp kết quả điện tử."))
    last_approval = all(_after_last_approval(step) for step in remaining)
    if electronic_result and not last_approval:
        raise ValidationFailed(
            _(
                "Kết quả điện tử chỉ được ký ở lần phê duyệt cuối cùng của quy trình "
                "(sau đó chỉ còn bước văn thư phát hành và bước trả kết quả)."
            )
        )
    if last_approval and not electronic_result and dossier.version.online_level == OnlineLevel.FULL:
        raise ValidationFailed(
            _(
                "Thủ tục này là dịch vụ công trực tuyến toàn trình: kết quả giải quyết phải là kết quả điện tử "
                "có chữ ký số; hãy chọn «Ký số và cấp kết quả điện tử» khi phê duyệt."
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
    _guard(dossier, action="draft_result", actor=actor)
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
    previous = transitions.previous_handling_step(dossier)
    assert previous is not None  # the guard refuses a send-back with no handling step before
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
