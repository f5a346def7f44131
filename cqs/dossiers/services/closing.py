"""Closing a dossier: apology and a new date, stopping, withdrawal, finishing, returning the result, rating."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.accounts.models import User
from cqs.core.calendar import HOURS_PER_DAY, WorkingCalendar, working_periods
from cqs.core.errors import ValidationFailed
from cqs.core.text import nfc
from cqs.dossiers import clock, transitions
from cqs.dossiers.models import (
    Delivery,
    Dossier,
    DossierFile,
    FormalNotice,
    StoredPaper,
)
from cqs.dossiers.services.attachments import _check_attachments, _result_attachment, _store_attachments
from cqs.dossiers.services.base import S, _event, _guard, _lock, _required_text, _save
from cqs.dossiers.services.steps import _close_step, _open_step, _resume

# An apology may put the return date off by the procedure's statutory time at most, and never by less
# than this many working days (a procedure of a few hours still gets a sensible new date).
EXTENSION_MIN_DAYS = 10


def _latest_new_due_date(dossier: Dossier, *, calendar: WorkingCalendar) -> dt.date:
    assert dossier.due_at is not None
    hours = max(float(dossier.statutory_hours), EXTENSION_MIN_DAYS * HOURS_PER_DAY)
    return timezone.localtime(calendar.add_working_hours(dossier.due_at, hours)).date()


@transaction.atomic
def dossier_apologise(*, dossier: Dossier, actor: User, reason: str, new_due_date: dt.date) -> Dossier:
    """Apology and a new return date (form 04): once, at least one working day before the deadline."""
    dossier = _lock(dossier)
    _guard(dossier, action="apologise", actor=actor)
    reason = _required_text(reason, _("Phải ghi lý do chậm trễ."))
    calendar, now, before = WorkingCalendar(), timezone.now(), dossier.status
    office = timezone.get_default_timezone()
    assert dossier.due_at is not None  # the guard refuses an apology for a dossier without a return date
    if new_due_date <= timezone.localtime(dossier.due_at, office).date():
        raise ValidationFailed(
            _("Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại (%(due)s).")
            % {"due": timezone.localtime(dossier.due_at, office).strftime("%d/%m/%Y")}
        )
    latest = _latest_new_due_date(dossier, calendar=calendar)
    if new_due_date > latest:
        raise ValidationFailed(
            _(
                "Ngày hẹn trả mới chậm nhất là %(latest)s: không được gia hạn quá thời hạn giải quyết của thủ tục "
                "(ít nhất %(days)d ngày làm việc) tính từ ngày hẹn trả hiện tại."
            )
            % {"latest": latest.strftime("%d/%m/%Y"), "days": EXTENSION_MIN_DAYS}
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
    """The citizen asks to withdraw (national status 7): before acceptance the dossier is withdrawn at once
    (the system confirms, nothing being accepted yet); afterwards the one-stop desk confirms."""
    dossier = _lock(dossier)
    _guard(dossier, action="withdraw", actor=actor)
    reason = _required_text(reason, _("Vui lòng ghi lý do rút hồ sơ."))
    before, now = dossier.status, timezone.now()
    dossier.status = S.WITHDRAWAL_REQUESTED
    _save(dossier, "status")
    _event(dossier, action="withdraw", actor=actor, from_status=before, note=reason, at=now)
    if dossier.received_at is None:
        dossier.status, dossier.closed_at = S.WITHDRAWN, now
        _save(dossier, "status", "closed_at")
        _event(
            dossier,
            action="confirm_withdrawal",
            actor=None,
            from_status=S.WITHDRAWAL_REQUESTED,
            note=_("Hồ sơ chưa được tiếp nhận: rút ngay theo yêu cầu của người nộp."),
            at=now,
        )
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
    remaining = transitions.remaining_steps(dossier)
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
    before, now = dossier.status, timezone.now()
    dossier.rating, dossier.rating_comment, dossier.rated_at = rating, nfc(comment)[:1000], now
    _save(dossier, "rating", "rating_comment", "rated_at")
    _event(dossier, action="rate", actor=actor, from_status=before, data={"rating": rating}, at=now)
    return dossier
