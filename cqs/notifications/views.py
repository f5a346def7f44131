"""The account's inbox of notices: read them, mark them read, open what they link to."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractUser
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from cqs.core.errors import NotFoundOrForbidden
from cqs.notifications import selectors, services

PAGE_SIZE = 20


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    user = cast(AbstractUser, request.user)
    unread_only = request.GET.get("loc") == "chua-doc"
    rows = selectors.notifications_for(user=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(
        request,
        "notifications/inbox.html",
        {"page_obj": page, "unread_only": unread_only, "unread": selectors.unread_count(user=user)},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notice read; with ``mo=1`` go on to the page it links to (a path on this site only)."""
    try:
        notice = services.notification_mark_read(user=cast(AbstractUser, request.user), notification_id=pk)
    except NotFoundOrForbidden as error:
        raise Http404(error.message) from error
    target = notice.url
    if (
        request.POST.get("mo")
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    ):
        return redirect(target)
    return redirect("notifications:inbox")
