"""Pages of the registers (sổ văn bản đến / đi, with PDF and XLSX), full-text search and work files."""

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
from cqs.core.errors import ApplicationError, ValidationFailed
from cqs.documents import registers, selectors_search, selectors_workfiles, services_workfiles
from cqs.documents.forms_registers import RegisterForm, SearchForm, WorkFileDocumentForm, WorkFileForm
from cqs.documents.models import DepartmentMember, IncomingDocument, OutgoingDocument
from cqs.documents.permissions import agencies_with_role
from cqs.units.models import Agency

REGISTER_PAGE_SIZE = 50
WORKFILE_PAGE_SIZE = 30
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# ---------------------------------------------------------------- registers


def _register(request: HttpRequest, kind: str) -> HttpResponse:
    agencies = registers.register_agencies(request.user)
    if not agencies:
        raise Http404
    export = request.GET.get("format", "")
    if export not in ("", "html", *CONTENT_TYPES):
        raise Http404
    form = RegisterForm(request.GET, agencies=agencies)
    query: registers.RegisterQuery | None = None
    error = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            query = registers.register_query(
                user=request.user,
                kind=kind,
                agency_id=data["co_quan"],
                year=data["nam"],
                register=data["so"],
                start=data["tu_ngay"],
                end=data["den_ngay"],
            )
            if export == "pdf":
                return _download(registers.register_pdf(query), registers.export_name(query, "pdf"), "pdf")
            if export == "xlsx":
                return _download(registers.register_xlsx(query), registers.export_name(query, "xlsx"), "xlsx")
        except ValidationFailed as exc:
            error = exc.message
    context: dict[str, Any] = {
        "documents_tab": "registers",
        "kind": kind,
        "incoming": kind == registers.INCOMING,
        "form": form,
        "error": error,
        "query": query if not error else None,
        "columns": registers.columns(kind),
    }
    if query is not None and not error:
        page = Paginator(registers.entries(query), REGISTER_PAGE_SIZE).get_page(request.GET.get("trang"))
        context.update(page=page, rows=registers.rows(query, page.object_list), period=registers.period_label(query))
        params = request.GET.copy()
        params.pop("trang", None)
        params.pop("format", None)
        context["params"] = params.urlencode()
    status = 400 if (form.errors or error) else 200
    return render(request, "documents/registers/register.html", context, status=status)


def _download(data: bytes, name: str, extension: str) -> HttpResponse:
    response = HttpResponse(data, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@official_required()
@require_safe
def register_incoming(request: HttpRequest) -> HttpResponse:
    return _register(request, registers.INCOMING)


@official_required()
@require_safe
def register_outgoing(request: HttpRequest) -> HttpResponse:
    return _register(request, registers.OUTGOING)


# ---------------------------------------------------------------- search


@official_required()
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    if not agencies_with_role(request.user):
        raise Http404
    form = SearchForm(request.GET or None)
    result: selectors_search.SearchPage | None = None
    params = ""
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        filters = selectors_search.SearchFilters(
            query=data["q"],
            kind=data["loai"] or "",
            year=data["nam"],
            document_type=data["loai_van_ban"].pk if data["loai_van_ban"] else None,
            urgency=data["do_khan"] or "",
        )
        try:
            page = int(request.GET.get("trang", "1"))
        except ValueError:
            page = 1
        result = selectors_search.document_search(user=request.user, filters=filters, page=page)
        copy = request.GET.copy()
        copy.pop("trang", None)
        params = copy.urlencode()
    return render(
        request,
        "documents/registers/search.html",
        {
            "documents_tab": "search",
            "form": form,
            "result": result,
            "params": params,
            "page_size": selectors_search.PAGE_SIZE,
        },
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------- work files


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
