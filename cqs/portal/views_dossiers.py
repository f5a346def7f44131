"""The citizen's dossiers on the portal: list, detail and timeline."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cqs.dossiers.permissions import dossiers_visible_to


@login_required
@require_safe
def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    dossier = dossiers_visible_to(request.user).filter(code=code).select_related("procedure").first()
    if dossier is None:
        raise Http404
    events = dossier.events.order_by("at", "id")
    return render(request, "portal/dossiers/detail.html", {"dossier": dossier, "events": events})
