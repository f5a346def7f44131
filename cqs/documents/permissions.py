"""Who may see an official document (deny by default; "forbidden" looks like "not found").

An official sees documents of the agencies where they hold a role, and then only:

- the agency's leaders and clerks (văn thư): every document of its registers;
- the members of a department: the documents their department leads, coordinates or drafts;
- anyone the document is put in the hands of: the handler, the drafter, the reviewers, the signer.

Classified documents (``secrecy`` other than normal) are narrower still: leaders, clerks, and
the people named on the document (handler, drafter, reviewers, signer, the lead department's
head). Citizens and officials of other agencies see none.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from cqs.accounts.models import Role
from cqs.accounts.permissions import roles_by_agency
from cqs.core.errors import NotFoundOrForbidden
from cqs.documents.models import DepartmentMember, IncomingDocument, OutgoingDocument, ReviewStep, Secrecy
from cqs.units.models import Agency

REGISTER_ROLES = frozenset({Role.LEADER, Role.CLERK})
M = TypeVar("M", bound=Model)


def agencies_with_role(user: Any, *roles: str) -> list[int]:
    """Agency ids where the user holds one of ``roles`` (any role when none is given)."""
    wanted = set(roles)
    return [agency_id for agency_id, held in roles_by_agency(user).items() if not wanted or held & wanted]


def memberships(user: Any) -> tuple[list[int], list[int]]:
    """(department ids the user belongs to, department ids the user heads), cached on the user object."""
    cached = getattr(user, "_cqs_departments", None)
    if cached is None:
        rows = list(DepartmentMember.objects.filter(user=user).values_list("department_id", "is_head"))
        cached = ([d for d, _ in rows], [d for d, head in rows if head])
        user._cqs_departments = cached
    return cached


def incoming_visible_rows(user: Any) -> Q:
    """The rule of ``incoming_visible_to`` as a condition on each row (no join repeating rows).

    It applies to the documents of ``agencies_with_role(user)``; the search walks the newest of them with it.
    """
    registers = agencies_with_role(user, *REGISTER_ROLES)
    departments, heads = memberships(user)
    coordinating = IncomingDocument.coordinating_departments.through.objects.filter(
        incomingdocument_id=OuterRef("pk"), department_id__in=departments
    )
    named = Q(handler=user) | Q(lead_department__in=heads)
    normal = Q(secrecy=Secrecy.NORMAL) & (Q(lead_department__in=departments) | Q(Exists(coordinating)))
    return Q(agency__in=registers) | named | normal


def incoming_visible_to(user: Any) -> QuerySet[IncomingDocument]:
    """Every incoming document the user may see, nothing else."""
    agencies = agencies_with_role(user)
    if not agencies:
        return IncomingDocument.objects.none()
    ids = IncomingDocument.objects.filter(Q(agency__in=agencies) & incoming_visible_rows(user)).values("pk")
    return IncomingDocument.objects.filter(pk__in=ids)


def outgoing_visible_rows(user: Any) -> Q:
    """The rule of ``outgoing_visible_to`` as a condition on each row (no join repeating rows)."""
    registers = agencies_with_role(user, *REGISTER_ROLES)
    departments, _heads = memberships(user)
    reviewing = ReviewStep.objects.filter(outgoing_id=OuterRef("pk"), reviewer=user)
    named = Q(drafter=user) | Q(signer=user) | Q(Exists(reviewing))
    normal = Q(secrecy=Secrecy.NORMAL) & Q(drafting_department__in=departments)
    return Q(agency__in=registers) | named | normal


def outgoing_visible_to(user: Any) -> QuerySet[OutgoingDocument]:
    """Every outgoing document (draft or issued) the user may see, nothing else."""
    agencies = agencies_with_role(user)
    if not agencies:
        return OutgoingDocument.objects.none()
    ids = OutgoingDocument.objects.filter(Q(agency__in=agencies) & outgoing_visible_rows(user)).values("pk")
    return OutgoingDocument.objects.filter(pk__in=ids)


def clerk_organ_ids(user: Any) -> list[str]:
    """The electronic codes of the agencies where the user is a clerk: the exchange messages addressed there are
    theirs to accept, refuse or answer."""
    return list(
        Agency.objects.filter(pk__in=agencies_with_role(user, Role.CLERK)).values_list("electronic_code", flat=True)
    )


def holds_role_at(user: Any, role: str, agency_id: int) -> bool:
    return role in roles_by_agency(user).get(agency_id, set())


def locked_if_visible(visible: QuerySet[M], obj: M | int, *, not_found: str) -> M:
    """The row of ``obj`` locked for the calling transaction, if it is among ``visible`` (else "not found")."""
    pk = obj.pk if isinstance(obj, Model) else obj
    if not visible.filter(pk=pk).exists():
        raise NotFoundOrForbidden(not_found)
    found = visible.model._default_manager.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFoundOrForbidden(not_found)
    return found
