from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from cqs.core.audit import RequestContext, current_request


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address; behind a proxy set by the proxy in REMOTE_ADDR (see README)."""
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Makes the caller's address known to the audit log for the length of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(RequestContext(ip_address=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
