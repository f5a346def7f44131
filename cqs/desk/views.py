"""The one-stop desk: the work boxes, one dossier with everything, and its papers."""

from __future__ import annotations

from typing import Any, cast

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from cqs.accounts.permissions import official_required
from cqs.core.calendar import WorkingCalendar
from cqs.core.errors import NotFoundOrForbidden
from cqs.core.uploads import attachment_disposition, kind_content_type
from cqs.desk import forms
from cqs.desk.actions import action_forms
from cqs.dossiers import documents, selectors
from cqs.dossiers import selectors_filing as filing_selectors
from cqs.dossiers.models import Dossier, DossierFile, Status
from cqs.dossiers.permissions import may_see
from cqs.dossiers.services import ACTION_LABELS

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
INLINE_KINDS = {"pdf", "png", "jpeg"}


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
    if box == "all":  # browsing everything: the newest ones; older dossiers are found by searching
        dossiers = dossiers[:BROWSE_LIMIT]
    page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("trang"))
    now = timezone.now()
    cutoff = selectors.due_soon_cutoff(now, calendar=calendar)
    rows = [(dossier, _badge(dossier, now=now, cutoff=cutoff)) for dossier in page.object_list]
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
            "browse_limited": box == "all" and page.paginator.count >= BROWSE_LIMIT,
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
    actions = selectors.available_actions(user=request.user, dossier=dossier)
    return {
        "dossier": dossier,
        "answers": selectors.form_answers(dossier),
        "declaration": filing_selectors.declaration_of(dossier),
        "files": list(dossier.files.all()),
        "events": [(event, ACTION_LABELS.get(event.action, event.action)) for event in dossier.events.all()],
        "steps": list(dossier.steps.all()),
        "supplements": list(dossier.supplement_requests.all()),
        "notices": list(dossier.notices.all()),
        "pauses": list(dossier.pauses.all()),
        "clock": clock,
        "badge": _badge(dossier, now=now, cutoff=selectors.due_soon_cutoff(now, calendar=calendar)),
        "action_forms": action_forms(actions, dossier, bound=bound),
        "may_draft_result": "draft_result" in actions,
        "status_label": Status(dossier.status).label,
        "printed_forms": [
            (reverse("dossier_forms:form", args=[dossier.code, form]), form, title)
            for form, title in documents.forms_for(dossier, citizen=False)
        ],
    }


@official_required()
@require_safe
def dossier(request: HttpRequest, code: str) -> HttpResponse:
    found = _load(request, code)
    return render(request, "desk/dossier.html", dossier_context(request, found))


@official_required()
@require_safe
def dossier_file(request: HttpRequest, code: str, file_id: int) -> HttpResponse:
    """A paper of the dossier: PDFs and images open in the browser, anything else is downloaded."""
    try:
        item: DossierFile = selectors.dossier_file_for(user=request.user, code=code, file_id=file_id)
    except NotFoundOrForbidden as error:
        raise Http404 from error
    if not may_see(request.user, item.dossier):
        raise Http404
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    filename = f"{item.name}.{item.file.name.rsplit('.', 1)[-1]}" if "." in item.file.name else item.name
    response = FileResponse(handle, content_type=kind_content_type(item.kind))
    disposition = attachment_disposition(filename)
    if item.kind in INLINE_KINDS and request.GET.get("tai") != "1":
        disposition = "inline" + disposition[len("attachment") :]
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Length"] = str(item.size)
    # A streamed response; the access decorator's type only knows HttpResponse.
    return cast(HttpResponse, response)
