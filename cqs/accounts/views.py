"""Account pages: login (password, then TOTP for officials), registration, profile, TOTP, API tokens, VNeID.

The password step does not log anyone in when a second factor is due: it only remembers, in
the session, who passed it (for a few minutes). Login happens when the TOTP code is accepted,
and the session is then marked verified by django-otp, so a stolen password alone never gives
a session.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts import selectors, services
from cqs.accounts.backends import LoginThrottled
from cqs.accounts.forms import ApiTokenForm, LoginForm, RegisterForm, TotpForm
from cqs.accounts.models import User
from cqs.accounts.permissions import official_needs_otp, second_factor_redirect, session_is_otp_verified
from cqs.accounts.vneid import (
    LOGIN_METHOD_KEY,
    LOGIN_VNEID,
    VneidError,
    vneid_authorization_url,
    vneid_complete,
    vneid_enabled,
)
from cqs.core.errors import ApplicationError

PENDING_KEY = "accounts_pending_login"
PENDING_MAX_AGE_SECONDS = 600
PASSWORD_BACKEND = "cqs.accounts.backends.ThrottledModelBackend"  # noqa: S105 - a class path, not a secret


def _msg_throttled() -> str:
    return _("Bạn đã đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.")


def _msg_bad_credentials() -> str:
    return _("Tên đăng nhập hoặc mật khẩu không đúng.")


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _requested_next(request: HttpRequest) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""


def _needs_second_factor(user: User) -> bool:
    if user.is_official and settings.CQS_OFFICIAL_TOTP_REQUIRED:
        return True
    return selectors.totp_confirmed_device(user=user) is not None


def _second_factor_user(request: HttpRequest) -> tuple[User | None, bool]:
    """Who is at the TOTP step: (user, pending) where pending means not logged in yet."""
    pending = request.session.get(PENDING_KEY)
    if isinstance(pending, dict) and time.time() - float(pending.get("at", 0)) <= PENDING_MAX_AGE_SECONDS:
        user = User.objects.filter(pk=int(pending.get("user_id") or 0), is_active=True).first()
        if user is not None:
            return user, True
    if request.user.is_authenticated and not session_is_otp_verified(request.user):
        return request.user, False
    return None, False


def _finish_second_factor(request: HttpRequest, user: User, device: TOTPDevice, pending: bool) -> str:
    """Logs the user in (if only the password was given so far) and marks the session verified."""
    next_url = ""
    if pending:
        data = request.session.pop(PENDING_KEY, {})
        next_url = str(data.get("next", ""))
        auth_login(request, user, backend=str(data.get("backend") or PASSWORD_BACKEND))
    else:
        request.session.cycle_key()
    otp_login(request, device)
    return _safe_next(request, next_url or _requested_next(request))


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _requested_next(request)
    if request.user.is_authenticated and not official_needs_otp(request.user):
        return redirect(_safe_next(request, next_url))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        except LoginThrottled:
            form.add_error(None, _msg_throttled())
        else:
            if user is None:
                form.add_error(None, _msg_bad_credentials())
            elif _needs_second_factor(user):
                request.session.cycle_key()
                request.session[PENDING_KEY] = {
                    "user_id": user.pk,
                    "backend": getattr(user, "backend", PASSWORD_BACKEND),
                    "at": time.time(),
                    "next": next_url,
                }
                has_device = selectors.totp_confirmed_device(user=user) is not None
                return redirect("accounts:totp_verify" if has_device else "accounts:totp_setup")
            else:
                auth_login(request, user)
                return redirect(_safe_next(request, next_url))
    context = {
        "form": form,
        "next": next_url,
        "vneid_enabled": vneid_enabled(),
    }
    return render(request, "accounts/login.html", context, status=400 if form.errors else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect(resolve_url(settings.LOGOUT_REDIRECT_URL))


@sensitive_post_parameters("token")
@never_cache
@require_http_methods(["GET", "POST"])
def totp_verify_view(request: HttpRequest) -> HttpResponse:
    user, pending = _second_factor_user(request)
    if user is None:
        if request.user.is_authenticated:
            return redirect(_safe_next(request, _requested_next(request)))
        messages.warning(request, _("Phiên đăng nhập đã hết hạn. Vui lòng nhập lại mật khẩu."))
        return redirect("accounts:login")
    device = selectors.totp_confirmed_device(user=user)
    if device is None:
        return redirect("accounts:totp_setup")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_verify(user=user, token=form.cleaned_data["token"]):
            return redirect(_finish_second_factor(request, user, device, pending))
        device.refresh_from_db()
        allowed, _detail = device.verify_is_allowed()
        form.add_error(
            "token",
            _("Bạn đã nhập sai mã nhiều lần. Vui lòng đợi ít phút rồi thử lại.")
            if not allowed
            else _("Mã xác thực không đúng hoặc đã hết hạn."),
        )
    return render(
        request,
        "accounts/totp_verify.html",
        {"form": form, "next": _requested_next(request)},
        status=400 if form.errors else 200,
    )


def _qr_svg(device: TOTPDevice) -> str:
    svg: str = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, title=_("Mã QR để thêm tài khoản vào ứng dụng xác thực")
    )
    return mark_safe(svg)  # noqa: S308 - generated by segno from our own data, no user markup


def _base32_secret(device: TOTPDevice) -> str:
    import base64

    raw = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@sensitive_post_parameters("token")
@never_cache
@require_http_methods(["GET", "POST"])
def totp_setup_view(request: HttpRequest) -> HttpResponse:
    user, pending = _second_factor_user(request)
    if user is None:
        if not request.user.is_authenticated:
            return redirect(f"{resolve_url(settings.LOGIN_URL)}?next={request.path}")
        user = request.user
    assert user is not None
    confirmed = selectors.totp_confirmed_device(user=user)
    if confirmed is not None:
        if pending or not session_is_otp_verified(request.user):
            return redirect("accounts:totp_verify")
        return render(request, "accounts/totp_setup.html", {"enabled": True})
    device = services.totp_enrol_start(user=user)
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_enrol_confirm(user=user, token=form.cleaned_data["token"])
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            next_url = _finish_second_factor(request, user, device, pending)
            messages.success(request, _("Đã bật xác thực hai lớp cho tài khoản."))
            return redirect(next_url if pending or _requested_next(request) else "accounts:profile")
    context = {
        "enabled": False,
        "forced": pending or official_needs_otp(request.user),
        "form": form,
        "secret": _base32_secret(device),
        "qr_svg": _qr_svg(device),
        "next": _requested_next(request),
    }
    return render(request, "accounts/totp_setup.html", context, status=400 if form.errors else 200)


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.citizen_register(
                citizen_id=data["citizen_id"],
                full_name=data["full_name"],
                password=data["password1"],
                email=data["email"],
                phone=data["phone"],
                date_of_birth=data["date_of_birth"],
            )
        except ApplicationError as exc:
            form.add_application_error(exc, {"password": "password1"})
        else:
            auth_login(request, user, backend=PASSWORD_BACKEND)
            messages.success(request, _("Đăng ký thành công. Chào mừng %(name)s!") % {"name": user.get_full_name()})
            return redirect("accounts:profile")
    return render(request, "accounts/register.html", {"form": form}, status=400 if form.errors else 200)


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
    }
    return render(request, "accounts/api_tokens.html", context, status=400 if form.errors else 200)


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
        user = services.citizen_vneid_resolve(
            subject=identity.subject,
            claims=identity.claims,
            identifier_claim=str(settings.VNEID_OIDC.get("IDENTIFIER_CLAIM") or "citizen_id"),
        )
    except (VneidError, ApplicationError) as exc:
        messages.error(request, exc.message)
        return redirect("accounts:login")
    auth_login(request, user, backend=PASSWORD_BACKEND)
    request.session[LOGIN_METHOD_KEY] = LOGIN_VNEID
    return redirect(_safe_next(request, identity.next_url))
