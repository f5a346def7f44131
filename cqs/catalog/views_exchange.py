"""Import and export of the catalog (JSON and XLSX, docs/catalog-format.md) from the manager's pages."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cqs.catalog import exchange
from cqs.catalog.exchange import ImportResult
from cqs.catalog.forms import XLSX_TYPE, ImportForm
from cqs.catalog.views import catalog_manager_required, error_details
from cqs.core.errors import ApplicationError

ZIP_MAGIC = b"PK\x03\x04"


def _import_upload(*, upload: Any, actor: Any, publish: bool) -> ImportResult:
    """Hand the file to the right import by its content (an XLSX workbook is a zip), never by its name."""
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if head == ZIP_MAGIC:
        return exchange.catalog_import_xlsx(file=upload, actor=actor, publish=publish)
    return exchange.catalog_import_json(payload=upload.read(), actor=actor, publish=publish)


def _summary(result: ImportResult) -> str:
    text = _("Đã nhập danh mục: %(procedures)d thủ tục mới, %(versions)d phiên bản mới, %(fields)d lĩnh vực mới.") % {
        "procedures": result.procedures_created,
        "versions": result.versions_created,
        "fields": result.fields_created,
    }
    if result.versions_published or result.versions_waiting:
        text += " " + _("Đã công bố %(published)d phiên bản (%(waiting)d phiên bản chờ đến ngày hiệu lực).") % {
            "published": result.versions_published,
            "waiting": result.versions_waiting,
        }
    return text


@catalog_manager_required
@require_http_methods(["GET", "POST"])
def catalog_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    import_error = ""
    import_errors: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = _import_upload(
                upload=form.cleaned_data["file"], actor=request.user, publish=form.cleaned_data["publish"]
            )
        except ApplicationError as error:
            import_error, import_errors = error.message, error_details(error)
        else:
            messages.success(request, _summary(result))
            return redirect("catalog:manage")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "catalog/manage/import.html",
        {"form": form, "import_error": import_error, "import_errors": import_errors},
        status=status,
    )


def _codes(request: HttpRequest) -> list[str] | None:
    codes = [code.strip() for code in request.GET.getlist("code") if code.strip()]
    return codes or None


def _filename(extension: str) -> str:
    return f"danh-muc-thu-tuc-{timezone.localdate():%Y%m%d}.{extension}"


@catalog_manager_required
@require_GET
def export_json(request: HttpRequest) -> HttpResponse:
    payload = exchange.catalog_export_json(codes=_codes(request))
    body = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("json")}"'
    return response


@catalog_manager_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    body = exchange.catalog_export_xlsx(codes=_codes(request))
    response = HttpResponse(body, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
    return response
