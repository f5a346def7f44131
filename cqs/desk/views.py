"""The one-stop desk: the work boxes, one dossier with everything, and its papers."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from cqs.accounts.permissions import official_required
from cqs.core.calendar import WorkingCalendar
from cqs.core.errors import NotFoundOrForbidden
from cqs.core.paging import look_ahead_page, page_number
from cqs.core.uploads import download_response
from cqs.desk import forms
from cqs.desk.actions import action_forms, desk_actions
from cqs.dossiers import documents, selectors
from cqs.dossiers import selectors_filing as filing_selectors
from cqs.dossiers.models import Channel, Dossier, DossierFile, Status
from cqs.dossiers.permissions import may_see_file, sees_personal_data
from cqs.dossiers.transitions import LABELS

BOX_LABELS: dict[str, Any] = {
    "to_receive": _("Chờ tiếp nhận"),
    "to_process": _("Đang xử lý"),
    "to_approve": _("Chờ phê duyệt"),
    "to_return": _("Chờ trả kết quả"),
    "due_soon": _("Sắp đến hạn"),
    "late": _("Quá hạn"),
    "all": _("Tất cả"),
}
PAGE_SIZE = 30
BROWSE_LIMIT = 3000
# What a row of the list shows and what deciding who sees the applicant's name reads (permissions.Scope).
LIST_FIELDS = (
    "code",
    "status",
    "current_role",
    "submitted_at",
    "due_at",
    "applicant",
    "applicant_name",
    "procedure__name",
    "receiving_agency__name",
    "deciding_agency",
    "current_agency__name",
)


def _default_box(counts: dict[str, int]) -> str:
    for box in ("to_receive", "to_process", "to_approve", "to_return"):
        if counts.get(box):
            return box
    return "all"


@official_required()
@require_safe
def worklist(request: HttpRequest) -> HttpResponse:
    agencies = selectors.agencies_of(user=request.user)
    form = forms.SearchForm(request.GET or None, agencies=agencies)
    query, agency_id = "", None
    if form.is_valid():
        query, agency_id = form.cleaned_data["q"] or "", form.cleaned_data["co_quan"]
    calendar = WorkingCalendar()
    counts = selectors.box_counts(user=request.user, agency_id=agency_id, calendar=calendar)
    box = request.GET.get("hop") or _default_box(counts)
    if box not in selectors.BOXES:
        raise Http404
    dossiers = selectors.worklist(user=request.user, box=box, query=query, agency_id=agency_id, calendar=calendar)
    dossiers = dossiers.only(*LIST_FIELDS)
    browsing = box == "all" and not query
    # A work box's figure is on its tab already; the rest is paged without counting it.
    total = None if query else counts.get(box)
    number = page_number(request.GET.get("trang"), last=-(-(BROWSE_LIMIT if total is None else total) // PAGE_SIZE))
    # Browsing everything: the newest ones; older dossiers are found by searching.
    limit = BROWSE_LIMIT if box == "all" else None
    page = look_ahead_page(dossiers, number=number, per_page=PAGE_SIZE, total=total, limit=limit)
    now = timezone.now()
    cutoff = selectors.due_soon_cutoff(now, calendar=calendar)
    rows = [
        (dossier, _badge(dossier, now=now, cutoff=cutoff), sees_personal_data(request.user, dossier))
        for dossier in page.object_list
    ]
    tabs = [(name, BOX_LABELS[name], counts.get(name)) for name in selectors.BOXES]
    return render(
        request,
        "desk/worklist.html",
        {
            "form": form,
            "box": box,
            "box_label": BOX_LABELS[box],
            "tabs": tabs,
            "page": page,
            "rows": rows,
            "query": query,
            "agency_id": agency_id or "",
            "many_agencies": len(agencies) > 1,
            "browsing": browsing,
            "browse_limit": BROWSE_LIMIT,
        },
    )


def _badge(dossier: Dossier, *, now: Any, cutoff: Any) -> str:
    """ "late", "due_soon" or "" for a dossier whose clock is running."""
    if dossier.due_at is None or dossier.status not in selectors.RUNNING_STATUSES:
        return ""
    if dossier.due_at < now:
        return "late"
    if dossier.due_at <= cutoff:
        return "due_soon"
    return ""


def _load(request: HttpRequest, code: str) -> Dossier:
    try:
        return selectors.dossier_for(user=request.user, code=code)
    except NotFoundOrForbidden as error:
        raise Http404 from error


def dossier_context(request: HttpRequest, dossier: Dossier, *, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the desk page shows; ``bound`` replaces one action's form by the submitted one."""
    now = timezone.now()
    calendar = WorkingCalendar()
    clock: dict[str, Any] = {"running": dossier.status in selectors.RUNNING_STATUSES}
    if dossier.due_at is not None:
        if dossier.paused_since is not None:
            clock["paused"] = True
        elif dossier.status in selectors.RUNNING_STATUSES:
            if dossier.due_at >= now:
                clock["hours_left"] = round(calendar.working_hours_between(now, dossier.due_at), 1)
            else:
                clock["hours_late"] = round(calendar.working_hours_between(dossier.due_at, now), 1)
    actions = desk_actions(request.user, dossier)
    personal = sees_personal_data(request.user, dossier)
    return {
        "dossier": dossier,
        "personal": personal,
        "answers": selectors.form_answers(dossier) if personal else [],
        "declaration": filing_selectors.declaration_of(dossier) if personal else None,
        "files": [item for item in dossier.files.all() if may_see_file(request.user, item)],
        "events": [(event, LABELS.get(event.action, event.action)) for event in dossier.events.all()],
        "steps": list(dossier.steps.all()),
        "supplements": list(dossier.supplement_requests.all()),
        "notices": list(dossier.notices.all()),
        "pauses": list(dossier.pauses.all()),
        "clock": clock,
        "badge": _badge(dossier, now=now, cutoff=selectors.due_soon_cutoff(now, calendar=calendar)),
        "action_forms": action_forms(actions, dossier, bound=bound),
        "may_draft_result": "draft_result" in actions,
        "status_label": Status(dossier.status).label,
        "receipt_unsigned": personal
        and dossier.received_at is not None
        and dossier.channel == Channel.ONLINE
        and not dossier.receipt
        and documents.receipt_certificate(dossier) is None,
        "printed_forms": [
            (reverse("dossier_forms:form", args=[dossier.code, form]), form, title)
            for form, title in documents.forms_for(dossier, citizen=False)
        ]
        if personal
        else [],
    }


@official_required()
@require_safe
def dossier(request: HttpRequest, code: str) -> HttpResponse:
    found = _load(request, code)
    return render(request, "desk/dossier.html", dossier_context(request, found))


@official_required()
@require_safe
def dossier_file(request: HttpRequest, code: str, file_id: int) -> HttpResponse:
    """A paper of the dossier, as a sandboxed download (an uploaded file never opens as a page of the site)."""
    try:
        item: DossierFile = selectors.dossier_file_for(user=request.user, code=code, file_id=file_id)
    except NotFoundOrForbidden as error:
        raise Http404 from error
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    filename = f"{item.name}.{item.file.name.rsplit('.', 1)[-1]}" if "." in item.file.name else item.name
    return download_response(handle, filename=filename, kind=item.kind, size=item.size)
