"""Password login with throttling that nobody can turn against the account's holder.

Failures are counted per (account name, caller's address) and per address, in the
``LoginAttempt`` table (PostgreSQL: every web process and machine sees the same counts):

- the first ``LOGIN_FAILURE_LIMIT`` failures of a pair within ``LOGIN_FAILURE_WINDOW_SECONDS``
  (since that pair's last success) cost nothing; after that each failure makes the pair wait
  ``CQS_LOGIN_DELAY_SECONDS``, doubling each time up to ``CQS_LOGIN_DELAY_MAX_SECONDS``. The
  same account keeps working from every other address, so a stranger's wrong guesses never
  lock its holder out;
- one address may fail ``CQS_LOGIN_ADDRESS_FAILURE_LIMIT`` times within the window, whatever
  the account names, before it waits for the oldest failures to age out.

The caller's address is ``cqs.core.middleware.client_ip`` (the trusted proxy's header when the
peer is a configured proxy). Checking, trying the password and recording the attempt of one pair
run under one PostgreSQL advisory lock, so parallel requests cannot slip past the count.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from cqs.accounts.models import LoginAttempt
from cqs.core.middleware import client_ip


class LoginThrottled(Exception):
    def __init__(self, wait_seconds: int) -> None:
        super().__init__(wait_seconds)
        self.wait_seconds = wait_seconds


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(0, math.ceil((moment - now).total_seconds()))


def _pair_wait(*, username: str, ip_address: str | None, since: datetime, now: datetime) -> int:
    pair = LoginAttempt.objects.filter(username=username, ip_address=ip_address, at__gte=since)
    last_success = pair.filter(succeeded=True).order_by("-at").values_list("at", flat=True).first()
    failures = pair.filter(succeeded=False)
    if last_success is not None:
        failures = failures.filter(at__gt=last_success)
    count = failures.count()
    limit = settings.LOGIN_FAILURE_LIMIT
    if count < limit:
        return 0
    latest = failures.order_by("-at").values_list("at", flat=True).first()
    assert latest is not None
    exponent = min(count - limit, 30)
    delay = min(settings.CQS_LOGIN_DELAY_SECONDS * 2**exponent, settings.CQS_LOGIN_DELAY_MAX_SECONDS)
    return _seconds_until(latest + timedelta(seconds=delay), now)


def _address_wait(*, ip_address: str | None, since: datetime, now: datetime) -> int:
    limit = settings.CQS_LOGIN_ADDRESS_FAILURE_LIMIT
    if not ip_address or limit <= 0:
        return 0
    failures = LoginAttempt.objects.filter(ip_address=ip_address, succeeded=False, at__gte=since)
    count = failures.count()
    if count < limit:
        return 0
    # Wait until enough of the oldest failures leave the window to bring the count under the limit.
    ages_out = failures.order_by("at").values_list("at", flat=True)[count - limit]
    return _seconds_until(ages_out + timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS), now)


def login_wait(*, username: str, ip_address: str | None, now: datetime | None = None) -> int:
    """Seconds this (account, address) must wait before its next password try (0: it may try now)."""
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    name = username.lower()
    return max(
        _pair_wait(username=name, ip_address=ip_address, since=since, now=now),
        _address_wait(ip_address=ip_address, since=since, now=now),
    )


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None or password is None:
            return None
        ip_address = client_ip(request) if request is not None else None
        name = username.lower()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"cqs-login\x1f{name}\x1f{ip_address}"])
            wait = login_wait(username=name, ip_address=ip_address)
            if wait:
                raise LoginThrottled(wait)
            user = super().authenticate(request, username=username, password=password, **kwargs)
            LoginAttempt.objects.create(username=name, ip_address=ip_address, succeeded=user is not None)
        return user
