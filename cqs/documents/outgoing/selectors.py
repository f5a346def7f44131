"""Reads of outgoing documents (văn bản đi): the work boxes, one document, its files, its review rounds.

Everything starts from ``permissions.outgoing_visible_to``: what a user may not see does not
exist for them. What a user may do with a document is ``outgoing.transitions``'s to say.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cqs.accounts.models import Role
from cqs.core.calendar import WorkingCalendar
from cqs.core.errors import NotFoundOrForbidden
from cqs.core.text import fold
from cqs.documents.models import (
    DocumentComment,
    DocumentFile,
    ExchangePartner,
    OutgoingDocument,
    OutgoingStatus,
    ReviewStep,
)
from cqs.documents.outgoing.transitions import OPEN
from cqs.documents.permissions import agencies_with_role, outgoing_visible_to
from cqs.units.models import Agency

S = OutgoingStatus

BOXES = ("drafting", "to_review", "to_sign", "to_issue", "issued", "all")
BOX_LABELS: dict[str, Any] = {
    "drafting": _("Đang soạn"),
    "to_review": _("Chờ tôi cho ý kiến"),
    "to_sign": _("Chờ tôi ký"),
    "to_issue": _("Chờ phát hành"),
    "issued": _("Đã phát hành"),
    "all": _("Tất cả"),
}


# ---------------------------------------------------------------- lists


def _with_related(queryset: QuerySet[OutgoingDocument]) -> QuerySet[OutgoingDocument]:
    return queryset.select_related("agency", "document_type", "drafting_department", "drafter", "signer")


def _awaiting_review_by(user: Any) -> QuerySet[ReviewStep]:
    latest_round = ReviewStep.objects.filter(outgoing=OuterRef("outgoing")).order_by("-round").values("round")[:1]
    earlier_pending = ReviewStep.objects.filter(
        outgoing=OuterRef("outgoing"),
        round=OuterRef("round"),
        decision=ReviewStep.Decision.PENDING,
        order__lt=OuterRef("order"),
    )
    return (
        ReviewStep.objects.filter(reviewer_id=user.pk, decision=ReviewStep.Decision.PENDING)
        .annotate(latest=Subquery(latest_round))
        .filter(round=F("latest"))
        .exclude(Exists(earlier_pending))
    )


def box_queryset(*, user: Any, box: str) -> QuerySet[OutgoingDocument]:
    visible = outgoing_visible_to(user)
    if box == "drafting":
        return visible.filter(drafter_id=user.pk, status__in=OPEN)
    if box == "to_review":
        return visible.filter(status=S.IN_REVIEW, pk__in=_awaiting_review_by(user).values("outgoing_id"))
    if box == "to_sign":
        return visible.filter(signer_id=user.pk, status=S.AWAITING_SIGNATURE)
    if box == "to_issue":
        return visible.filter(status=S.SIGNED, agency_id__in=agencies_with_role(user, Role.CLERK))
    if box == "issued":
        return visible.filter(status=S.ISSUED)
    if box == "all":
        return visible
    raise NotFoundOrForbidden(gettext("Không có hộp văn bản này."))


def boxes_for(user: Any) -> list[str]:
    """The boxes worth showing: "waiting for my signature" to leaders, "waiting to be issued" to clerks."""
    hidden = set()
    if not agencies_with_role(user, Role.LEADER):
        hidden.add("to_sign")
    if not agencies_with_role(user, Role.CLERK):
        hidden.add("to_issue")
    return [box for box in BOXES if box not in hidden]


def box_counts(*, user: Any) -> dict[str, int]:
    return {box: box_queryset(user=user, box=box).count() for box in boxes_for(user) if box != "all"}


def outgoing_list(*, user: Any, box: str = "all", query: str = "") -> QuerySet[OutgoingDocument]:
    """The documents of one box, newest first; ``query`` matches the folded metadata (with or without diacritics)."""
    documents = box_queryset(user=user, box=box)
    for word in fold(query).split():
        documents = documents.filter(search_text__contains=word)
    order = ("-issued_at", "-pk") if box == "issued" else ("-updated_at", "-pk")
    return _with_related(documents).order_by(*order)


# ---------------------------------------------------------------- one document


def outgoing_for(*, user: Any, pk: int) -> OutgoingDocument:
    found = _with_related(outgoing_visible_to(user)).select_related("reply_to", "keeping_department").filter(pk=pk)
    document = found.first()
    if document is None:
        raise NotFoundOrForbidden(gettext("Không tìm thấy văn bản."))
    return document


def outgoing_file_for(*, user: Any, pk: int, file_id: int) -> DocumentFile:
    document = outgoing_for(user=user, pk=pk)
    item = DocumentFile.objects.filter(outgoing=document, pk=file_id).first()
    if item is None:
        raise NotFoundOrForbidden(gettext("Không tìm thấy tệp."))
    return item


def files_of(outgoing: OutgoingDocument, *kinds: str) -> list[DocumentFile]:
    files = DocumentFile.objects.filter(outgoing=outgoing).select_related("uploaded_by")
    if kinds:
        files = files.filter(kind__in=kinds)
    return list(files.order_by("kind", "-version", "pk"))


def latest_file(outgoing: OutgoingDocument, kind: str) -> DocumentFile | None:
    return DocumentFile.objects.filter(outgoing=outgoing, kind=kind).order_by("-version", "-pk").first()


def issued_file(outgoing: OutgoingDocument) -> DocumentFile | None:
    """The issued copy (the leader's and the organisation's signatures): the newest signed file, once issued."""
    if outgoing.status != S.ISSUED:
        return None
    return latest_file(outgoing, DocumentFile.Kind.SIGNED)


def comments_of(outgoing: OutgoingDocument) -> list[DocumentComment]:
    return list(DocumentComment.objects.filter(outgoing=outgoing).select_related("author"))


def review_rounds(outgoing: OutgoingDocument) -> list[tuple[int, list[ReviewStep]]]:
    """Every round of review, newest first, each with its steps in order."""
    rounds: dict[int, list[ReviewStep]] = {}
    for step in outgoing.review_steps.select_related("reviewer").order_by("-round", "order"):
        rounds.setdefault(step.round, []).append(step)
    return list(rounds.items())


def issued_late(outgoing: OutgoingDocument, *, calendar: WorkingCalendar | None = None) -> bool:
    """Issued after the next working day following the signature (Decree 30: the same day, or the next working day)."""
    if outgoing.signed_at is None or outgoing.issued_at is None:
        return False
    signed_on = timezone.localdate(outgoing.signed_at)
    issued_on = timezone.localdate(outgoing.issued_at)
    if issued_on <= signed_on:
        return False
    return issued_on > (calendar or WorkingCalendar()).next_working_day(signed_on)


# ---------------------------------------------------------------- choices for the form


def reviewer_choices(agency: Agency, *, exclude: Any = None) -> QuerySet[Any]:
    from cqs.accounts.models import User

    users = User.objects.filter(is_active=True, kind="official", roles__agency=agency).distinct()
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.order_by("full_name")


def internal_recipient_search(*, query: str, exclude_agency: Agency | None = None, limit: int = 30) -> list[Agency]:
    """Agencies on this platform whose name matches the folded query."""
    agencies = Agency.objects.filter(is_active=True)
    if exclude_agency is not None:
        agencies = agencies.exclude(pk=exclude_agency.pk)
    for word in query.split():
        folded = fold(word)
        agencies = agencies.filter(
            Q(search_name__contains=folded) | Q(name__icontains=word) | Q(electronic_code__icontains=word)
        )
    return list(agencies.order_by("name")[:limit])


def exchange_partners() -> QuerySet[ExchangePartner]:
    return ExchangePartner.objects.filter(is_active=True).order_by("name")
