"""The one-stop officer checks a citizen's (or business's) original papers and settles the account's identity.

Found by the exact citizen ID or tax code on the card. When the account's details match the card
the officer marks it verified; when they do not, the account goes to the person who showed the
card (the earlier holder loses every way in) and the officer hands them a one-time code to set
their password. Both are audited and the owner is told.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cqs.accounts import selectors, services
from cqs.accounts.forms import CounterLookupForm, CounterReclaimForm, CounterVerifyForm
from cqs.accounts.models import Role, User
from cqs.accounts.permissions import official_required
from cqs.core.errors import ApplicationError, NotFoundOrForbidden


def _page(number: str) -> str:
    return f"{reverse('accounts:identity_counter')}?{urlencode({'so': number})}"


@never_cache
@official_required(Role.ONE_STOP_OFFICER)
@require_http_methods(["GET", "POST"])
def identity_counter_view(request: HttpRequest) -> HttpResponse:
    officer: User = request.user  # type: ignore[assignment]
    lookup = CounterLookupForm(request.GET if "so" in request.GET else None, auto_id="lookup_%s")
    if lookup.is_bound:
        lookup.fields["so"].widget.attrs["autofocus"] = True
    number = lookup.cleaned_data["so"] if lookup.is_valid() else ""
    account = selectors.account_for_counter(number=number) if number else None
    action = request.POST.get("action", "")
    verify_form = CounterVerifyForm(request.POST if action == "verify" else None, auto_id="verify_%s")
    reclaim_form = CounterReclaimForm(request.POST if action == "reclaim" else None, auto_id="reclaim_%s")
    reset_code = ""
    if request.method == "POST":
        if account is None:
            raise Http404
        try:
            if action == "verify" and verify_form.is_valid():
                services.identity_verify_at_counter(
                    user=account, actor=officer, document=verify_form.cleaned_data["document"]
                )
                messages.success(
                    request, _("Đã xác minh danh tính tài khoản %(username)s.") % {"username": account.username}
                )
                return redirect(_page(number))
            if action == "reclaim" and reclaim_form.is_valid():
                data = reclaim_form.cleaned_data
                reclaimed = services.identity_reclaim_at_counter(
                    user=account,
                    actor=officer,
                    document=data["document"],
                    full_name=data["full_name"],
                    email=data["email"],
                    phone=data["phone"],
                    date_of_birth=data["date_of_birth"],
                )
                account, reset_code = reclaimed.user, reclaimed.reset_code
        except NotFoundOrForbidden as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            (verify_form if action == "verify" else reclaim_form).add_application_error(exc)
    context = {
        "lookup": lookup,
        "number": number,
        "account": account,
        "verify_form": verify_form,
        "reclaim_form": reclaim_form,
        "reset_code": reset_code,
    }
    errors = verify_form.errors or reclaim_form.errors
    return render(request, "accounts/identity_counter.html", context, status=400 if errors else 200)
