"""Password login with throttling: repeated failures lock the account name and the address for a while."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.utils import timezone

from cqs.accounts.models import LoginAttempt
from cqs.core.middleware import client_ip


def login_locked(*, username: str, ip_address: str | None) -> bool:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginAttempt.objects.filter(at__gte=since, succeeded=False)
    if recent.filter(username=username.lower()).count() >= settings.LOGIN_FAILURE_LIMIT:
        return True
    return bool(ip_address) and recent.filter(ip_address=ip_address).count() >= settings.LOGIN_FAILURE_LIMIT * 4


class LoginThrottled(Exception):
    pass


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None or password is None:
            return None
        ip_address = client_ip(request) if request is not None else None
        if login_locked(username=username, ip_address=ip_address):
            raise LoginThrottled
        user = super().authenticate(request, username=username, password=password, **kwargs)
        LoginAttempt.objects.create(username=username.lower(), ip_address=ip_address, succeeded=user is not None)
        return user
