"""Reads for the citizen's side of online public services: their dossiers, papers and the public lookup.

Every function answers only what the given citizen may see (``permissions.dossiers_visible_to``);
the public lookup answers no personal data at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqs.accounts.models import User
from cqs.core.errors import NotFoundOrForbidden
from cqs.dossiers.models import (
    OPEN_STATUSES,
    Dossier,
    DossierEvent,
    DossierFile,
    FormalNotice,
    Status,
    StoredPaper,
    SupplementRequest,
)
from cqs.dossiers.permissions import dossiers_visible_to, may_see_file

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The timeline's words for each DossierEvent.action (what the citizen reads).
ACTION_LABELS: dict[str, StrOrPromise] = {
    "submit": gettext_lazy("Nộp hồ sơ trực tuyến"),
    "receive": gettext_lazy("Tiếp nhận hồ sơ tại Bộ phận Một cửa"),
    "accept": gettext_lazy("Hồ sơ được tiếp nhận"),
    "refuse": gettext_lazy("Từ chối tiếp nhận hồ sơ"),
    "request_supplement": gettext_lazy("Yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "answer_supplement": gettext_lazy("Công dân bổ sung hồ sơ"),
    "forward": gettext_lazy("Chuyển bước xử lý tiếp theo"),
    "approve": gettext_lazy("Lãnh đạo phê duyệt"),
    "send_back": gettext_lazy("Trả lại bước xử lý trước"),
    "transfer": gettext_lazy("Chuyển cơ quan phối hợp (liên thông)"),
    "transfer_return": gettext_lazy("Cơ quan phối hợp trả hồ sơ"),
    "request_payment": gettext_lazy("Yêu cầu nộp phí, lệ phí"),
    "record_payment": gettext_lazy("Đã nộp phí, lệ phí"),
    "apologise": gettext_lazy("Xin lỗi và đề nghị gia hạn thời gian giải quyết"),
    "stop": gettext_lazy("Dừng giải quyết hồ sơ"),
    "withdraw": gettext_lazy("Công dân yêu cầu rút hồ sơ"),
    "confirm_withdrawal": gettext_lazy("Xác nhận rút hồ sơ"),
    "finish": gettext_lazy("Hoàn thành giải quyết, có kết quả"),
    "return_result": gettext_lazy("Trả kết quả"),
    "choose_delivery": gettext_lazy("Chọn cách nhận kết quả"),
    "rate": gettext_lazy("Đánh giá mức độ hài lòng"),
}

# Events whose note is meant for the applicant (the others are notes between officials).
CITIZEN_NOTES = {"refuse", "request_supplement", "answer_supplement", "apologise", "stop", "withdraw", "finish"}

# "What happens next", per status.
NEXT_STEP: dict[str, StrOrPromise] = {
    Status.SUBMITTED: gettext_lazy(
        "Bộ phận Một cửa sẽ kiểm tra hồ sơ và tiếp nhận, hoặc yêu cầu bổ sung. Khi hồ sơ được tiếp nhận, "
        "bạn nhận được giấy tiếp nhận và ngày hẹn trả kết quả."
    ),
    Status.PROCESSING: gettext_lazy("Cơ quan có thẩm quyền đang giải quyết hồ sơ. Bạn chưa cần làm gì thêm."),
    Status.TRANSFERRED: gettext_lazy("Hồ sơ đang được cơ quan phối hợp xử lý (liên thông). Bạn chưa cần làm gì thêm."),
    Status.AWAITING_APPROVAL: gettext_lazy("Hồ sơ đang chờ lãnh đạo phê duyệt. Bạn chưa cần làm gì thêm."),
    Status.SUPPLEMENT_REQUESTED: gettext_lazy(
        "Bạn cần bổ sung các giấy tờ được yêu cầu dưới đây. Thời gian chờ bổ sung không tính vào thời hạn giải quyết."
    ),
    Status.PAYMENT_REQUESTED: gettext_lazy(
        "Bạn cần nộp phí, lệ phí để hồ sơ tiếp tục được giải quyết. Thời gian chờ không tính vào thời hạn giải quyết."
    ),
    Status.WITHDRAWAL_REQUESTED: gettext_lazy("Bộ phận Một cửa sẽ xác nhận việc rút hồ sơ."),
    Status.REFUSED: gettext_lazy("Hồ sơ không được tiếp nhận; lý do ghi trong quá trình xử lý."),
    Status.STOPPED: gettext_lazy("Hồ sơ đã dừng giải quyết; lý do ghi trong quá trình xử lý."),
    Status.WITHDRAWN: gettext_lazy("Hồ sơ đã được rút. Bạn có thể nộp hồ sơ mới khi cần."),
    Status.FINISHED: gettext_lazy(
        "Hồ sơ đã có kết quả. Bạn nhận kết quả theo cách đã chọn; có thể đổi cách nhận dưới đây."
    ),
    Status.RETURNED: gettext_lazy("Kết quả đã được trả. Mời bạn đánh giá mức độ hài lòng."),
}

FILTER_OPEN = "dang-xu-ly"
FILTER_CLOSED = "da-ket-thuc"


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def next_step_text(status: str) -> str:
    return str(NEXT_STEP.get(status, ""))


def citizen_dossiers(*, user: User, which: str = "") -> QuerySet[Dossier]:
    """The citizen's dossiers, newest first; ``which`` is "" (all), ``FILTER_OPEN`` or ``FILTER_CLOSED``."""
    rows = dossiers_visible_to(user).filter(applicant=user).select_related("procedure")
    if which == FILTER_OPEN:
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif which == FILTER_CLOSED:
        rows = rows.exclude(status__in=OPEN_STATUSES)
    return rows.order_by("-submitted_at", "-id")


@dataclass(frozen=True)
class TimelineRow:
    at: dt.datetime
    label: str
    status_label: str
    note: str


@dataclass
class DossierPage:
    """Everything the citizen's dossier page shows."""

    dossier: Dossier
    timeline: list[TimelineRow]
    next_step: str
    supplement: SupplementRequest | None
    submitted_files: list[DossierFile]
    result_files: list[DossierFile]
    notices: list[FormalNotice]


def citizen_dossier(*, user: User, code: str) -> Dossier:
    """One of the citizen's own dossiers; anything else is "not found"."""
    dossier = (
        dossiers_visible_to(user)
        .filter(applicant=user, code=code[:60])
        .select_related("procedure", "version", "receiving_agency", "deciding_agency")
        .first()
    )
    if dossier is None:
        raise NotFoundOrForbidden(_("Không tìm thấy hồ sơ."))
    return dossier


def citizen_dossier_page(*, user: User, code: str) -> DossierPage:
    dossier = citizen_dossier(user=user, code=code)
    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("at", "id"))
    timeline = [
        TimelineRow(
            at=event.at,
            label=action_label(event.action),
            status_label=str(Status(event.to_status).label) if event.to_status in Status.values else "",
            note=event.note if event.action in CITIZEN_NOTES else "",
        )
        for event in events
    ]
    supplement = None
    if dossier.status == Status.SUPPLEMENT_REQUESTED:
        supplement = (
            SupplementRequest.objects.filter(dossier=dossier, answered_at__isnull=True)
            .order_by("-requested_at")
            .first()
        )
    files = [item for item in dossier.files.order_by("id") if may_see_file(user, item)]
    return DossierPage(
        dossier=dossier,
        timeline=timeline,
        next_step=next_step_text(dossier.status),
        supplement=supplement,
        submitted_files=[f for f in files if f.source != DossierFile.Source.RESULT],
        result_files=[f for f in files if f.source == DossierFile.Source.RESULT],
        notices=list(FormalNotice.objects.filter(dossier=dossier).order_by("issued_at")),
    )


def citizen_dossier_file(*, user: User, code: str, file_id: int) -> DossierFile:
    """A file of one of the citizen's own dossiers; anything else is "not found"."""
    dossier = citizen_dossier(user=user, code=code)
    found = dossier.files.filter(pk=file_id).first()
    if found is None or not may_see_file(user, found):
        raise NotFoundOrForbidden(_("Không tìm thấy tệp."))
    return found


def citizen_papers(*, user: User) -> QuerySet[StoredPaper]:
    if not getattr(user, "is_authenticated", False):
        return StoredPaper.objects.none()
    return StoredPaper.objects.filter(owner=user).order_by("-created_at", "-id")


def citizen_paper(*, user: User, paper_id: int) -> StoredPaper:
    paper = citizen_papers(user=user).filter(pk=paper_id).first()
    if paper is None:
        raise NotFoundOrForbidden(_("Không tìm thấy giấy tờ."))
    return paper


@dataclass(frozen=True)
class PublicStatus:
    """What anyone may learn of a dossier from its code: no name, ID number, address or phone."""

    code: str
    procedure_name: str
    status_label: str
    is_open: bool
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    returned_at: dt.datetime | None


LOOKUP_MAX_LENGTH = 60


def dossier_public_status(*, code: str) -> PublicStatus | None:
    code = "".join((code or "").split())[:LOOKUP_MAX_LENGTH]
    if not code:
        return None
    row = (
        Dossier.objects.filter(code__iexact=code)
        .select_related("procedure")
        .only("code", "status", "received_at", "due_at", "returned_at", "procedure__name")
        .first()
    )
    if row is None:
        return None
    return PublicStatus(
        code=row.code,
        procedure_name=row.procedure.name,
        status_label=str(Status(row.status).label),
        is_open=row.is_open,
        received_at=row.received_at,
        due_at=row.due_at,
        returned_at=row.returned_at,
    )
