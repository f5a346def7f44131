"""The administrator's page of officials' accounts: TOTP activation codes and password-reset codes.

An administrator sees the officials they administer (``officials_administered_by``: their
commune's, or the whole province's for an administrator at a provincial agency), whether each
has a TOTP device, and what became of the codes handed to them. A new code is shown once, on
the page that issued it, for the administrator to hand over in person or read out on the phone.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cqs.accounts import selectors as account_selectors
from cqs.accounts import services as account_services
from cqs.accounts.models import AccountCode, Role, User
from cqs.accounts.permissions import official_required
from cqs.core.errors import ApplicationError, NotFoundOrForbidden

PAGE_SIZE = 50
_ACTIONS = {
    "activation": (
        account_services.totp_activation_issue,
        _("Mã kích hoạt xác thực hai lớp"),
    ),
    "reset": (
        account_services.official_password_reset_issue,
        _("Mã đặt lại mật khẩu"),
    ),
}


def _latest(user: User, purpose: str) -> AccountCode | None:
    return next((code for code in getattr(user, "handed_codes", []) if code.purpose == purpose), None)


@never_cache
@official_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def official_accounts(request: HttpRequest) -> HttpResponse:
    admin: User = request.user  # type: ignore[assignment]
    query = request.GET.get("q", "")
    officials = account_selectors.officials_for_administrator(actor=admin, query=query)
    issued: dict[str, object] | None = None
    error = ""
    if request.method == "POST":
        action = _ACTIONS.get(request.POST.get("action", ""))
        user_id = request.POST.get("user_id", "")
        official = officials.filter(pk=int(user_id)).first() if action and user_id.isdigit() else None
        if action is None or official is None:
            raise Http404
        issue, label = action
        try:
            code = issue(user=official, actor=admin)
        except NotFoundOrForbidden as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            error = exc.message
        else:
            issued = {"label": label, "official": official, "raw": code.raw, "expires_at": code.code.expires_at}
    page = Paginator(officials, PAGE_SIZE).get_page(request.GET.get("trang"))
    now = timezone.now()
    rows = [
        {
            "user": user,
            "activation": _latest(user, AccountCode.Purpose.TOTP_ACTIVATION),
            "reset": _latest(user, AccountCode.Purpose.PASSWORD_RESET),
        }
        for user in page
    ]
    context = {"page_obj": page, "rows": rows, "query": query, "issued": issued, "error": error, "now": now}
    return render(request, "administration/official_accounts.html", context, status=400 if error else 200)
