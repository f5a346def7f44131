"""Who may see a dossier and who may act on it (deny by default; "forbidden" looks like "not found").

A citizen sees the dossiers they filed (or that were filed for them under their account).
An official sees the dossiers that were received at, are decided by, or are now held by an
agency where they hold a role, and may act only as the action's role at the right agency.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from cqs.accounts.models import Role
from cqs.accounts.permissions import roles_by_agency
from cqs.dossiers.models import Dossier

# Which role, at which of the dossier's agencies, may take each desk action.
# "current" = the agency holding the dossier now, for the role of the current step.
ACTION_ROLES: dict[str, tuple[str, str]] = {
    "accept": (Role.ONE_STOP_OFFICER, "receiving"),
    "refuse": (Role.ONE_STOP_OFFICER, "receiving"),
    "confirm_withdrawal": (Role.ONE_STOP_OFFICER, "receiving"),
    "return_result": (Role.ONE_STOP_OFFICER, "receiving"),
    "record_payment": (Role.ONE_STOP_OFFICER, "receiving"),
    "apologise": (Role.LEADER, "deciding"),
    "stop": (Role.LEADER, "deciding"),
    "approve": (Role.LEADER, "current"),
    "send_back": (Role.LEADER, "current"),
    "forward": ("*current_role", "current"),
    "finish": ("*current_role", "current"),
    "transfer": ("*current_role", "current"),
    "transfer_return": (Role.SPECIALIST, "current"),
    "request_payment": ("*current_role", "current"),
}
# The roles that handle dossiers; a clerk, catalog manager or administrator of the agency does not
# see citizens' dossiers (personal data: deny by default).
DOSSIER_ROLES = frozenset({Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER})
CITIZEN_ACTIONS = {"answer_supplement", "withdraw", "rate", "choose_delivery", "download_result"}


def dossiers_visible_to(user: Any) -> QuerySet[Dossier]:
    """Every dossier the user may see, nothing else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Dossier.objects.none()
    if not getattr(user, "is_official", False):
        return Dossier.objects.filter(applicant=user)
    agencies = _dossier_agencies(user)
    if not agencies:
        return Dossier.objects.none()
    return Dossier.objects.filter(
        Q(receiving_agency_id__in=agencies) | Q(deciding_agency_id__in=agencies) | Q(current_agency_id__in=agencies)
    )


def _dossier_agencies(user: Any) -> list[int]:
    """The agencies where the user holds a role that handles dossiers."""
    return [agency_id for agency_id, roles in roles_by_agency(user).items() if roles & DOSSIER_ROLES]


def _agency_of(dossier: Dossier, which: str) -> int:
    return {
        "receiving": dossier.receiving_agency_id,
        "deciding": dossier.deciding_agency_id,
        "current": dossier.current_agency_id,
    }[which]


def may_act(user: Any, action: str, dossier: Dossier) -> bool:
    """Whether the user may take ``action`` on ``dossier`` (its state is checked by the service)."""
    if action in CITIZEN_ACTIONS:
        return bool(
            getattr(user, "is_authenticated", False)
            and user.is_active
            and dossier.applicant_id is not None
            and dossier.applicant_id == user.pk
        )
    if action not in ACTION_ROLES:
        return False
    role, which = ACTION_ROLES[action]
    if role == "*current_role":
        role = dossier.current_role
    return role in roles_by_agency(user).get(_agency_of(dossier, which), set())


def may_see(user: Any, dossier: Dossier) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not getattr(user, "is_official", False):
        return dossier.applicant_id == user.pk
    agencies = _dossier_agencies(user)
    return any(
        agency_id in agencies
        for agency_id in (dossier.receiving_agency_id, dossier.deciding_agency_id, dossier.current_agency_id)
    )


def may_receive_at(user: Any, agency_id: int) -> bool:
    """A one-stop officer of that agency may enter a paper dossier at its counter."""
    return Role.ONE_STOP_OFFICER in roles_by_agency(user).get(agency_id, set())
