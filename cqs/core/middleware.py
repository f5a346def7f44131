from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from cqs.core.audit import RequestContext, current_request

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[IpNetwork, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [::1]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 1.2.3.4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: tuple[IpNetwork, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address.

    Without a configured proxy it is the peer's address (REMOTE_ADDR). When the peer is one of
    ``CQS_TRUSTED_PROXIES`` (the province's load balancers), the configured header
    (``CQS_CLIENT_IP_HEADER``, X-Forwarded-For by default) is read from the right: the first
    address that is not itself a trusted proxy is the caller. A header sent by anyone else is
    ignored, so a visitor cannot choose the address that rate limits and throttles count.
    """
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    networks = _networks(tuple(settings.CQS_TRUSTED_PROXIES))
    if not networks or not _trusted(remote, networks):
        return str(remote)
    header = "HTTP_" + settings.CQS_CLIENT_IP_HEADER.upper().replace("-", "_")
    hops = [hop for hop in (request.META.get(header) or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a malformed hop: everything left of it is the caller's own say
        if not _trusted(address, networks):
            return str(address)
    return str(remote)


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
            message = _("Địa chỉ yêu cầu chứa ký tự không hợp lệ.")
            if request.path.startswith("/api/"):  # the API's standard error shape
                return JsonResponse(
                    {"code": "input_refused", "message": message}, status=400, json_dumps_params={"ensure_ascii": False}
                )
            return HttpResponseBadRequest(message.encode(), content_type="text/plain; charset=utf-8")
        return self.get_response(request)
