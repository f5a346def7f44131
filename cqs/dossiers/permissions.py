"""Who may see a dossier, its applicant's personal data and its papers, and who may act on it.

One definition (``SCOPES``) answers every question: which dossiers a user may see (a queryset,
for lists, boxes, registers and searches), whether they may see this one, whether they may see
the applicant's personal data, and which papers they may open. Deny by default; "forbidden"
looks like "not found".

- A citizen sees the dossiers filed under their account, with everything in them.
- The one-stop officer, the specialist and the leader handle dossiers: at an agency where they
  hold the role they see every dossier received at, decided by, or held now by that agency,
  with the applicant's personal data.
- The clerk (văn thư) of the deciding agency registers and issues the result after the last
  approval. They see a dossier only while it waits at their step, and only what the step needs:
  its progress and the result they issue (the result itself names whom it is issued to). Not
  the applicant's identity number, address, telephone, e-mail, e-form or the papers handed in:
  the step needs none of them.
- The catalog manager, the administrator and any other role see no dossier.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from cqs.accounts.models import Role
from cqs.accounts.permissions import roles_by_agency
from cqs.dossiers.models import Dossier, DossierFile, Status

EVERY_AGENCY = ("receiving_agency", "deciding_agency", "current_agency")


@dataclass(frozen=True)
class Scope:
    """What one role sees at an agency where it is held.

    The dossiers naming that agency in one of ``agency_fields``; if ``current_role`` is set, only
    while the dossier waits at a step of that role (in one of ``statuses``); the applicant's
    personal data and papers only with ``personal_data``.
    """

    agency_fields: tuple[str, ...] = EVERY_AGENCY
    current_role: str = ""
    statuses: tuple[str, ...] = ()
    personal_data: bool = True

    @property
    def whole_agency(self) -> bool:
        """Every dossier of the agency (not only those waiting at one step)."""
        return not self.current_role and not self.statuses

    def q(self, agencies: list[int]) -> Q:
        condition = Q(pk__in=[])
        for name in self.agency_fields:
            condition |= Q(**{f"{name}_id__in": agencies})
        if self.current_role:
            condition &= Q(current_role=self.current_role)
        if self.statuses:
            condition &= Q(status__in=self.statuses)
        return condition

    def matches(self, agency_id: int, dossier: Dossier) -> bool:
        return (
            any(getattr(dossier, f"{name}_id") == agency_id for name in self.agency_fields)
            and (not self.current_role or dossier.current_role == self.current_role)
            and (not self.statuses or dossier.status in self.statuses)
        )


SCOPES: dict[str, Scope] = {
    Role.ONE_STOP_OFFICER: Scope(),
    Role.SPECIALIST: Scope(),
    Role.LEADER: Scope(),
    Role.CLERK: Scope(
        agency_fields=("current_agency",),
        current_role=Role.CLERK,
        statuses=(Status.PROCESSING,),
        personal_data=False,
    ),
}
# The roles that see some dossiers (through their scope).
DOSSIER_ROLES = frozenset(SCOPES)

# Which role, at which of the dossier's agencies, may take each action of an official.
# "*current_role" = the role of the current step, at the agency holding the dossier now.
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
CITIZEN_ACTIONS = frozenset({"answer_supplement", "withdraw", "rate", "choose_delivery"})


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _grants(user: Any, *, agency_id: int | None = None) -> list[tuple[int, str, Scope]]:
    """(agency, role, scope) for every role the official holds that sees dossiers."""
    return [
        (agency, role, SCOPES[role])
        for agency, held in roles_by_agency(user).items()
        if agency_id is None or agency == agency_id
        for role in sorted(held & DOSSIER_ROLES)
    ]


def visible_q(user: Any, *, agency_id: int | None = None) -> Q | None:
    """The condition on dossiers the official may see (at ``agency_id`` only, if given); None: nothing."""
    by_scope: dict[Scope, list[int]] = {}
    for agency, _role, scope in _grants(user, agency_id=agency_id):
        by_scope.setdefault(scope, []).append(agency)
    if not by_scope:
        return None
    condition = Q(pk__in=[])
    for scope, agencies in by_scope.items():
        condition |= scope.q(sorted(set(agencies)))
    return condition


def dossiers_visible_to(user: Any) -> QuerySet[Dossier]:
    """Every dossier the user may see, nothing else."""
    if not _active(user):
        return Dossier.objects.none()
    if not getattr(user, "is_official", False):
        return Dossier.objects.filter(applicant=user)
    condition = visible_q(user)
    return Dossier.objects.none() if condition is None else Dossier.objects.filter(condition)


def _is_applicant(user: Any, dossier: Dossier) -> bool:
    return (
        not getattr(user, "is_official", False) and dossier.applicant_id is not None and dossier.applicant_id == user.pk
    )


def _scopes_seeing(user: Any, dossier: Dossier) -> Iterable[Scope]:
    return (scope for agency, _role, scope in _grants(user) if scope.matches(agency, dossier))


def may_see(user: Any, dossier: Dossier) -> bool:
    if not _active(user):
        return False
    return _is_applicant(user, dossier) or any(True for _scope in _scopes_seeing(user, dossier))


def sees_personal_data(user: Any, dossier: Dossier) -> bool:
    """The applicant's identity, contact data, e-form and papers: the applicant and the dossier's handlers."""
    if not _active(user):
        return False
    return _is_applicant(user, dossier) or any(scope.personal_data for scope in _scopes_seeing(user, dossier))


def may_see_file(user: Any, item: DossierFile) -> bool:
    """A paper of the dossier: the applicant opens theirs, and the result once it is issued (finished, then
    returned); the officials who see personal data open every one; the clerk, at their step, only the result."""
    dossier, result = item.dossier, item.source == DossierFile.Source.RESULT
    if not _active(user):
        return False
    if _is_applicant(user, dossier):
        return not result or dossier.status in (Status.FINISHED, Status.RETURNED)
    if sees_personal_data(user, dossier):
        return True
    return result and may_see(user, dossier)


def may_print_register(user: Any, agency_id: int) -> bool:
    """The dossier register of an agency (form 07) lists every dossier received there with the applicant's
    name, address and telephone: only for a role that sees all of them, with their personal data."""
    return _active(user) and any(
        scope.whole_agency and scope.personal_data and "receiving_agency" in scope.agency_fields
        for _agency, _role, scope in _grants(user, agency_id=agency_id)
    )


def _agency_of(dossier: Dossier, which: str) -> int:
    return {
        "receiving": dossier.receiving_agency_id,
        "deciding": dossier.deciding_agency_id,
        "current": dossier.current_agency_id,
    }[which]


def _right(action: str, dossier: Dossier) -> str:
    """Whose right an action takes: a supplement request is the desk's before acceptance and the current
    step's handler's afterwards; the result is drafted by the handler, or by the leader awaiting approval."""
    if action == "request_supplement":
        return "accept" if dossier.status == Status.SUBMITTED else "forward"
    if action == "draft_result":
        return "approve" if dossier.status == Status.AWAITING_APPROVAL else "forward"
    return action


def may_act(user: Any, action: str, dossier: Dossier) -> bool:
    """Whether the user may take ``action`` on ``dossier`` (the state's rules are ``transitions``')."""
    if not _active(user):
        return False
    if action in CITIZEN_ACTIONS:
        return _is_applicant(user, dossier)
    right = _right(action, dossier)
    if right not in ACTION_ROLES:
        return False
    role, which = ACTION_ROLES[right]
    if role == "*current_role":
        role = dossier.current_role
    return role in roles_by_agency(user).get(_agency_of(dossier, which), set())


def may_receive_at(user: Any, agency_id: int) -> bool:
    """A one-stop officer of that agency may enter a paper dossier at its counter."""
    return Role.ONE_STOP_OFFICER in roles_by_agency(user).get(agency_id, set())
