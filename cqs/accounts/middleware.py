"""Officials' sessions: they end after ``CQS_OFFICIAL_IDLE_MINUTES`` without a request, and ask the TOTP
code again ``CQS_OFFICIAL_SESSION_HOURS`` after it was given (an unattended desk in a commune office).

The last request's time is kept in the session (set at login, then written at most once a minute);
the time of the TOTP step is written by the login views (``mark_second_factor``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY

from cqs.accounts.permissions import session_is_otp_verified

LAST_SEEN_KEY = "accounts_last_seen"
SECOND_FACTOR_AT_KEY = "accounts_second_factor_at"
_TOUCH_EVERY_SECONDS = 60


def mark_second_factor(request: HttpRequest) -> None:
    """Called when the session has just passed the TOTP step."""
    now = time.time()
    request.session[SECOND_FACTOR_AT_KEY] = now
    request.session[LAST_SEEN_KEY] = now


def start_idle_clock(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """At every login (password, VNeID, a test's ``force_login``): the idle clock starts with the session."""
    if request is not None and hasattr(request, "session") and getattr(user, "is_official", False):
        request.session[LAST_SEEN_KEY] = time.time()


class OfficialSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "is_official", False):
            self._apply(request)
        return self.get_response(request)

    def _apply(self, request: HttpRequest) -> None:
        session = request.session
        now = time.time()
        last_seen = session.get(LAST_SEEN_KEY)
        if isinstance(last_seen, int | float) and now - last_seen > settings.CQS_OFFICIAL_IDLE_MINUTES * 60:
            logout(request)
            messages.info(
                request,
                _("Phiên làm việc đã kết thúc vì không hoạt động quá %(minutes)s phút. Vui lòng đăng nhập lại.")
                % {"minutes": settings.CQS_OFFICIAL_IDLE_MINUTES},
            )
            return
        if not isinstance(last_seen, int | float) or now - last_seen > _TOUCH_EVERY_SECONDS:
            session[LAST_SEEN_KEY] = now
        if session_is_otp_verified(request.user):
            verified_at = session.get(SECOND_FACTOR_AT_KEY)
            if (
                not isinstance(verified_at, int | float)
                or now - verified_at > settings.CQS_OFFICIAL_SESSION_HOURS * 3600
            ):
                session.pop(DEVICE_ID_SESSION_KEY, None)
                session.pop(SECOND_FACTOR_AT_KEY, None)
                request.user.otp_device = None  # type: ignore[union-attr]
