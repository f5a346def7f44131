"""An official's own signature image: what the visible part of their digital signature shows (Decree 30).

The holder of a personal certificate uploads a scan of their handwritten signature (a PNG with a
transparent background) or goes back to the drawn one; the page previews what documents will show.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from cqs.accounts.permissions import official_required
from cqs.core.errors import ApplicationError
from cqs.signing import selectors, services
from cqs.signing.images import appearance_image_generate_signature


class AppearanceForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("Ảnh chữ ký (PNG nền trong suốt, tối đa 512 KB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,.png"}),
    )


@never_cache
@official_required()
@require_http_methods(["GET", "POST"])
def my_signature(request: HttpRequest) -> HttpResponse:
    """The official's personal certificate and the image its signatures show; upload or reset it."""
    certificate = selectors.certificate_of_user(request.user)
    form = AppearanceForm()
    status = 200
    if request.method == "POST" and certificate is not None:
        reset = request.POST.get("action") == "reset"
        form = AppearanceForm(request.POST, request.FILES)
        if reset or form.is_valid():
            try:
                image = None if reset else form.cleaned_data["image"]
                services.certificate_appearance_set(certificate=certificate, image=image, actor=request.user)
            except ApplicationError as error:
                form.add_error(None if reset else "image", error.message)
            else:
                messages.success(
                    request, _("Đã dùng lại ảnh chữ ký vẽ sẵn.") if reset else _("Đã lưu ảnh chữ ký của bạn.")
                )
                return redirect("signing:my_signature")
        status = 400
    context = {
        "certificate": certificate,
        "form": form,
        "own_image": bool(certificate and certificate.appearance_image),
    }
    return render(request, "signing/my_signature.html", context, status=status)


@official_required()
@require_safe
def my_signature_image(request: HttpRequest) -> HttpResponse:
    """The PNG the official's signatures show: the uploaded one, else the drawn one."""
    certificate = selectors.certificate_of_user(request.user)
    stored = bytes(certificate.appearance_image) if certificate is not None else b""
    name = request.user.full_name or request.user.username  # type: ignore[union-attr]
    response = HttpResponse(stored or appearance_image_generate_signature(name), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
