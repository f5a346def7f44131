"""Reads of work files (hồ sơ công việc): who sees which, and the documents of one matter in date order.

A work file is seen by the agency's leaders and clerks, the members of its department and the
official who keeps it; the documents listed inside are only those the reader may see anyway.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from cqs.accounts.models import Role
from cqs.core.errors import NotFoundOrForbidden
from cqs.core.text import fold
from cqs.documents.models import DepartmentMember, WorkFile
from cqs.documents.permissions import agencies_with_role, incoming_visible_to, outgoing_visible_to


def workfiles_visible_to(user: Any) -> QuerySet[WorkFile]:
    """Every work file the user may open, nothing else."""
    agencies = agencies_with_role(user)
    if not agencies:
        return WorkFile.objects.none()
    registers = agencies_with_role(user, Role.LEADER, Role.CLERK)
    departments = DepartmentMember.objects.filter(user=user).values("department_id")
    visible = Q(agency__in=registers) | Q(department__in=departments) | Q(keeper=user)
    return WorkFile.objects.filter(Q(agency__in=agencies) & visible)


def workfile_list(
    *, user: Any, year: int | None = None, query: str = "", open_only: bool = False
) -> QuerySet[WorkFile]:
    files = workfiles_visible_to(user)
    if year:
        files = files.filter(year=year)
    if query:
        folded = fold(query)
        files = files.filter(Q(code__icontains=query) | Q(title__unaccent__icontains=folded))
    if open_only:
        files = files.filter(closed_at__isnull=True)
    return (
        files.select_related("department", "keeper", "agency")
        .annotate(  # what the reader may open, not what the file holds
            incoming_count=Count(
                "incoming_documents",
                filter=Q(incoming_documents__in=incoming_visible_to(user).values("pk")),
                distinct=True,
            ),
            outgoing_count=Count(
                "outgoing_documents",
                filter=Q(outgoing_documents__in=outgoing_visible_to(user).values("pk")),
                distinct=True,
            ),
        )
        .order_by("-year", "code")
    )


def workfile_for(*, user: Any, pk: int) -> WorkFile:
    found = workfiles_visible_to(user).select_related("department", "keeper", "agency").filter(pk=pk).first()
    if found is None:
        raise NotFoundOrForbidden(_("Không tìm thấy hồ sơ công việc."))
    return found


@dataclass
class WorkFileEntry:
    kind: str  # "incoming" or "outgoing"
    date: dt.datetime | None
    document: Any


def workfile_entries(*, user: Any, workfile: WorkFile) -> list[WorkFileEntry]:
    """The documents of the matter the user may see, oldest first (incoming by date received, outgoing by issue)."""
    incoming = incoming_visible_to(user).filter(work_file=workfile).select_related("document_type")
    outgoing = outgoing_visible_to(user).filter(work_file=workfile).select_related("document_type")
    found = [WorkFileEntry("incoming", d.received_at, d) for d in incoming]
    found += [WorkFileEntry("outgoing", d.issued_at or d.created_at, d) for d in outgoing]
    found.sort(key=lambda e: (e.date is None, e.date, e.kind, e.document.pk))
    return found
