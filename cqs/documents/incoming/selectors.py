"""Reads of incoming documents: the work boxes, one document with its slip, its files.

Everything starts from ``permissions.incoming_visible_to``: what the user may not see does not
exist here. Urgent documents come first in every box, then the nearest deadline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqs.accounts.models import Role
from cqs.core.errors import NotFoundOrForbidden
from cqs.core.text import search_terms
from cqs.documents.models import DepartmentMember, DocumentFile, IncomingDocument, IncomingStatus, Urgency
from cqs.documents.permissions import agencies_with_role, incoming_visible_to, memberships

S = IncomingStatus
OPEN = (S.ASSIGNED, S.IN_PROGRESS)
DUE_SOON_DAYS = 2

BOXES: dict[str, Any] = {
    "to_direct": gettext_lazy("Chờ cho ý kiến"),
    "lead": gettext_lazy("Đơn vị tôi chủ trì"),
    "mine": gettext_lazy("Tôi xử lý"),
    "coordinate": gettext_lazy("Phối hợp"),
    "due_soon": gettext_lazy("Sắp đến hạn"),
    "late": gettext_lazy("Quá hạn"),
    "all": gettext_lazy("Tất cả"),
}

_URGENCY_RANK = Case(
    When(urgency=Urgency.FLASH, then=Value(0)),
    When(urgency=Urgency.VERY_URGENT, then=Value(1)),
    When(urgency=Urgency.URGENT, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def _box_filter(user: Any, box: str, *, today: dt.date) -> Q:
    if box == "to_direct":
        return Q(status=S.REGISTERED, agency__in=agencies_with_role(user, Role.LEADER, Role.CLERK))
    if box == "lead":
        return Q(status__in=OPEN, lead_department__in=memberships(user)[1])
    if box == "mine":
        return Q(status__in=OPEN, handler=user)
    if box == "coordinate":
        return Q(status__in=OPEN, coordinating_departments__in=memberships(user)[0])
    if box == "due_soon":
        return Q(status__in=OPEN, deadline__gte=today, deadline__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
    if box == "late":
        return Q(status__in=OPEN, deadline__lt=today)
    return Q()


def _in_box(user: Any, box: str, *, today: dt.date) -> QuerySet[IncomingDocument]:
    if box not in BOXES:
        raise NotFoundOrForbidden(_("Không có hộp văn bản này."))
    ids = incoming_visible_to(user).filter(_box_filter(user, box, today=today)).values("pk")
    return IncomingDocument.objects.filter(pk__in=ids)


def _search(documents: QuerySet[IncomingDocument], query: str) -> QuerySet[IncomingDocument]:
    """Every word of the query in the folded metadata; a number is the incoming number or the sender's number."""
    for term in search_terms(query)[:10]:
        if term.isdigit() and len(term) <= 9:
            match = Q(number=int(term)) | Q(code_number=term)
        else:
            match = Q(search_text__contains=term)
        documents = documents.filter(match)
    return documents


def incoming_list(
    *, user: Any, box: str = "all", query: str = "", status: str = "", today: dt.date | None = None
) -> QuerySet[IncomingDocument]:
    """The documents of one work box that the user may see: urgent first, then the nearest deadline."""
    documents = _in_box(user, box, today=today or timezone.localdate())
    if status:
        documents = documents.filter(status=status)
    if query:
        documents = _search(documents, query)
    return (
        documents.select_related("document_type", "lead_department", "handler")
        .annotate(urgency_rank=_URGENCY_RANK)
        .order_by("urgency_rank", "deadline", "-received_at", "-pk")
    )


def box_counts(*, user: Any, today: dt.date | None = None) -> dict[str, int]:
    day = today or timezone.localdate()
    return {box: _in_box(user, box, today=day).count() for box in BOXES}


def urgent_waiting(*, user: Any) -> QuerySet[IncomingDocument]:
    """Urgent documents waiting for the leader's direction: shown at the top of the leader's page."""
    leading = agencies_with_role(user, Role.LEADER)
    return (
        incoming_visible_to(user)
        .filter(status=S.REGISTERED, agency__in=leading)
        .exclude(urgency=Urgency.NORMAL)
        .select_related("document_type")
        .annotate(urgency_rank=_URGENCY_RANK)
        .order_by("urgency_rank", "received_at")
    )


def deadline_badge(document: IncomingDocument, *, today: dt.date | None = None) -> str:
    """ "late", "due_soon" or "" for a document still being handled."""
    if document.deadline is None or document.status not in OPEN:
        return ""
    day = today or timezone.localdate()
    if document.deadline < day:
        return "late"
    if document.deadline <= day + dt.timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return ""


def incoming_for(*, user: Any, pk: int) -> IncomingDocument:
    """One document with everything its page shows, if the user may see it."""
    found = (
        incoming_visible_to(user)
        .filter(pk=pk)
        .select_related(
            "agency",
            "document_type",
            "registered_by",
            "directed_by",
            "lead_department",
            "handler",
            "handler_assigned_by",
        )
        .prefetch_related("coordinating_departments", "files", "comments__author", "replies")
        .first()
    )
    if found is None:
        raise NotFoundOrForbidden(_("Không tìm thấy văn bản đến."))
    return found


def incoming_file_for(*, user: Any, pk: int, file_id: int) -> DocumentFile:
    found = DocumentFile.objects.filter(pk=file_id, incoming__in=incoming_visible_to(user).filter(pk=pk)).first()
    if found is None:
        raise NotFoundOrForbidden(_("Không tìm thấy tệp."))
    return found


def lead_members(document: IncomingDocument) -> QuerySet[DepartmentMember]:
    """Who the lead department's head may give the document to."""
    if document.lead_department_id is None:
        return DepartmentMember.objects.none()
    return (
        DepartmentMember.objects.filter(department_id=document.lead_department_id, user__is_active=True)
        .select_related("user")
        .order_by("-is_head", "user__full_name")
    )
