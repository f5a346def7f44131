"""Counter reception: a paper dossier is entered, its papers scanned, and it is received at once."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cqs.accounts.models import Role, User
from cqs.accounts.permissions import official_required, roles_by_agency
from cqs.catalog import selectors as catalog_selectors
from cqs.catalog.eforms import eform_class
from cqs.catalog.models import Procedure, ProcedureVersion
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.desk import forms
from cqs.dossiers import selectors_filing as filing_selectors
from cqs.dossiers import services
from cqs.dossiers.models import DossierFile
from cqs.units.models import Agency

EFORM_PREFIX = "tk"
RESULTS_SHOWN = 20


def _receiving_for(user: User) -> list[Agency]:
    mine = {agency for agency, roles in roles_by_agency(user).items() if Role.ONE_STOP_OFFICER in roles}
    return [agency for agency in services.receiving_agencies() if agency.pk in mine]


def _file_field(document_id: int) -> str:
    return f"giay_to_{document_id}"


@official_required(Role.ONE_STOP_OFFICER)
def counter(request: HttpRequest) -> HttpResponse:
    receiving = _receiving_for(request.user)  # type: ignore[arg-type]
    if not receiving:
        raise Http404
    code = (request.GET.get("thu_tuc") or "").strip()
    if not code:
        pick = forms.ProcedurePickForm(request.GET or None)
        results: list[Procedure] = []
        if pick.is_valid() and pick.cleaned_data["q"]:
            results = list(catalog_selectors.procedure_search(query=pick.cleaned_data["q"])[:RESULTS_SHOWN])
        return render(
            request, "desk/counter_pick.html", {"pick": pick, "results": results, "searched": bool(pick.data)}
        )
    try:
        procedure = catalog_selectors.procedure_get_published(code=code)
    except NotFoundOrForbidden as error:
        raise Http404 from error
    version = procedure.current_version
    if version is None:
        raise Http404
    deciding = services.implementing_agencies(version)
    documents = list(version.documents.all())
    data = request.POST if request.method == "POST" else None
    form = forms.CounterForm(data, receiving=receiving, deciding=deciding)
    eform = eform_class(version)(data, prefix=EFORM_PREFIX)
    problems: list[str] = []
    if request.method == "POST":
        posted = (request.POST.get("ma_nop") or "")[:100]
        filed = filing_selectors.dossier_by_submission_key(owner=request.user, key=posted)
        if filed is not None:
            return _already_received(request, filed)
        if form.is_valid() and eform.is_valid():
            try:
                dossier = services.dossier_receive_at_counter(
                    officer=request.user,  # type: ignore[arg-type]
                    filing=_filing(version, form.cleaned_data, request, eform, documents),
                )
            except services.AlreadyFiled as replay:
                return _already_received(request, replay.dossier)
            except ValidationFailed as error:
                problems = _problems(error, eform)
            except NotFoundOrForbidden as error:
                raise Http404 from error
            else:
                messages.success(
                    request,
                    _("Đã tiếp nhận hồ sơ %(code)s. In giấy tiếp nhận và hẹn trả kết quả (mẫu 01) cho người nộp.")
                    % {"code": dossier.code},
                )
                return redirect("desk:dossier", code=dossier.code)
        else:
            problems = [_("Hồ sơ chưa hợp lệ, vui lòng sửa các mục được đánh dấu."), *form.non_field_errors()]
    elif request.method != "GET":
        return HttpResponse(status=405)
    return render(
        request,
        "desk/counter.html",
        {
            "procedure": procedure,
            "version": version,
            "form": form,
            "eform": eform,
            "documents": [(d, _file_field(d.pk)) for d in documents],
            "problems": problems,
        },
        status=400 if problems else 200,
    )


def _already_received(request: HttpRequest, dossier: Any) -> HttpResponse:
    """The same counter form sent twice: the dossier the first one received, never a second."""
    messages.info(
        request,
        _("Hồ sơ này đã được tiếp nhận, mã hồ sơ %(code)s; không tiếp nhận lần thứ hai.") % {"code": dossier.code},
    )
    return redirect("desk:dossier", code=dossier.code)


def _filing(
    version: ProcedureVersion,
    data: dict[str, Any],
    request: HttpRequest,
    eform: django_forms.Form,
    documents: list[Any],
) -> services.Filing:
    attachments = [
        services.Attachment(
            required_document_id=document.pk,
            upload=request.FILES[_file_field(document.pk)],
            source=DossierFile.Source.SCAN,
        )
        for document in documents
        if _file_field(document.pk) in request.FILES
    ]
    form_data = {name: eform[name].value() for name in eform.fields}
    return services.Filing(
        version=version,
        receiving_agency=data["receiving_agency"],
        deciding_agency=data["deciding_agency"],
        form_data=form_data,
        attachments=attachments,
        applicant_name=data["applicant_name"],
        applicant_id_number=data["applicant_id_number"],
        applicant_address=data["applicant_address"],
        applicant_phone=data["applicant_phone"],
        applicant_email=data["applicant_email"],
        filing_mode=data["filing_mode"],
        principal_name=data["principal_name"],
        principal_id_number=data["principal_id_number"],
        authorisation_note=data["authorisation_note"],
        assisted_by=data["assisted_by"],
        delivery=data["delivery"],
        sets_count=data["sets_count"],
        idempotency_key=data["ma_nop"],
    )


def _problems(error: ValidationFailed, eform: django_forms.Form) -> list[str]:
    """The service's message and its per-item details, as lines; e-form details go on their fields."""
    lines = [error.message]
    for key, value in (error.extra.get("errors") or {}).items():
        if key == "form" and isinstance(value, dict):
            for name, texts in value.items():
                for text in texts:
                    eform.add_error(name if name in eform.fields else None, text)
        elif isinstance(value, str):
            lines.append(value)
    return lines
