"""Printing forms 01–07 as PDF, under the dossiers' one visibility policy (``permissions``).

Every form of a dossier carries the applicant's personal data, so forms 01–06 are printed for
those who may see it (the applicant: their forms 01–05; the officials handling the dossier: all)
and the register of an agency (form 07) for the roles that see every dossier received there with
their personal data. Anything else (another's dossier, another agency, a role without personal
data such as the clerk or the administrator, an internal form for a citizen, a form the dossier
does not have) is answered with 404; anonymous readers are sent to log in.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cqs.accounts.permissions import official_needs_otp, official_required, second_factor_redirect
from cqs.core.dbrouters import reading_from_replica
from cqs.core.errors import ApplicationError, NotFoundOrForbidden
from cqs.dossiers import documents, services
from cqs.dossiers.forms import RegisterPeriodForm
from cqs.dossiers.models import Channel
from cqs.dossiers.permissions import may_print_register, sees_personal_data
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
    if dossier is None or not sees_personal_data(user, dossier):
        raise Http404
    if not getattr(user, "is_official", False) and form not in documents.CITIZEN_FORMS:
        raise Http404
    try:
        if form == "01" and dossier.channel == Channel.ONLINE:
            content = services.dossier_receipt_electronic(dossier=dossier, actor=user)
        else:
            content = documents.form_pdf(dossier=dossier, form=form)
    except NotFoundOrForbidden as error:
        raise Http404 from error
    except ApplicationError as error:  # the time-stamping authority did not answer: nothing was kept
        return HttpResponse(error.message, status=503, content_type="text/plain; charset=utf-8")
    return _pdf_response(content, f"mau-{form}-{_safe_name(dossier.code)}.pdf")


@official_required()
@require_safe
@reading_from_replica()
def register(request: HttpRequest, agency_code: str) -> HttpResponse:
    try:
        agency = agency_resolve(code=agency_code)
    except NotFoundOrForbidden as error:
        raise Http404 from error
    if not may_print_register(request.user, agency.pk):
        raise Http404
    period = RegisterPeriodForm(request.GET)
    if not period.is_valid():
        return HttpResponseBadRequest(
            _("Ngày không hợp lệ: %(errors)s") % {"errors": period.error_text()},
            content_type="text/plain; charset=utf-8",
        )
    start, end = period.cleaned_data["tu"], period.cleaned_data["den"]
    try:
        content = documents.register_pdf(agency=agency, start=start, end=end)
    except ApplicationError as error:
        return HttpResponseBadRequest(error.message, content_type="text/plain; charset=utf-8")
    name = f"so-theo-doi-{_safe_name(agency.electronic_code)}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    return _pdf_response(content, name)
