"""Pages of the registers (sổ văn bản đến / đi), on screen, as PDF and as XLSX."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cqs.accounts.permissions import official_required
from cqs.core.dbrouters import reading_from_replica
from cqs.core.errors import ValidationFailed
from cqs.documents.registers import exports
from cqs.documents.registers import selectors as registers
from cqs.documents.registers.forms import RegisterForm

REGISTER_PAGE_SIZE = 50
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


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
                return _download(exports.register_pdf(query), exports.export_name(query, "pdf"), "pdf")
            if export == "xlsx":
                return _download(exports.register_xlsx(query), exports.export_name(query, "xlsx"), "xlsx")
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
    response = render(request, "documents/registers/register.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _download(data: bytes, name: str, extension: str) -> HttpResponse:
    response = HttpResponse(data, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@official_required()
@require_safe
@reading_from_replica()
def register_incoming(request: HttpRequest) -> HttpResponse:
    return _register(request, registers.INCOMING)


@official_required()
@require_safe
@reading_from_replica()
def register_outgoing(request: HttpRequest) -> HttpResponse:
    return _register(request, registers.OUTGOING)
