"""The registers of incoming and outgoing documents (Decree 30/2020/NĐ-CP, Appendix IV), on screen, PDF and XLSX.

One register per agency, per year and per register kind (normal, or classified on its own
numbers); a period inside the year narrows it. Only the agency's leaders and clerks (văn thư)
open it (``register_agencies``), and its lines are the documents the reader may see on their pages
(``permissions.incoming_visible_to`` / ``outgoing_visible_to``): a register never shows more than
the documents themselves. The same rows feed the page, the PDF (A4 landscape, WeasyPrint)
and the spreadsheet (openpyxl, write-only), so the three always agree.

Incoming columns: date received, incoming number, sender, number and symbol, document date,
type and summary, receiving unit or person, date forwarded, signature (left blank for the
paper copy), notes. Outgoing columns: number and symbol, date, type and summary, signer,
recipients, unit keeping the file copy, copies, date sent, notes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Min, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqs.accounts.models import Role
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.documents.models import IncomingDocument, OutgoingDocument, OutgoingStatus, Recipient, Register
from cqs.documents.permissions import agencies_with_role, incoming_visible_to, outgoing_visible_to
from cqs.units.models import Agency

INCOMING = "incoming"
OUTGOING = "outgoing"
NORMAL = "normal"
CLASSIFIED = "classified"

_REGISTERS = {
    (INCOMING, NORMAL): Register.INCOMING,
    (INCOMING, CLASSIFIED): Register.INCOMING_CLASSIFIED,
    (OUTGOING, NORMAL): Register.OUTGOING,
    (OUTGOING, CLASSIFIED): Register.OUTGOING_CLASSIFIED,
}
TITLES: dict[tuple[str, str], Any] = {
    (INCOMING, NORMAL): gettext_lazy("Sổ đăng ký văn bản đến"),
    (INCOMING, CLASSIFIED): gettext_lazy("Sổ đăng ký văn bản đến mật"),
    (OUTGOING, NORMAL): gettext_lazy("Sổ đăng ký văn bản đi"),
    (OUTGOING, CLASSIFIED): gettext_lazy("Sổ đăng ký văn bản đi mật"),
}
INCOMING_COLUMNS: tuple[Any, ...] = (
    gettext_lazy("Ngày đến"),
    gettext_lazy("Số đến"),
    gettext_lazy("Tác giả (nơi gửi)"),
    gettext_lazy("Số, ký hiệu"),
    gettext_lazy("Ngày tháng văn bản"),
    gettext_lazy("Tên loại và trích yếu nội dung"),
    gettext_lazy("Đơn vị hoặc người nhận"),
    gettext_lazy("Ngày chuyển"),
    gettext_lazy("Ký nhận"),
    gettext_lazy("Ghi chú"),
)
OUTGOING_COLUMNS: tuple[Any, ...] = (
    gettext_lazy("Số, ký hiệu văn bản"),
    gettext_lazy("Ngày tháng văn bản"),
    gettext_lazy("Tên loại và trích yếu nội dung"),
    gettext_lazy("Người ký"),
    gettext_lazy("Nơi nhận văn bản"),
    gettext_lazy("Đơn vị, người nhận bản lưu"),
    gettext_lazy("Số lượng bản"),
    gettext_lazy("Ngày chuyển"),
    gettext_lazy("Ghi chú"),
)


@dataclass(frozen=True)
class RegisterQuery:
    """Which register: its kind (incoming/outgoing), the agency, the year, normal or classified, and a period."""

    kind: str
    agency: Agency
    year: int
    reader: Any
    register: str = NORMAL
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def first_day(self) -> dt.date:
        return self.start or dt.date(self.year, 1, 1)

    @property
    def last_day(self) -> dt.date:
        return self.end or dt.date(self.year, 12, 31)

    @property
    def title(self) -> str:
        return str(TITLES[(self.kind, self.register)])


def register_agencies(user: Any) -> list[Agency]:
    """The agencies whose registers the user keeps or reads: where they are a leader or a clerk."""
    ids = agencies_with_role(user, Role.LEADER, Role.CLERK)
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


def register_query(
    *,
    user: Any,
    kind: str,
    agency_id: int,
    year: int,
    register: str = NORMAL,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> RegisterQuery:
    """A checked register query; "not found" when the user is not a leader or clerk of the agency."""
    if kind not in (INCOMING, OUTGOING) or register not in (NORMAL, CLASSIFIED):
        raise NotFoundOrForbidden(_("Không có sổ văn bản này."))
    if agency_id not in agencies_with_role(user, Role.LEADER, Role.CLERK):
        raise NotFoundOrForbidden(_("Không có sổ văn bản này."))
    agency = Agency.objects.select_related("unit", "parent").get(pk=agency_id)
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("Năm không hợp lệ."))
    if start is not None and end is not None and end < start:
        raise ValidationFailed(_("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
    for day in (start, end):
        if day is not None and day.year != year:
            raise ValidationFailed(_("Khoảng thời gian phải nằm trong năm %(year)s của sổ.") % {"year": year})
    return RegisterQuery(kind=kind, agency=agency, year=year, reader=user, register=register, start=start, end=end)


def _bounds(query: RegisterQuery) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(query.first_day, dt.time.min, tz)
    end = dt.datetime.combine(query.last_day + dt.timedelta(days=1), dt.time.min, tz)
    return start, end


def incoming_entries(query: RegisterQuery) -> QuerySet[IncomingDocument]:
    """The incoming register's documents in the order of their numbers."""
    start, end = _bounds(query)
    return (
        IncomingDocument.objects.filter(
            pk__in=incoming_visible_to(query.reader).values("pk"),
            agency=query.agency,
            year=query.year,
            register=_REGISTERS[(INCOMING, query.register)],
            received_at__gte=start,
            received_at__lt=end,
        )
        .select_related("document_type", "lead_department", "handler")
        .order_by("number")
    )


def outgoing_entries(query: RegisterQuery) -> QuerySet[OutgoingDocument]:
    """The outgoing register's issued documents in the order of their numbers, recipients prefetched."""
    start, end = _bounds(query)
    return (
        OutgoingDocument.objects.filter(
            pk__in=outgoing_visible_to(query.reader).values("pk"),
            agency=query.agency,
            year=query.year,
            register=_REGISTERS[(OUTGOING, query.register)],
            status=OutgoingStatus.ISSUED,
            issued_at__gte=start,
            issued_at__lt=end,
        )
        .select_related("document_type", "signer", "keeping_department")
        .annotate(sent_at=Min("recipients__sent_at"))
        .prefetch_related(Prefetch("recipients", queryset=Recipient.objects.order_by("pk").only("outgoing_id", "name")))
        .order_by("number")
    )


def entries(query: RegisterQuery) -> QuerySet[Any]:
    return incoming_entries(query) if query.kind == INCOMING else outgoing_entries(query)


def day_text(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y")


def _type_and_summary(document: IncomingDocument | OutgoingDocument) -> str:
    return f"{document.document_type.name}: {document.subject}"


def incoming_row(document: IncomingDocument) -> list[str]:
    """The ten cells of one line of the incoming register."""
    receiver = document.lead_department.name if document.lead_department else ""
    if document.handler is not None:
        receiver = f"{receiver} — {document.handler.full_name}" if receiver else document.handler.full_name
    return [
        day_text(document.received_at),
        f"{document.number:02d}",
        document.sender_name,
        document.code,
        day_text(document.document_date),
        _type_and_summary(document),
        receiver,
        day_text(document.forwarded_at),
        "",
        document.note,
    ]


def outgoing_row(document: OutgoingDocument) -> list[str]:
    """The nine cells of one line of the outgoing register."""
    signer = document.signer.full_name if document.signer else ""
    return [
        document.code,
        day_text(document.issued_at),
        _type_and_summary(document),
        signer,
        "; ".join(r.name for r in document.recipients.all()),
        document.keeping_department.name if document.keeping_department else "",
        str(document.copies),
        day_text(getattr(document, "sent_at", None)),
        document.note,
    ]


def columns(kind: str) -> list[str]:
    return [str(c) for c in (INCOMING_COLUMNS if kind == INCOMING else OUTGOING_COLUMNS)]


def rows(query: RegisterQuery, documents: Any) -> list[list[str]]:
    make = incoming_row if query.kind == INCOMING else outgoing_row
    return [make(d) for d in documents]


def period_label(query: RegisterQuery) -> str:
    return _("Từ ngày %(start)s đến ngày %(end)s") % {
        "start": day_text(query.first_day),
        "end": day_text(query.last_day),
    }
