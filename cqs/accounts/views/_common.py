"""What the account pages share: where to go next, who is at the second-factor step, wait texts."""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts.middleware import mark_second_factor
from cqs.accounts.models import User
from cqs.accounts.permissions import session_is_otp_verified

PENDING_KEY = "accounts_pending_login"
PENDING_MAX_AGE_SECONDS = 600
PASSWORD_BACKEND = "cqs.accounts.backends.ThrottledModelBackend"  # noqa: S105 - a class path, not a secret


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def requested_next(request: HttpRequest) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""


def wait_text(seconds: int) -> str:
    """“45 giây”, “2 phút”: how long to wait, rounded up to whole minutes past one minute."""
    if seconds < 60:
        return ngettext("%(n)s giây", "%(n)s giây", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)s phút", "%(n)s phút", minutes) % {"n": minutes}


def remember_password_step(request: HttpRequest, user: User, next_url: str) -> None:
    """The password was right but a second factor is due: nobody is logged in yet, the session remembers who."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", PASSWORD_BACKEND),
        "at": time.time(),
        "next": next_url,
    }


def second_factor_user(request: HttpRequest) -> tuple[User | None, bool]:
    """Who is at the TOTP step: (user, pending) where pending means not logged in yet."""
    pending = request.session.get(PENDING_KEY)
    if isinstance(pending, dict) and time.time() - float(pending.get("at", 0)) <= PENDING_MAX_AGE_SECONDS:
        user = User.objects.filter(pk=int(pending.get("user_id") or 0), is_active=True).first()
        if user is not None:
            return user, True
    if request.user.is_authenticated and not session_is_otp_verified(request.user):
        return request.user, False
    return None, False


def finish_second_factor(request: HttpRequest, user: User, device: TOTPDevice, pending: bool) -> str:
    """Logs the user in (if only the password was given so far), marks the session verified; where to go next."""
    next_url = ""
    if pending:
        data = request.session.pop(PENDING_KEY, {})
        next_url = str(data.get("next", ""))
        auth_login(request, user, backend=str(data.get("backend") or PASSWORD_BACKEND))
    else:
        request.session.cycle_key()
    otp_login(request, device)
    mark_second_factor(request)
    return safe_next(request, next_url or requested_next(request))


def msg_throttled(seconds: int) -> str:
    return _("Bạn đã nhập sai nhiều lần. Vui lòng thử lại sau %(wait)s.") % {"wait": wait_text(seconds)}
