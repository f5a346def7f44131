"""A leader's "Chờ tôi ký, cho ý kiến": what waits for their decision, from the one-stop desk and the documents."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from cqs.accounts.models import Role
from cqs.accounts.permissions import official_required
from cqs.documents.incoming import selectors as selectors_incoming
from cqs.documents.outgoing import selectors as selectors_outgoing
from cqs.dossiers import selectors

SHOWN = 10


def _group(queryset: Any, *, box_url: str) -> dict[str, Any]:
    rows = list(queryset[: SHOWN + 1])
    return {"rows": rows[:SHOWN], "more": len(rows) > SHOWN, "count": queryset.count(), "url": box_url}


@official_required(Role.LEADER)
@require_safe
def awaiting_me(request: HttpRequest) -> HttpResponse:
    user = request.user
    outgoing = reverse("documents:outgoing_list")
    return render(
        request,
        "desk/awaiting.html",
        {
            "to_approve": _group(
                selectors.worklist(user=user, box="to_approve"), box_url=f"{reverse('desk:worklist')}?hop=to_approve"
            ),
            "to_sign": _group(
                selectors_outgoing.outgoing_list(user=user, box="to_sign"), box_url=f"{outgoing}?hop=to_sign"
            ),
            "to_review": _group(
                selectors_outgoing.outgoing_list(user=user, box="to_review"), box_url=f"{outgoing}?hop=to_review"
            ),
            "to_direct": _group(
                selectors_incoming.incoming_list(user=user, box="to_direct"),
                box_url=f"{reverse('documents:incoming_list')}?hop=to_direct",
            ),
        },
    )
