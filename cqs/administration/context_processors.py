from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from cqs.administration.navigation import held_roles, work_links


def _links(request: HttpRequest) -> list[dict[str, Any]]:
    links = work_links(getattr(request, "user", None))
    matching = [link for link in links if link.current(request.path)]
    current = max(matching, key=lambda link: len(link.prefix)) if matching else None
    return [{"label": link.label, "url": link.url, "current": link is current} for link in links]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The header's links for the reader (computed only when a page draws the header) and their roles."""
    return {
        "nav_links": SimpleLazyObject(lambda: _links(request)),
        "my_roles": SimpleLazyObject(lambda: held_roles(getattr(request, "user", None))),
    }
