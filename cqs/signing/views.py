"""The public verification page: anyone checks a signed PDF by uploading it or by the code printed on it.

No login. It shows only what the document itself carries (title, agency, signers, times)
and its registered copy; an uploaded file is verified on its own and compared by SHA-256
with the registered documents.

A restricted (classified) document is never public: to someone not entitled
(``selectors.verifiable_entitled``) its code answers exactly like a code that does not exist;
to an entitled official it answers only "valid" or "not valid"; its copy is never downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from cqs.core.errors import ApplicationError
from cqs.core.uploads import PDF, check_upload, download_response
from cqs.signing import selectors
from cqs.signing.models import VerifiableDocument
from cqs.signing.pdf import SignatureReport, pdf_verify

VERIFY_MAX_BYTES = 20 * 1024 * 1024


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp PDF cần kiểm tra"),
        required=False,
        help_text=gettext_lazy("Tệp PDF đã ký số, tối đa 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    code = forms.CharField(
        label=gettext_lazy("Hoặc nhập mã xác thực in trên văn bản"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "ABCD-EFGH-JKMN", "autocomplete": "off", "spellcheck": "false"}),
    )


@dataclass(frozen=True)
class Outcome:
    """The verification of one file: its signatures and the overall verdict."""

    reports: list[SignatureReport]

    @property
    def valid(self) -> bool:
        return bool(self.reports) and all(report.ok for report in self.reports)


def _outcome(data: bytes) -> Outcome:
    return Outcome(reports=pdf_verify(pdf=data))


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Upload a PDF (verified, and compared with the registered documents) or type a code (redirects)."""
    form = VerifyForm(request.POST, request.FILES) if request.method == "POST" else VerifyForm()
    context: dict[str, object] = {"form": form}
    if request.method != "POST" or not form.is_valid():
        return render(request, "signing/verify.html", context)
    upload, code = form.cleaned_data["file"], form.cleaned_data["code"].strip()
    if upload is None and not code:
        form.add_error(None, _("Hãy chọn tệp PDF cần kiểm tra hoặc nhập mã xác thực."))
        return render(request, "signing/verify.html", context, status=400)
    if upload is None:
        normalised = selectors.verification_code_normalise(code)
        if normalised is None:
            form.add_error(
                "code", _("Mã xác thực gồm 12 chữ cái và chữ số, ví dụ ABCD-EFGH-JKMN. Vui lòng kiểm tra lại.")
            )
            return render(request, "signing/verify.html", context, status=400)
        return HttpResponseRedirect(reverse("signing:verify_code", kwargs={"code": normalised}))
    try:
        checked = check_upload(upload, allowed={PDF}, max_bytes=VERIFY_MAX_BYTES, label=_("văn bản cần kiểm tra"))
        outcome = _outcome(checked.content)
    except ApplicationError as error:
        form.add_error("file", error.message)
        return render(request, "signing/verify.html", context, status=400)
    registered = selectors.verifiable_by_sha256(checked.sha256)
    if registered is not None and not selectors.verifiable_entitled(request.user, registered):
        registered = None
    context.update(outcome=outcome, file_name=checked.original_name, registered=registered)
    response = render(request, "signing/verify.html", context)
    if registered is not None and registered.restricted:
        response["Cache-Control"] = "private, no-store"
    return response


def _not_found(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "signing/not_found.html", {"code": code[:40]}, status=404)


def _entitled(request: HttpRequest, code: str) -> VerifiableDocument | None:
    """The registered document under ``code`` if the caller may learn of it (else as if there were none)."""
    document = selectors.verifiable_by_code(code)
    if document is None or not selectors.verifiable_entitled(request.user, document):
        return None
    return document


@require_safe
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """The registered document under ``code``: what it is, who signed it, and its signatures checked now.

    A restricted document shows only its verdict, to an entitled official.
    """
    document = _entitled(request, code)
    if document is None:
        return _not_found(request, code)
    try:
        with document.file.open("rb") as stored:
            outcome = _outcome(stored.read())
    except (OSError, ApplicationError):
        outcome = None
    if document.restricted:
        context = {"document": document, "outcome": outcome, "checked_at": f"{timezone.localtime():%d/%m/%Y %H:%M}"}
        response = render(request, "signing/verify_restricted.html", context)
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "signing/verify_code.html", {"document": document, "outcome": outcome})


@require_safe
def verify_download(request: HttpRequest, code: str) -> HttpResponseBase:
    """The registered copy of the document, as a download (never a restricted one's)."""
    document = _entitled(request, code)
    if document is None or document.restricted:
        return _not_found(request, code)
    try:
        stored = document.file.open("rb")
    except OSError:
        return _not_found(request, code)
    return download_response(stored, filename=f"{document.code}.pdf", kind=PDF, size=document.file.size)
