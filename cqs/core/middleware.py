from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

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


class RejectNulBytesMiddleware:
    """A NUL byte in the address can never be valid data and PostgreSQL refuses it: answer 400 early."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in query or "%00" in query:
            return HttpResponseBadRequest(
                _("Địa chỉ yêu cầu chứa ký tự không hợp lệ.").encode(), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
