"""Printing forms 01–07 as PDF: for the officials who may see the dossier, and for its citizen (01–05).

Anything the reader may not have (another's dossier, another agency, an internal form for a
citizen, a form the dossier does not have) is answered with 404; anonymous readers are sent
to log in.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cqs.accounts.permissions import official_needs_otp, official_required, roles_by_agency, second_factor_redirect
from cqs.core.errors import ApplicationError, NotFoundOrForbidden
from cqs.core.forms import parse_dmy
from cqs.dossiers import documents
from cqs.dossiers.permissions import may_see
from cqs.dossiers.selectors_forms import dossier_for_forms
from cqs.units.selectors import agency_resolve


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in ".-_" else "-" for c in text)


@require_safe
def dossier_form(request: HttpRequest, code: str, form: str) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if official_needs_otp(user):
        return second_factor_redirect(request)
    if form not in documents.FORMS:
        raise Http404
    dossier = dossier_for_forms(code=code)
    if dossier is None or not may_see(user, dossier):
        raise Http404
    if not getattr(user, "is_official", False) and form not in documents.CITIZEN_FORMS:
        raise Http404
    try:
        content = documents.form_pdf(dossier=dossier, form=form)
    except NotFoundOrForbidden as error:
        raise Http404 from error
    return _pdf_response(content, f"mau-{form}-{_safe_name(dossier.code)}.pdf")


def _parse_date(value: str | None, default: dt.date) -> dt.date | None:
    if value is None or not value.strip():
        return default
    return parse_dmy(value)


@official_required()
@require_safe
def register(request: HttpRequest, agency_code: str) -> HttpResponse:
    try:
        agency = agency_resolve(code=agency_code)
    except NotFoundOrForbidden as error:
        raise Http404 from error
    if agency.pk not in roles_by_agency(request.user):
        raise Http404
    today = timezone.localdate()
    start = _parse_date(request.GET.get("tu"), today.replace(day=1))
    end = _parse_date(request.GET.get("den"), today)
    if start is None or end is None:
        return HttpResponseBadRequest(
            _("Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 01/11/2026."),
            content_type="text/plain; charset=utf-8",
        )
    try:
        content = documents.register_pdf(agency=agency, start=start, end=end)
    except ApplicationError as error:
        return HttpResponseBadRequest(error.message, content_type="text/plain; charset=utf-8")
    name = f"so-theo-doi-{_safe_name(agency.electronic_code)}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    return _pdf_response(content, name)
