"""The printed forms of the one-stop mechanism (Circular 03/2025/TT-VPCP, Appendix I), as PDF.

Forms 01–06 are printed for one dossier (``form_pdf``), form 07 — the dossier register — for
an agency and a period (``register_pdf``). Each is an HTML template under
``dossiers/forms/`` rendered with WeasyPrint: A4, DejaVu Serif, the national motto, the
agency top left, the place and date line, "Mẫu số 0x" top right.

The wording of the forms is fixed by the Circular, so the templates are written in Vietnamese
and rendered under the Vietnamese locale whatever the reader's language.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cqs.accounts.models import Role
from cqs.core.calendar import HOURS_PER_DAY
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.dossiers import selectors_forms as sel
from cqs.dossiers.models import Channel, Delivery, Dossier, DossierFile, FilingMode, FormalNotice, Status, Timing
from cqs.signing import selectors as signing_selectors
from cqs.signing.models import Certificate
from cqs.units.models import Agency

FORMS: dict[str, str] = {
    "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết",
    "05": "Thông báo dừng giải quyết hồ sơ",
    "06": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
}
CITIZEN_FORMS = frozenset({"01", "02", "03", "04", "05"})
REGISTER_MAX_DAYS = 366
REGISTER_MAX_ROWS = 1000

TIMING_LABELS = {Timing.EARLY: "Trước hạn", Timing.ON_TIME: "Đúng hạn", Timing.LATE: "Trễ hạn"}


# ---------------------------------------------------------------- formatting


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value) if value is not None else None


def fmt_date(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y")


def fmt_datetime(value: dt.datetime | None) -> str:
    """``09 giờ 15 phút, ngày 22/11/2026`` (the receipt's wording)."""
    local = _local(value)
    if local is None:
        return ""
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def fmt_short(value: dt.datetime | None) -> str:
    """``09:15 22/11/2026`` for table cells."""
    local = _local(value)
    return f"{local:%H:%M %d/%m/%Y}" if local is not None else ""


def fmt_duration(hours: Decimal | float | None) -> str:
    amount = Decimal(str(hours or 0))
    if amount and amount % HOURS_PER_DAY == 0:
        return f"{int(amount / HOURS_PER_DAY)} ngày làm việc"
    text = f"{amount.normalize():f}".replace(".", ",")
    return f"{text} giờ làm việc"


def _place(agency: Agency) -> str:
    """The place of the date line: the unit's name without its kind (``Phường Trường Vinh`` → ``Trường Vinh``)."""
    name = agency.unit.name if agency.unit_id else ""
    for prefix in (agency.unit.division_type if agency.unit_id else "", "Thành phố", "Đặc khu", "Phường", "Tỉnh", "Xã"):
        if prefix and name.lower().startswith(prefix.lower() + " "):
            return name[len(prefix) + 1 :]
    return name


def _date_line(agency: Agency, when: dt.datetime | dt.date | None) -> str:
    if isinstance(when, dt.datetime):
        when = timezone.localtime(when).date()
    when = when or timezone.localdate()
    return f"{_place(agency)}, ngày {when:%d} tháng {when:%m} năm {when:%Y}"


def _header(agency: Agency, when: dt.datetime | dt.date | None, *, number: str = "") -> dict[str, Any]:
    return {
        "parent": agency.parent.name if agency.parent_id and agency.parent else "",
        "name": agency.name,
        "number": number,
        "date_line": _date_line(agency, when),
    }


def _person(user: Any) -> str:
    return (getattr(user, "full_name", "") or getattr(user, "username", "")) if user is not None else ""


def _applicant(dossier: Dossier) -> dict[str, str]:
    return {
        "name": dossier.applicant_name,
        "id_number": dossier.applicant_id_number,
        "address": dossier.applicant_address,
        "phone": dossier.applicant_phone,
        "email": dossier.applicant_email,
    }


def _due_from_event(data: dict[str, Any], key: str) -> dt.datetime | None:
    raw = data.get(key)
    if not isinstance(raw, str):
        return None
    try:
        return dt.datetime.fromisoformat(raw)
    except ValueError:
        return None


# ---------------------------------------------------------------- availability


def forms_for(dossier: Dossier, *, citizen: bool) -> list[tuple[str, str]]:
    """The forms (code, title) the dossier already has, in order; the citizen's own forms only if ``citizen``.

    Reads the dossier's supplement requests and notices through ``.all()``, so a dossier loaded with
    them prefetched (the desk and portal pages) costs no query.
    """
    notices = {notice.form for notice in dossier.notices.all()}
    have = {
        "01": dossier.received_at is not None,
        "02": bool(dossier.supplement_requests.all()),
        "03": FormalNotice.Form.REFUSAL in notices,
        "04": FormalNotice.Form.APOLOGY in notices,
        "05": FormalNotice.Form.STOP in notices,
        "06": dossier.received_at is not None,
    }
    return [(form, title) for form, title in FORMS.items() if have[form] and (not citizen or form in CITIZEN_FORMS)]


def form_available(dossier: Dossier, form: str) -> bool:
    """Whether the dossier has what the form records: received (01, 06), asked to supplement (02),
    refused (03), apologised for (04), stopped (05)."""
    if form in ("01", "06"):
        return dossier.received_at is not None
    if form == "02":
        return sel.has_supplement_request(dossier=dossier)
    if form in (FormalNotice.Form.REFUSAL, FormalNotice.Form.APOLOGY, FormalNotice.Form.STOP):
        return sel.has_notice(dossier=dossier, form=form)
    return False


# ---------------------------------------------------------------- the contexts of forms 01–06


def _documents(dossier: Dossier) -> list[dict[str, Any]]:
    """Form 01's numbered list: one row per paper of the procedure handed in (or other paper)."""
    rows: dict[Any, dict[str, Any]] = {}
    for item in sel.receipt_files(dossier=dossier):
        document = item.required_document
        key = document.pk if document is not None else f"file-{item.pk}"
        row = rows.get(key)
        if row is None:
            row = rows[key] = {
                "name": document.name if document is not None else item.name,
                "originals": document.originals if document is not None else 0,
                "copies": document.copies if document is not None else 0,
                "files": 0,
                "forms": set(),
            }
        row["files"] += 1
        row["forms"].add(str(DossierFile.Source(item.source).label))
    result = []
    for position, row in enumerate(rows.values(), start=1):
        result.append({**row, "position": position, "forms": ", ".join(sorted(row["forms"]))})
    return result


def receipt_certificate(dossier: Dossier) -> Certificate | None:
    """The certificate that signs an online dossier's electronic receipt: the receiving agency's seal
    (None for a paper dossier, whose receipt is signed by hand, or while the agency has none)."""
    if dossier.channel != Channel.ONLINE:
        return None
    return signing_selectors.certificate_of_agency(dossier.receiving_agency)


def _context_01(dossier: Dossier) -> dict[str, Any]:
    row = dossier.register_row
    received = _local(dossier.received_at)
    agency = dossier.receiving_agency
    certificate = receipt_certificate(dossier)
    return {
        "electronic": dossier.channel == Channel.ONLINE,
        "signer": certificate.common_name if certificate is not None else "",
        "header": _header(agency, dossier.received_at, number=f"{row or '……'}/TNHS"),
        "applicant": _applicant(dossier),
        "on_behalf": dossier.filing_mode == FilingMode.ON_BEHALF,
        "assisted": dossier.filing_mode == FilingMode.ASSISTED,
        "documents": _documents(dossier),
        "statutory": fmt_duration(dossier.statutory_hours),
        "received": fmt_datetime(dossier.received_at),
        "appointed": fmt_datetime(dossier.original_due_at or dossier.due_at),
        "appointed_now": fmt_datetime(dossier.due_at) if dossier.due_at != dossier.original_due_at else "",
        "delivery": str(Delivery(dossier.delivery).label if dossier.delivery else Delivery.DESK.label),
        "collect_at": ", ".join(p for p in (agency.name, agency.address) if p),
        "channel": str(Channel(dossier.channel).label),
        "book": received.year if received is not None else "",
        "row": row or "",
        "officer": _person(dossier.received_by),
    }


def _context_02(dossier: Dossier) -> dict[str, Any]:
    request = sel.supplement_request_latest(dossier=dossier)
    if request is None:
        raise NotFoundOrForbidden(_("Hồ sơ chưa có yêu cầu bổ sung."))
    return {
        "header": _header(dossier.receiving_agency, request.requested_at),
        "applicant": _applicant(dossier),
        "submitted": fmt_date(dossier.received_at or dossier.submitted_at),
        "items": [str(item) for item in request.items],
        "reason": request.reason,
        "contact": request.contact,
        "signer": _person(request.requested_by),
        "answered": fmt_short(request.answered_at),
    }


def _notice(dossier: Dossier, form: str) -> FormalNotice:
    notice = sel.notice_latest(dossier=dossier, form=form)
    if notice is None:
        raise NotFoundOrForbidden(_("Hồ sơ không có phiếu này."))
    return notice


def _context_03(dossier: Dossier) -> dict[str, Any]:
    notice = _notice(dossier, FormalNotice.Form.REFUSAL)
    return {
        "header": _header(dossier.receiving_agency, notice.issued_at),
        "applicant": _applicant(dossier),
        "submitted": fmt_date(dossier.submitted_at),
        "reason": notice.reason,
        "signer": _person(notice.issued_by),
    }


def _context_04(dossier: Dossier) -> dict[str, Any]:
    notice = _notice(dossier, FormalNotice.Form.APOLOGY)
    data = sel.event_data_latest(dossier=dossier, action="apologise")
    old_due = _due_from_event(data, "old_due_at") or dossier.original_due_at
    return {
        "header": _header(dossier.deciding_agency, notice.issued_at, number="……/……"),
        "applicant": _applicant(dossier),
        "received": fmt_date(dossier.received_at),
        "old_due": fmt_datetime(old_due),
        "new_due": fmt_date(notice.new_due_at),
        "new_due_long": fmt_datetime(notice.new_due_at),
        "reason": notice.reason,
        "signer": _person(notice.issued_by),
    }


def _context_05(dossier: Dossier) -> dict[str, Any]:
    notice = _notice(dossier, FormalNotice.Form.STOP)
    return {
        "header": _header(dossier.deciding_agency, notice.issued_at, number="……/……"),
        "applicant": _applicant(dossier),
        "received": fmt_date(dossier.received_at or dossier.submitted_at),
        "due": fmt_datetime(dossier.due_at),
        "stopped": fmt_datetime(notice.issued_at),
        "reason": notice.reason,
        "signer": _person(notice.issued_by),
    }


def _context_06(dossier: Dossier) -> dict[str, Any]:
    steps = sel.control_steps(dossier=dossier)
    lead = dossier.deciding_agency
    coordinating: dict[int, str] = {}
    rows = []
    previous_agency = dossier.receiving_agency
    for number, step in enumerate(steps, start=1):
        giver_agency = previous_agency
        rows.append(
            {
                "number": number,
                "name": step.name,
                "giver": _person(step.handed_by),
                "giver_agency": giver_agency.name,
                "receiver": _person(step.handled_by) or str(Role(step.role).label),
                "receiver_agency": step.agency.name,
                "handed_at": fmt_short(step.started_at),
                "due_at": fmt_short(step.due_at),
                "done_at": fmt_short(step.finished_at),
                "timing": TIMING_LABELS.get(Timing(step.timing), "") if step.timing else "Đang xử lý",
                "note": step.note,
            }
        )
        previous_agency = step.agency
        if step.agency_id not in (dossier.receiving_agency_id, dossier.deciding_agency_id):
            coordinating[step.agency_id] = step.agency.name
    return {
        "landscape": True,
        "header": _header(dossier.receiving_agency, dossier.received_at),
        "applicant": _applicant(dossier),
        "lead": lead.name,
        "coordinating": list(coordinating.values()),
        "received": fmt_datetime(dossier.received_at),
        "appointed": fmt_datetime(dossier.due_at),
        "original": fmt_datetime(dossier.original_due_at) if dossier.original_due_at != dossier.due_at else "",
        "rows": rows,
        "returned": fmt_datetime(dossier.returned_at),
        "timing": TIMING_LABELS.get(Timing(dossier.timing), "") if dossier.timing else "",
    }


_CONTEXTS = {
    "01": _context_01,
    "02": _context_02,
    "03": _context_03,
    "04": _context_04,
    "05": _context_05,
    "06": _context_06,
}


# ---------------------------------------------------------------- rendering


def _pdf(html: str) -> bytes:
    import weasyprint  # imported here: it takes a second to load, and only the printing needs it

    result = weasyprint.HTML(string=html).write_pdf()
    assert result is not None
    return bytes(result)


def form_html(*, dossier: Dossier, form: str) -> str:
    """The HTML of form ``form`` (01–06) for ``dossier``; refused ("not found") when it has no such form."""
    if form not in _CONTEXTS or not form_available(dossier, form):
        raise NotFoundOrForbidden(_("Hồ sơ không có phiếu này."))
    with translation.override("vi"):
        context = {
            "form_number": form,
            "title": FORMS[form],
            "dossier": dossier,
            "procedure": dossier.version.name or dossier.procedure.name,
            **_CONTEXTS[form](dossier),
        }
        return render_to_string(f"dossiers/forms/form_{form}.html", context)


def form_pdf(*, dossier: Dossier, form: str) -> bytes:
    """Form ``form`` (01–06) of ``dossier`` as a PDF (raises ``NotFoundOrForbidden`` if unavailable)."""
    return _pdf(form_html(dossier=dossier, form=form))


def register_check_period(*, start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ValidationFailed(_("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
    if (end - start).days + 1 > REGISTER_MAX_DAYS:
        raise ValidationFailed(
            _("Mỗi lần in sổ theo dõi tối đa %(days)s ngày; hãy chọn khoảng thời gian ngắn hơn.")
            % {"days": REGISTER_MAX_DAYS}
        )


def register_pdf(*, agency: Agency, start: dt.date, end: dt.date) -> bytes:
    """Form 07: the register of the dossiers received at ``agency`` from ``start`` to ``end`` (inclusive)."""
    register_check_period(start=start, end=end)
    count = sel.register_count(agency=agency, start=start, end=end)
    if count > REGISTER_MAX_ROWS:
        raise ValidationFailed(
            _("Khoảng thời gian này có %(count)s hồ sơ, quá %(max)s dòng cho một lần in; hãy chọn khoảng ngắn hơn.")
            % {"count": f"{count:,}".replace(",", "."), "max": f"{REGISTER_MAX_ROWS:,}".replace(",", ".")}
        )
    with translation.override("vi"):
        return _pdf(_register_html(agency=agency, start=start, end=end))


def _register_html(*, agency: Agency, start: dt.date, end: dt.date) -> str:
    rows = []
    for dossier in sel.register_entries(agency=agency, start=start, end=end):
        status = Status(dossier.status)
        rows.append(
            {
                "row": dossier.register_row,
                "code": dossier.code,
                "procedure": dossier.version.name or dossier.procedure.name,
                "sets": dossier.sets_count,
                "applicant": dossier.applicant_name,
                "contact": " — ".join(p for p in (dossier.applicant_address, dossier.applicant_phone) if p),
                "lead": dossier.deciding_agency.name,
                "received": fmt_short(dossier.received_at),
                "appointed": fmt_short(dossier.due_at),
                "finished": fmt_short(dossier.finished_at),
                "returned": fmt_short(dossier.returned_at),
                "delivery": str(Delivery(dossier.delivery).label) if dossier.delivery else "",
                "note": "" if status == Status.RETURNED else str(status.label),
                "timing": TIMING_LABELS.get(Timing(dossier.timing), "") if dossier.timing else "",
            }
        )
    context = {
        "form_number": "07",
        "title": "Sổ theo dõi hồ sơ",
        "header": _header(agency, timezone.localdate()),
        "start": fmt_date(start),
        "end": fmt_date(end),
        "rows": rows,
        "landscape": True,
    }
    return render_to_string("dossiers/forms/form_07.html", context)
