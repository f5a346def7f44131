"""Registration of citizens and businesses: the form, then the code sent by email.

Both a free and a taken citizen ID (tax code) end on the same "check your mail" page; see
``cqs.accounts.services.registration``. Registrations and code tries are rate limited per address.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from cqs.accounts import services
from cqs.accounts.forms import AccessibleForm, BusinessRegisterForm, RegisterForm, RegistrationCodeForm
from cqs.accounts.models import User
from cqs.accounts.views._common import PASSWORD_BACKEND
from cqs.core.errors import ApplicationError
from cqs.core.ratelimit import RateLimited, rate_check, too_many_requests

REGISTRATION_KEY = "accounts_registration"
REGISTRATION_MAX_AGE_SECONDS = 3600
CONFIRM_TRIES_PER_HOUR = 30


def _start(request: HttpRequest, form: AccessibleForm, kind: str) -> HttpResponse | None:
    """Starts the registration the form describes; None when the form has to be shown again."""
    data = form.cleaned_data
    try:
        rate_check(request, "register", limit=settings.CQS_REGISTER_RATE_PER_HOUR, window_seconds=3600)
    except RateLimited as error:
        return too_many_requests(request, error)
    identifier = data["tax_code"] if kind == User.Kind.BUSINESS else data["citizen_id"]
    try:
        handle = services.registration_start(
            kind=kind,
            identifier=identifier,
            full_name=data["full_name"],
            email=data["email"],
            phone=data["phone"],
            address=data.get("address", ""),
            date_of_birth=data.get("date_of_birth"),
            password=data["password1"],
        )
    except ApplicationError as exc:
        form.add_application_error(exc, {"password": "password1"})
        return None
    request.session[REGISTRATION_KEY] = {"handle": handle, "email": data["email"].strip(), "at": time.time()}
    return redirect("accounts:register_confirm")


def _register(request: HttpRequest, form: AccessibleForm, kind: str, template: str) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    if request.method == "POST" and form.is_valid():
        response = _start(request, form, kind)
        if response is not None:
            return response
    return render(request, template, {"form": form}, status=400 if form.errors else 200)


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    return _register(request, RegisterForm(request.POST or None), User.Kind.CITIZEN, "accounts/register.html")


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def register_business_view(request: HttpRequest) -> HttpResponse:
    form = BusinessRegisterForm(request.POST or None)
    return _register(request, form, User.Kind.BUSINESS, "accounts/register_business.html")


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def register_confirm_view(request: HttpRequest) -> HttpResponse:
    started = request.session.get(REGISTRATION_KEY)
    if (
        request.user.is_authenticated
        or not isinstance(started, dict)
        or time.time() - float(started.get("at", 0)) > REGISTRATION_MAX_AGE_SECONDS
    ):
        return redirect("accounts:register")
    form = RegistrationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rate_check(request, "register-confirm", limit=CONFIRM_TRIES_PER_HOUR, window_seconds=3600)
            user = services.registration_confirm(handle=str(started.get("handle", "")), code=form.cleaned_data["code"])
        except RateLimited as error:
            return too_many_requests(request, error)
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            request.session.pop(REGISTRATION_KEY, None)
            auth_login(request, user, backend=PASSWORD_BACKEND)
            messages.success(request, _("Đăng ký thành công. Chào mừng %(name)s!") % {"name": user.get_full_name()})
            return redirect("accounts:profile")
    context = {"form": form, "email": started.get("email", ""), "minutes": settings.CQS_REGISTRATION_CODE_MINUTES}
    return render(request, "accounts/register_confirm.html", context, status=400 if form.errors else 200)
