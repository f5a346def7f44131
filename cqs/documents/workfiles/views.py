"""Pages of work files (hồ sơ công việc): the list, one work file, adding and removing documents, closing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cqs.accounts.models import Role
from cqs.accounts.permissions import official_required
from cqs.core.errors import ApplicationError
from cqs.documents.models import DepartmentMember, IncomingDocument, OutgoingDocument
from cqs.documents.permissions import agencies_with_role
from cqs.documents.search import selectors as selectors_search
from cqs.documents.workfiles import selectors as selectors_workfiles
from cqs.documents.workfiles import services as services_workfiles
from cqs.documents.workfiles.forms import WorkFileDocumentForm, WorkFileForm
from cqs.units.models import Agency

WORKFILE_PAGE_SIZE = 30


def _workfile_agencies(user: Any) -> list[Agency]:
    return list(Agency.objects.filter(pk__in=agencies_with_role(user)).order_by("name"))


@official_required()
@require_http_methods(["GET", "HEAD", "POST"])
def workfiles(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    agencies = _workfile_agencies(user)
    if not agencies:
        raise Http404
    form = WorkFileForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        agency = next(a for a in agencies if a.pk == data["co_quan"])
        try:
            created = services_workfiles.workfile_create(
                agency=agency,
                actor=request.user,
                department=data["department"],
                code=data["code"],
                title=data["title"],
                year=data["year"],
                retention=data["retention"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã lập hồ sơ công việc %(code)s.") % {"code": created.code})
            return redirect("documents:workfile_detail", pk=created.pk)
    query = request.GET.get("q", "").strip()[:100]
    listing = selectors_workfiles.workfile_list(user=request.user, query=query)
    page = Paginator(listing, WORKFILE_PAGE_SIZE).get_page(request.GET.get("trang"))
    may_create = (
        bool(agencies_with_role(request.user, Role.LEADER, Role.CLERK))
        or DepartmentMember.objects.filter(user=user, department__agency__in=agencies).exists()
    )
    return render(
        request,
        "documents/registers/workfiles.html",
        {"documents_tab": "work_files", "form": form, "page": page, "query": query, "may_create": may_create},
        status=400 if request.method == "POST" else 200,
    )


@official_required()
@require_safe
def workfile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    workfile = _workfile_or_404(request, pk)
    entries = selectors_workfiles.workfile_entries(user=request.user, workfile=workfile)
    is_open = services_workfiles.state_of(workfile) == services_workfiles.OPEN
    found: selectors_search.SearchPage | None = None
    query = request.GET.get("q", "").strip()[:200]
    if is_open and query:
        found = selectors_search.document_search(
            user=request.user, filters=selectors_search.SearchFilters(query=query), page=1
        )
        found.hits = [h for h in found.hits if h.document is not None and h.document.agency_id == workfile.agency_id]
    return render(
        request,
        "documents/registers/workfile_detail.html",
        {
            "documents_tab": "work_files",
            "workfile": workfile,
            "entries": entries,
            "is_open": is_open,
            "query": query,
            "found": found,
        },
    )


def _workfile_or_404(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors_workfiles.workfile_for(user=request.user, pk=pk)
    except ApplicationError as exc:
        raise Http404 from exc


@official_required()
@require_POST
def workfile_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    workfile = _workfile_or_404(request, pk)
    if action not in ("them", "bo", "ket-thuc"):
        raise Http404
    detail = reverse("documents:workfile_detail", kwargs={"pk": workfile.pk})
    try:
        if action == "ket-thuc":
            services_workfiles.workfile_close(workfile=workfile, actor=request.user)
            messages.success(request, _("Đã kết thúc hồ sơ công việc."))
            return redirect(detail)
        form = WorkFileDocumentForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Chọn đúng một văn bản."))
            return redirect(detail)
        kind, document_id = form.cleaned_data["kind"], form.cleaned_data["document"]
        incoming = IncomingDocument(pk=document_id) if kind == selectors_search.INCOMING else None
        outgoing = OutgoingDocument(pk=document_id) if kind == selectors_search.OUTGOING else None
        if action == "them":
            services_workfiles.workfile_add(workfile=workfile, actor=request.user, incoming=incoming, outgoing=outgoing)
            messages.success(request, _("Đã thêm văn bản vào hồ sơ."))
        else:
            services_workfiles.workfile_remove(
                workfile=workfile, actor=request.user, incoming=incoming, outgoing=outgoing
            )
            messages.success(request, _("Đã bỏ văn bản ra khỏi hồ sơ."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(detail)
