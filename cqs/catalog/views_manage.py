"""The catalog manager's pages: procedures, versions, their lists and their life cycle."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cqs.catalog import eforms, selectors, services, validation
from cqs.catalog.forms import (
    DocumentFormSet,
    FeeFormSet,
    FormFieldFormSet,
    ProcedureCreateForm,
    ProcessStepFormSet,
    PublishForm,
    TemplateUploadForm,
    UnpublishForm,
    VersionEditForm,
    document_initial,
    fee_initial,
    form_field_initial,
    formset_rows,
    step_initial,
)
from cqs.catalog.models import ProcedureVersion, RequiredDocument
from cqs.catalog.views import (
    add_form_errors,
    catalog_manager_required,
    error_details,
    version_or_404,
)
from cqs.core.errors import ApplicationError, NotFoundOrForbidden
from cqs.core.uploads import allowed_text, download_response, size_text

Status = ProcedureVersion.Status
EDITABLE = {Status.DRAFT, Status.CHECKED}
PAGE_SIZE = 50


@catalog_manager_required
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    """Every version, newest first, filtered by status and by a search insensitive to diacritics."""
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    query = request.GET.get("q", "").strip()[:200]
    versions = selectors.versions_for_manager(status=status or None, query=query)
    counted = {
        row["status"]: row["n"]
        for row in selectors.versions_for_manager(query=query).order_by().values("status").annotate(n=Count("pk"))
    }
    counts = [(value, label, counted.get(value, 0)) for value, label in Status.choices]
    page = Paginator(versions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/manage/list.html",
        {
            "page": page,
            "status": status,
            "query": query,
            "counts": counts,
            "total": sum(counted.values()),
            "statuses": Status.choices,
        },
    )


@catalog_manager_required
@require_http_methods(["GET", "POST"])
def procedure_create(request: HttpRequest) -> HttpResponse:
    form = ProcedureCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _procedure, version = services.procedure_create(
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                field=form.cleaned_data["field"],
                level=form.cleaned_data["level"],
                online_level=form.cleaned_data["online_level"],
                actor=request.user,
            )
        except ApplicationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("Đã tạo thủ tục và dự thảo phiên bản đầu tiên."))
            return redirect("catalog:version_detail", pk=version.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "catalog/manage/procedure_create.html", {"form": form}, status=status)


def _checklist(version: ProcedureVersion, missing: list[str]) -> list[tuple[str, bool]]:
    """Every component the publication rules ask of this version, each with whether it is there."""
    every = validation.missing_components(
        name="",
        steps="",
        method="",
        has_documents=False,
        processing_time=None,
        applicants="",
        has_agencies=False,
        has_process_steps=False,
        online_level=version.online_level,
        form_fields=[],
        has_fees=False,
    )
    absent = set(missing)
    return [(name, name not in absent) for name in every] + [(name, False) for name in missing if name not in every]


def _detail_context(version: ProcedureVersion, template_errors: dict[int, str] | None = None) -> dict[str, Any]:
    documents = list(version.documents.all())
    template_errors = template_errors or {}
    fees = list(version.fees.all())
    form_fields = list(version.form_fields.all())
    steps = list(version.process_steps.all())
    eform: Any = None
    eform_error = ""
    if form_fields:
        try:
            eform = eforms.eform_class(version)(prefix="preview")
        except ApplicationError as error:
            eform_error = error.message
    missing = selectors.version_completeness(version=version)
    total_hours = sum((step.duration_hours for step in steps), Decimal(0))
    other_versions = [v for v in selectors.procedure_versions(procedure=version.procedure) if v.pk != version.pk]
    open_version = next((v for v in other_versions if v.status in EDITABLE), None)
    return {
        "version": version,
        "procedure": version.procedure,
        "agencies": list(version.agencies.all()),
        "documents": documents,
        "document_rows": [(document, template_errors.get(document.pk, "")) for document in documents],
        "template_limit": size_text(settings.CQS_TEMPLATE_MAX_BYTES),
        "template_accept": allowed_text(services.TEMPLATE_KINDS),
        "fees": fees,
        "form_fields": form_fields,
        "steps": steps,
        "total_hours": total_hours,
        "eform": eform,
        "eform_error": eform_error,
        "missing": missing,
        "checklist": _checklist(version, missing),
        "other_versions": other_versions,
        "can_edit": version.status in EDITABLE,
        "can_check": version.status == Status.DRAFT,
        "can_publish": version.status == Status.CHECKED,
        "can_discard": version.status in EDITABLE and bool(other_versions),
        "can_new_draft": version.status in {Status.PUBLISHED, Status.SUPERSEDED} and open_version is None,
        "open_version": open_version,
        "can_unpublish": version.status == Status.PUBLISHED and version.procedure.is_published,
        "publish_form": PublishForm(auto_id="publish_%s"),
        "unpublish_form": UnpublishForm(auto_id="unpublish_%s"),
    }


def _render_detail(
    request: HttpRequest,
    version: ProcedureVersion,
    *,
    status: int = 200,
    template_errors: dict[int, str] | None = None,
    **forms: Any,
) -> HttpResponse:
    context = _detail_context(version, template_errors)
    context.update(forms)
    return render(request, "catalog/manage/version_detail.html", context, status=status)


@catalog_manager_required
@require_GET
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, version_or_404(pk))


@catalog_manager_required
@require_POST
def version_check(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    try:
        services.version_check(version=version, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Phiên bản đã đủ thành phần và được đánh dấu “Đã kiểm tra”."))
    return redirect("catalog:version_detail", pk=version.pk)


@catalog_manager_required
@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    form = PublishForm(request.POST, auto_id="publish_%s")
    if form.is_valid():
        try:
            services.version_publish(
                version=version,
                actor=request.user,
                decision_number=form.cleaned_data["decision_number"],
                decision_date=form.cleaned_data["decision_date"],
                effective_from=form.cleaned_data["effective_from"],
            )
        except ApplicationError as error:
            add_form_errors(form, error, fields={"number": "decision_number", "date": "decision_date"})
        else:
            messages.success(request, _("Đã công bố phiên bản."))
            return redirect("catalog:version_detail", pk=version.pk)
    return _render_detail(request, version_or_404(pk), status=400, publish_form=form, open_publish=True)


@catalog_manager_required
@require_POST
def version_new_draft(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    try:
        draft = services.version_create_draft(procedure=version.procedure, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("catalog:version_detail", pk=version.pk)
    messages.success(request, _("Đã tạo dự thảo phiên bản mới từ phiên bản đang áp dụng."))
    return redirect("catalog:version_detail", pk=draft.pk)


@catalog_manager_required
@require_POST
def version_discard(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    try:
        services.version_discard(version=version, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("catalog:version_detail", pk=version.pk)
    messages.success(request, _("Đã huỷ dự thảo phiên bản %(n)d.") % {"n": version.number})
    latest = selectors.procedure_versions(procedure=version.procedure).first()
    if latest is None:
        return redirect("catalog:manage")
    return redirect("catalog:version_detail", pk=latest.pk)


@catalog_manager_required
@require_POST
def procedure_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    form = UnpublishForm(request.POST, auto_id="unpublish_%s")
    if form.is_valid():
        try:
            services.procedure_unpublish(
                procedure=version.procedure, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("Đã ngừng công bố thủ tục."))
            return redirect("catalog:version_detail", pk=version.pk)
    return _render_detail(request, version_or_404(pk), status=400, unpublish_form=form, open_unpublish=True)


@catalog_manager_required
@require_http_methods(["GET", "POST"])
def version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    if version.status not in EDITABLE:
        messages.error(request, _("Chỉ sửa được phiên bản dự thảo hoặc đã kiểm tra; hãy tạo dự thảo mới."))
        return redirect("catalog:version_detail", pk=version.pk)
    form = VersionEditForm(request.POST or None, instance=version)
    if request.method == "POST" and form.is_valid():
        try:
            services.version_update(version=version, actor=request.user, data=form.service_data())
        except ApplicationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("Đã lưu thông tin phiên bản."))
            return redirect("catalog:version_detail", pk=version.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "catalog/manage/version_edit.html", {"version": version, "form": form}, status=status)


@dataclass(frozen=True)
class ListKind:
    """One of the four lists of a version and how it is edited."""

    slug: str
    url_name: str
    title: Any
    intro: Any
    formset: Any
    related: str
    initial: Any
    service: str
    row_label: Any


LISTS = {
    "documents": ListKind(
        slug="documents",
        url_name="catalog:version_documents",
        title=gettext_lazy("Thành phần hồ sơ"),
        intro=gettext_lazy("Các giấy tờ người nộp phải có, theo thứ tự hiển thị."),
        formset=DocumentFormSet,
        related="documents",
        initial=document_initial,
        service="version_set_documents",
        row_label=gettext_lazy("Giấy tờ"),
    ),
    "fees": ListKind(
        slug="fees",
        url_name="catalog:version_fees",
        title=gettext_lazy("Phí, lệ phí"),
        intro=gettext_lazy("Mức thu tính bằng đồng; miễn phí thì ghi 0 và nêu lý do ở ghi chú."),
        formset=FeeFormSet,
        related="fees",
        initial=fee_initial,
        service="version_set_fees",
        row_label=gettext_lazy("Khoản thu"),
    ),
    "form_fields": ListKind(
        slug="form_fields",
        url_name="catalog:version_form_fields",
        title=gettext_lazy("Tờ khai điện tử"),
        intro=gettext_lazy("Các trường người nộp điền khi nộp trực tuyến."),
        formset=FormFieldFormSet,
        related="form_fields",
        initial=form_field_initial,
        service="version_set_form_fields",
        row_label=gettext_lazy("Trường"),
    ),
    "process_steps": ListKind(
        slug="process_steps",
        url_name="catalog:version_steps",
        title=gettext_lazy("Quy trình nội bộ"),
        intro=gettext_lazy("Các bước xử lý, vai trò thực hiện và thời gian tính bằng giờ làm việc (1 ngày = 8 giờ)."),
        formset=ProcessStepFormSet,
        related="process_steps",
        initial=step_initial,
        service="version_set_process_steps",
        row_label=gettext_lazy("Bước"),
    ),
}


def _edit_list(request: HttpRequest, pk: int, kind: ListKind) -> HttpResponse:
    version = version_or_404(pk)
    if version.status not in EDITABLE:
        messages.error(request, _("Chỉ sửa được phiên bản dự thảo hoặc đã kiểm tra; hãy tạo dự thảo mới."))
        return redirect("catalog:version_detail", pk=version.pk)
    prefix = kind.slug
    status = 200
    non_form_errors: list[str] = []
    if request.method == "POST":
        data = request.POST.copy()
        if "add_row" in data:
            # Without JavaScript: the same rows again, plus one empty row; nothing is saved.
            total_key = f"{prefix}-TOTAL_FORMS"
            try:
                data[total_key] = str(int(data.get(total_key, "0")) + 1)
            except ValueError:
                data[total_key] = "1"
            formset = kind.formset(data, prefix=prefix)
            formset.full_clean()
            return _render_list(request, version, kind, formset, [], status=200)
        formset = kind.formset(data, prefix=prefix)
        if formset.is_valid():
            rows = formset_rows(formset)
            try:
                getattr(services, kind.service)(
                    version=version, actor=request.user, items=[item for item, _form in rows]
                )
            except ApplicationError as error:
                non_form_errors = _place_row_errors(error, rows)
            else:
                messages.success(request, _("Đã lưu %(list)s.") % {"list": str(kind.title).lower()})
                return redirect("catalog:version_detail", pk=version.pk)
        status = 400
    else:
        initial = [kind.initial(item) for item in getattr(version, kind.related).all()]
        formset = kind.formset(initial=initial, prefix=prefix)
    return _render_list(request, version, kind, formset, non_form_errors, status=status)


ROW_NUMBER = re.compile(r"(\d+)")
FIELD_ALIASES = {"is_optional": "optional"}


def _place_row_errors(error: ApplicationError, rows: list[tuple[dict[str, Any], Any]]) -> list[str]:
    """Put the service's per-row problems next to their rows ("Dòng 2" is the second kept row).

    Returns the messages for the top of the list: the refusal itself and what belongs to no row.
    """
    general: list[str] = [error.message]
    for item in error_details(error):
        place = str(item.get("where") or item.get("place") or "")
        message = item["message"]
        match = ROW_NUMBER.search(place)
        index = int(match.group(1)) - 1 if match else -1
        if 0 <= index < len(rows):
            form = rows[index][1]
            if message.startswith(place):
                message = message[len(place) :].lstrip(" :")
            key = FIELD_ALIASES.get(str(item.get("field") or ""), str(item.get("field") or ""))
            form.add_error(key if key in form.fields else None, message)
        elif message not in general:
            general.append(f"{place}: {message}" if place else message)
    return general


def _render_list(
    request: HttpRequest, version: ProcedureVersion, kind: ListKind, formset: Any, errors: list[str], *, status: int
) -> HttpResponse:
    return render(
        request,
        "catalog/manage/version_list_edit.html",
        {"version": version, "kind": kind, "formset": formset, "list_errors": errors},
        status=status,
    )


@catalog_manager_required
@require_http_methods(["GET", "POST"])
def version_documents(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit_list(request, pk, LISTS["documents"])


@catalog_manager_required
@require_http_methods(["GET", "POST"])
def version_fees(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit_list(request, pk, LISTS["fees"])


@catalog_manager_required
@require_http_methods(["GET", "POST"])
def version_form_fields(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit_list(request, pk, LISTS["form_fields"])


@catalog_manager_required
@require_http_methods(["GET", "POST"])
def version_steps(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit_list(request, pk, LISTS["process_steps"])


# ---------------------------------------------------------------- document templates


def _document_or_404(version: ProcedureVersion, document_id: int) -> RequiredDocument:
    try:
        return selectors.document_get_for_manager(version=version, document_id=document_id)
    except NotFoundOrForbidden as error:
        raise Http404 from error


def _documents_anchor(version: ProcedureVersion, document: RequiredDocument) -> str:
    return reverse("catalog:version_detail", args=[version.pk]) + f"#giay-to-{document.pk}"


@catalog_manager_required
@require_POST
def document_template_upload(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    version = version_or_404(pk)
    document = _document_or_404(version, document_id)
    form = TemplateUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.document_template_attach(
                document=document, file=form.cleaned_data["file"], actor=request.user
            )
        except ApplicationError as error:
            problem = error.message
        else:
            messages.success(
                request,
                _("Đã tải lên tệp mẫu “%(file)s” cho giấy tờ “%(name)s”.")
                % {"file": document.template_filename, "name": document.name},
            )
            return redirect(_documents_anchor(version, document))
    else:
        problem = " ".join(str(message) for message in form.errors.get("file", [])) or _("Cần chọn tệp mẫu.")
    return _render_detail(request, version_or_404(pk), status=400, template_errors={document.pk: problem})


@catalog_manager_required
@require_POST
def document_template_remove(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    version = version_or_404(pk)
    document = _document_or_404(version, document_id)
    try:
        services.document_template_remove(document=document, actor=request.user)
    except ApplicationError as error:
        return _render_detail(request, version_or_404(pk), status=400, template_errors={document.pk: error.message})
    messages.success(request, _("Đã xoá tệp mẫu của giấy tờ “%(name)s”.") % {"name": document.name})
    return redirect(_documents_anchor(version, document))


@catalog_manager_required
@require_GET
def document_template_download(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    """The template of a document of any version, for the managers who check it before publishing."""
    document = _document_or_404(version_or_404(pk), document_id)
    if not document.template_file:
        raise Http404
    try:
        handle = document.template_file.storage.open(document.template_file.name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return download_response(
        handle, filename=document.template_filename, kind=document.template_kind, size=document.template_size
    )
