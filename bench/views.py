from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def trivial(request: HttpRequest) -> HttpResponse:
    """The floor: the whole middleware stack, no database, no template."""
    return HttpResponse("ok", content_type="text/plain")
