"""Login: the password, then the TOTP code when a second factor is due; VNeID for citizens.

The password step does not log anyone in when a second factor is due: it only remembers, in
the session, who passed it (for a few minutes). Login happens when the TOTP code is accepted,
and the session is then marked verified by django-otp, so a stolen password alone never gives
a session.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cqs.accounts import selectors, services
from cqs.accounts.backends import LoginThrottled
from cqs.accounts.forms import LoginForm, TotpForm
from cqs.accounts.models import User
from cqs.accounts.permissions import official_needs_otp
from cqs.accounts.views._common import (
    PASSWORD_BACKEND,
    finish_second_factor,
    msg_throttled,
    remember_password_step,
    requested_next,
    safe_next,
    second_factor_user,
    wait_text,
)
from cqs.accounts.vneid import (
    LOGIN_METHOD_KEY,
    LOGIN_VNEID,
    VneidError,
    vneid_authorization_url,
    vneid_complete,
    vneid_enabled,
)
from cqs.core.errors import ApplicationError


def _needs_second_factor(user: User) -> bool:
    if user.is_official and settings.CQS_OFFICIAL_TOTP_REQUIRED:
        return True
    return selectors.totp_confirmed_device(user=user) is not None


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = requested_next(request)
    if request.user.is_authenticated and not official_needs_otp(request.user):
        return redirect(safe_next(request, next_url))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        except LoginThrottled as throttled:
            form.add_error(None, msg_throttled(throttled.wait_seconds))
        else:
            if user is None:
                form.add_error(None, _("Tên đăng nhập hoặc mật khẩu không đúng."))
            elif _needs_second_factor(user):
                remember_password_step(request, user, next_url)
                has_device = selectors.totp_confirmed_device(user=user) is not None
                return redirect("accounts:totp_verify" if has_device else "accounts:totp_setup")
            else:
                auth_login(request, user)
                return redirect(safe_next(request, next_url))
    context = {"form": form, "next": next_url, "vneid_enabled": vneid_enabled()}
    return render(request, "accounts/login.html", context, status=400 if form.errors else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect(resolve_url(settings.LOGOUT_REDIRECT_URL))


@sensitive_post_parameters("token")
@never_cache
@require_http_methods(["GET", "POST"])
def totp_verify_view(request: HttpRequest) -> HttpResponse:
    user, pending = second_factor_user(request)
    if user is None:
        if request.user.is_authenticated:
            return redirect(safe_next(request, requested_next(request)))
        messages.warning(request, _("Phiên đăng nhập đã hết hạn. Vui lòng nhập lại mật khẩu."))
        return redirect("accounts:login")
    device = selectors.totp_confirmed_device(user=user)
    if device is None:
        return redirect("accounts:totp_setup")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.totp_verify(user=user, token=form.cleaned_data["token"])
        if check.verdict is services.TotpVerdict.OK:
            return redirect(finish_second_factor(request, user, device, pending))
        if check.verdict is services.TotpVerdict.THROTTLED:
            form.add_error(
                "token",
                _("Bạn đã nhập sai mã nhiều lần. Vui lòng đợi %(wait)s rồi thử lại.")
                % {"wait": wait_text(check.wait_seconds)},
            )
        else:
            form.add_error("token", _("Mã xác thực không đúng hoặc đã hết hạn."))
    return render(
        request,
        "accounts/totp_verify.html",
        {"form": form, "next": requested_next(request)},
        status=400 if form.errors else 200,
    )


@never_cache
@require_GET
def vneid_start_view(request: HttpRequest) -> HttpResponse:
    if not vneid_enabled():
        raise Http404
    return HttpResponseRedirect(vneid_authorization_url(request=request, next_url=request.GET.get("next", "")))


@never_cache
@require_GET
def vneid_callback_view(request: HttpRequest) -> HttpResponse:
    if not vneid_enabled():
        raise Http404
    try:
        identity = vneid_complete(request=request)
        signed_in = services.citizen_vneid_resolve(
            subject=identity.subject,
            claims=identity.claims,
            identifier_claim=str(settings.VNEID_OIDC.get("IDENTIFIER_CLAIM") or "citizen_id"),
        )
    except (VneidError, ApplicationError) as exc:
        messages.error(request, exc.message)
        return redirect("accounts:login")
    auth_login(request, signed_in.user, backend=PASSWORD_BACKEND)
    request.session[LOGIN_METHOD_KEY] = LOGIN_VNEID
    if signed_in.taken_over:
        messages.warning(
            request,
            _(
                "Số định danh của bạn đã bị người khác dùng để đăng ký tài khoản trước đó. Tài khoản đã được chuyển "
                "về bạn: mật khẩu, phiên đăng nhập và mã truy cập cũ không còn dùng được. Hãy xem lại hồ sơ đã nộp."
            ),
        )
    return redirect(safe_next(request, identity.next_url))
