"""Rate limits shared by every web process and machine: counters in PostgreSQL, fixed windows.

A limit is named by a scope (``"lookup"``, ``"register"``…) and a key inside it (usually the
caller's address from ``client_ip``). ``rate_hit`` counts one request and tells whether it is
within the limit; the count is one ``INSERT … ON CONFLICT DO UPDATE`` so that two processes
never lose each other's hits. Keys are stored as SHA-256 digests: no address is kept in clear.
"""

from __future__ import annotations

import functools
import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.core.errors import ApplicationError
from cqs.core.middleware import client_ip

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])
_CLEANUP_SHARE = 0.01  # one hit in a hundred also deletes windows ended more than a day ago


class RateLimited(ApplicationError):
    """Too many requests from one caller in the window (429, with the seconds to wait)."""

    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            _("Bạn đã gửi quá nhiều yêu cầu. Vui lòng thử lại sau %(seconds)s giây.") % {"seconds": retry_after},
            extra={"retry_after": retry_after},
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class RateVerdict:
    allowed: bool
    count: int
    retry_after: int


def _digest(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}\x1f{key}".encode()).hexdigest()


def _window_start(now: datetime, window_seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, tz=now.tzinfo)


def rate_hit(scope: str, key: str, *, limit: int, window_seconds: int, now: datetime | None = None) -> RateVerdict:
    """Count one request of ``key`` in ``scope``; allowed while the window's count stays ≤ ``limit`` (0: no limit)."""
    if limit <= 0:
        return RateVerdict(allowed=True, count=0, retry_after=0)
    now = now or timezone.now()
    start = _window_start(now, window_seconds)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO core_ratecounter (key, window_start, count) VALUES (%s, %s, 1)
            ON CONFLICT (key, window_start) DO UPDATE SET count = core_ratecounter.count + 1
            RETURNING count
            """,
            [_digest(scope, key), start],
        )
        count = int(cursor.fetchone()[0])
        if random.random() < _CLEANUP_SHARE:  # noqa: S311 (not security: when to tidy up)
            cursor.execute("DELETE FROM core_ratecounter WHERE window_start < %s", [now - timedelta(days=1)])
    retry_after = max(1, math.ceil((start + timedelta(seconds=window_seconds) - now).total_seconds()))
    return RateVerdict(allowed=count <= limit, count=count, retry_after=retry_after)


def rate_check(request: HttpRequest, scope: str, *, limit: int, window_seconds: int = 60) -> None:
    """Count this request against its caller's address; raise ``RateLimited`` past the limit."""
    verdict = rate_hit(scope, client_ip(request) or "unknown", limit=limit, window_seconds=window_seconds)
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)


def too_many_requests(request: HttpRequest, error: RateLimited) -> HttpResponse:
    """The page a person sees when a limit stops them (429, Retry-After)."""
    response = render(request, "429.html", {"message": error.message, "retry_after": error.retry_after}, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def rate_limited(scope: str, *, limit: Callable[[], int], window_seconds: int = 60) -> Callable[[ViewFunc], ViewFunc]:
    """Decorator for pages: each request counts against the caller's address (``limit`` read per request)."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                rate_check(request, scope, limit=limit(), window_seconds=window_seconds)
            except RateLimited as error:
                return too_many_requests(request, error)
            return view(request, *args, **kwargs)

        return cast(ViewFunc, wrapper)

    return decorator
