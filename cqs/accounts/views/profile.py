"""The account's own page and its API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from cqs.accounts import selectors, services
from cqs.accounts.forms import ApiTokenForm
from cqs.accounts.models import User
from cqs.accounts.permissions import official_needs_otp, second_factor_redirect, session_is_otp_verified
from cqs.core.errors import ApplicationError


@login_required
@require_GET
def profile_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {
        "account": user,
        "roles": selectors.user_role_assignments(user=user) if user.is_official else [],
        "totp_enabled": selectors.totp_confirmed_device(user=user) is not None,
        "otp_verified": session_is_otp_verified(request.user),
    }
    return render(request, "accounts/profile.html", context)


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


@login_required
@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def api_tokens_view(request: HttpRequest) -> HttpResponse:
    if official_needs_otp(request.user):
        return second_factor_redirect(request)
    user: User = request.user  # type: ignore[assignment]
    form = ApiTokenForm(request.POST if request.POST.get("action") == "issue" else None)
    issued: dict[str, Any] | None = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        try:
            token = selectors.api_token_get_for_user(user=user, token_id=int(request.POST.get("token_id", "0")))
            services.api_token_revoke(token=token, actor=user)
        except (ApplicationError, ValueError) as exc:
            messages.error(
                request, exc.message if isinstance(exc, ApplicationError) else _("Không tìm thấy mã truy cập.")
            )
        else:
            messages.success(request, _("Đã thu hồi mã truy cập “%(name)s”.") % {"name": token.name})
        return redirect("accounts:api_tokens")
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data.get("expires_on")
        try:
            token, raw = services.api_token_issue(
                user=user,
                name=form.cleaned_data["name"],
                actor=user,
                expires_at=_end_of_day(expires_on) if expires_on else None,
            )
        except ApplicationError as exc:
            form.add_application_error(exc, {"expires_at": "expires_on"})
        else:
            issued = {"token": token, "raw": raw}
            form = ApiTokenForm()
    context = {
        "form": form,
        "issued": issued,
        "tokens": selectors.api_tokens_for_user(user=user),
        "now": timezone.now(),
        "default_days": settings.CQS_API_TOKEN_DAYS,
        "verified": user.identity_verified,
    }
    return render(request, "accounts/api_tokens.html", context, status=400 if form.errors else 200)
