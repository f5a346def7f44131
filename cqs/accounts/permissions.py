"""Who may open official pages: an official, holding the role (in any agency), past the second factor.

Other apps decorate their views with ``official_required(...)``::

    @official_required(Role.ONE_STOP_OFFICER)
    def desk(request): ...

Anonymous visitors are sent to the login page; a logged-in account that is not an official, or
lacks the role, gets 404 (the same answer as a page that does not exist: deny by default);
an official whose session has not passed the TOTP step (when ``CQS_OFFICIAL_TOTP_REQUIRED``)
is sent to that step (or to enrolment when no device is confirmed yet).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from cqs.accounts.models import Role, RoleAssignment, User
from cqs.accounts.selectors import totp_confirmed_device
from cqs.units.models import AdministrativeUnit

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def session_is_otp_verified(user: Any) -> bool:
    """Whether django-otp's middleware marked this request's user as verified by a device."""
    is_verified = getattr(user, "is_verified", None)
    return bool(callable(is_verified) and is_verified())


def official_needs_otp(user: Any) -> bool:
    """An official who must still pass the TOTP step in this session."""
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "is_official", False)
        and settings.CQS_OFFICIAL_TOTP_REQUIRED
        and not session_is_otp_verified(user)
    )


def user_is_verified_official(user: Any, role: str | None = None) -> bool:
    """An active official (with the role in any agency, if given) past the second factor when required."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_official:
        return False
    if official_needs_otp(user):
        return False
    return role is None or bool(user.has_role(role))


def second_factor_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """To the TOTP code page, or to enrolment when the official has no confirmed device yet."""
    name = "accounts:totp_verify" if totp_confirmed_device(user=request.user) is not None else "accounts:totp_setup"  # type: ignore[arg-type]
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")


def official_required(role: str | None = None) -> Callable[[ViewFunc], ViewFunc]:
    """Decorator for views of officials; see the module's note for the answers it gives."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not getattr(user, "is_official", False) or not user.is_active:
                raise Http404
            if official_needs_otp(user):
                return second_factor_redirect(request)
            if role is not None and not user.has_role(role):
                raise Http404
            return view(request, *args, **kwargs)

        return cast(ViewFunc, wrapper)

    return decorator


def roles_by_agency(user: Any) -> dict[int, set[str]]:
    """The roles an active official holds, per agency id (cached on the user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not getattr(user, "is_official", False):
        return {}
    cached = getattr(user, "_cqs_roles_by_agency", None)
    if cached is None:
        cached = defaultdict(set)
        for agency_id, role in RoleAssignment.objects.filter(user=user).values_list("agency_id", "role"):
            cached[agency_id].add(role)
        cached = dict(cached)
        user._cqs_roles_by_agency = cached
    return cached


def is_administrator(actor: Any) -> bool:
    """The system (None), a superuser, or an active official holding the administrator role."""
    if actor is None:
        return True
    return bool(actor.is_active and (actor.is_superuser or actor.has_role(Role.ADMINISTRATOR)))


def officials_administered_by(actor: Any) -> QuerySet[User]:
    """The officials whose accounts ``actor`` administers (activation codes, password resets).

    An administrator at an agency of a commune administers the officials working at that
    commune's agencies; at an agency of the province, the officials of the whole province (its
    own agencies and its communes'). A superuser and the system (None) administer every official.
    Officials are placed by the agency they work at (``User.agency``).
    """
    officials = User.objects.filter(kind=User.Kind.OFFICIAL)
    if actor is None:
        return officials
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return officials.none()
    if actor.is_superuser:
        return officials
    if not actor.is_official:
        return officials.none()
    units = list(
        RoleAssignment.objects.filter(user=actor, role=Role.ADMINISTRATOR).values_list(
            "agency__unit_id", "agency__unit__level"
        )
    )
    if not units:
        return officials.none()
    here = [unit for unit, _level in units]
    provinces = [unit for unit, level in units if level == AdministrativeUnit.Level.PROVINCE]
    return officials.filter(Q(agency__unit_id__in=here) | Q(agency__unit__parent_id__in=provinces))


def may_administer(actor: Any, official: Any) -> bool:
    """Whether ``actor`` administers this official's account (one definition: the list above)."""
    if official is None or getattr(official, "pk", None) is None:
        return False
    return officials_administered_by(actor).filter(pk=official.pk).exists()
