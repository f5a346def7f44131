"""Security headers on every answer: a Content-Security-Policy with a per-request nonce, and
``Cache-Control: private, no-store`` on every answer that may carry personal data.

The policy allows scripts and styles from this site only; an inline ``<script>`` or ``<style>``
runs only with the request's nonce (``{{ csp_nonce }}`` in templates, from
``cqs.core.context_processors.security``), and ``style=""`` attributes are refused: a value
computed per page goes into SVG attributes or a nonced ``<style>``. Plugins, ``<base>``,
framing by other sites and form posts to other sites are refused. A view that sets its own
policy (e.g. a sandbox on uploaded files) keeps it.

``private, no-store`` goes on every answer to a signed-in request (session or bearer token),
every API answer and every file (an attachment or a streamed file): a shared cache never stores
them and a browser never writes them to disk. Public pages (the procedure catalogue, the
public verification page) and static files (served before this middleware) stay cacheable.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

CSP_HEADER = "Content-Security-Policy"
NO_STORE = "private, no-store"
_ERROR_PAGE = Path(__file__).resolve().parent.parent / "templates" / "500.html"


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


@lru_cache(maxsize=1)
def error_page_style_hash() -> str:
    """The hash of the self-contained 500 page's inline style (it is rendered without a request, so without a nonce)."""
    found = re.search(r"<style>(.*?)</style>", _ERROR_PAGE.read_text(encoding="utf-8"), re.DOTALL)
    if found is None:
        return ""
    digest = base64.b64encode(hashlib.sha256(found.group(1).encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def content_security_policy(*, nonce: str, secure: bool, server_error: bool = False) -> str:
    styles = f"'self' 'nonce-{nonce}'"
    if server_error and error_page_style_hash():
        styles += f" {error_page_style_hash()}"
    directives = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src {styles}",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    if secure:
        directives.append("upgrade-insecure-requests")
    if settings.CQS_CSP_REPORT_URI:
        directives.append(f"report-uri {settings.CQS_CSP_REPORT_URI}")
    return "; ".join(directives)


def carries_personal_data(request: HttpRequest, response: HttpResponse) -> bool:
    """Answers no cache may keep: to a signed-in caller, from the API, or a file."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    if "Authorization" in request.headers or request.path.startswith("/api/"):
        return True
    return (
        isinstance(response, FileResponse | StreamingHttpResponse)
        or response.has_header("Content-Disposition")
        or not response.get("Content-Type", "text/html").startswith(("text/html", "application/json"))
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = new_nonce()  # type: ignore[attr-defined]
        response = self.get_response(request)
        technical_page = settings.DEBUG and response.status_code in {404, 500}  # Django's debug pages are inline
        if CSP_HEADER not in response and not technical_page:
            response[CSP_HEADER] = content_security_policy(
                nonce=request.csp_nonce,  # type: ignore[attr-defined]
                secure=request.is_secure(),
                server_error=response.status_code >= 500,
            )
        if carries_personal_data(request, response) and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = NO_STORE
        return response
