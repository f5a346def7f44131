from typing import Any

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    return {"site_name": settings.CQS_SITE_NAME}


def security(request: HttpRequest) -> dict[str, Any]:
    """``csp_nonce``: the nonce an inline ``<script>`` or ``<style>`` needs (see ``cqs.core.headers``)."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
