"""Password pages: change (signed in), "Quên mật khẩu" (a code by email or SMS), set a new one with a code.

Asking for a code gets the same answer whatever was typed. Officials get their code from their
administrator and set the new password on the same page. Requests and tries are rate limited
per address.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from cqs.accounts import services
from cqs.accounts.forms import PasswordChangeForm, PasswordForgotForm, PasswordResetForm
from cqs.accounts.models import User
from cqs.accounts.permissions import official_needs_otp, second_factor_redirect
from cqs.core.errors import ApplicationError
from cqs.core.ratelimit import RateLimited, rate_check, too_many_requests
from cqs.notifications.sms import sms_available

RESET_IDENTIFIER_KEY = "accounts_reset_identifier"
RESET_TRIES_PER_HOUR = 30


@login_required
@sensitive_post_parameters("current_password", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    if official_needs_otp(request.user):
        return second_factor_redirect(request)
    user: User = request.user  # type: ignore[assignment]
    if not user.has_usable_password():
        return render(request, "accounts/password_change.html", {"no_password": True})
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except RateLimited as error:
            return too_many_requests(request, error)
        except ApplicationError as exc:
            form.add_application_error(exc, {"new_password": "new_password1"})
        else:
            user.refresh_from_db()
            update_session_auth_hash(request, user)  # this session stays; every other one ends
            messages.success(
                request, _("Đã đổi mật khẩu. Các phiên đăng nhập khác và mã truy cập API của tài khoản đã bị huỷ.")
            )
            return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def password_forgot_view(request: HttpRequest) -> HttpResponse:
    sms = sms_available()
    form = PasswordForgotForm(request.POST or None, sms=sms)
    if request.method == "POST" and form.is_valid():
        try:
            rate_check(request, "password-reset", limit=settings.CQS_PASSWORD_RESET_RATE_PER_HOUR, window_seconds=3600)
        except RateLimited as error:
            return too_many_requests(request, error)
        identifier = "".join(form.cleaned_data["identifier"].split())
        services.password_reset_request(identifier=identifier, channel=form.cleaned_data["channel"])
        request.session[RESET_IDENTIFIER_KEY] = identifier
        messages.info(
            request,
            _(
                "Nếu thông tin bạn nhập khớp với một tài khoản có thư điện tử hoặc số điện thoại đã chọn, chúng tôi đã "
                "gửi mã đặt lại mật khẩu (dùng được %(minutes)s phút). Nhập mã dưới đây."
            )
            % {"minutes": settings.CQS_PASSWORD_RESET_MINUTES},
        )
        return redirect("accounts:password_reset")
    return render(
        request, "accounts/password_forgot.html", {"form": form, "sms": sms}, status=400 if form.errors else 200
    )


@sensitive_post_parameters("code", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest) -> HttpResponse:
    initial = {"identifier": request.session.get(RESET_IDENTIFIER_KEY, "")}
    form = PasswordResetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rate_check(request, "password-reset-complete", limit=RESET_TRIES_PER_HOUR, window_seconds=3600)
            services.password_reset_complete(
                identifier=form.cleaned_data["identifier"],
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password1"],
            )
        except RateLimited as error:
            return too_many_requests(request, error)
        except ApplicationError as exc:
            form.add_application_error(exc, {"new_password": "new_password1"})
        else:
            request.session.pop(RESET_IDENTIFIER_KEY, None)
            messages.success(request, _("Đã đặt mật khẩu mới. Vui lòng đăng nhập bằng mật khẩu mới."))
            return redirect("accounts:login")
    return render(request, "accounts/password_reset.html", {"form": form}, status=400 if form.errors else 200)
