"""The incoming document's state machine, in one place: its transitions, who may take each, what is offered.

States: registered → assigned (the leader directs it to a lead department) → in_progress (the
handler writes a proposal) → completed; registered → returned (the clerk sends it back before
any direction); a document the sender recalls over the exchange (edXML 13) goes back to returned
from any state but returned when the clerk agrees (15).

Once-only rules: a document is directed once and sent back once (their only source is
registered), completed once (completed is no source of anything but a recall).

The services guard every write with ``guard`` (the right first, so a stranger learns nothing,
then the state: a refusal names it); the document's page and the API offer exactly
``available_actions`` (``test_incoming_rule_book`` walks every state and role).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqs.accounts.models import Role
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden
from cqs.documents.models import IncomingDocument, IncomingStatus
from cqs.documents.permissions import holds_role_at, memberships

S = IncomingStatus
OPEN = (S.ASSIGNED, S.IN_PROGRESS)


class Action(StrEnum):
    DIRECT = "direct"
    ASSIGN_HANDLER = "assign_handler"
    COMMENT = "comment"
    PROPOSE = "propose"
    COMPLETE = "complete"
    RETURN = "return"
    GIVE_BACK = "give_back"  # the sender recalled it (edXML 13) and the clerk agreed (15)


@dataclass(frozen=True)
class Transition:
    """The states an action starts from, the state it leads to (None: unchanged) and its label."""

    sources: tuple[str, ...]
    target: str | None
    label: Any
    offered: bool = True  # on the document's page and in the API's actions (a recall is answered elsewhere)


TRANSITIONS: dict[Action, Transition] = {
    Action.DIRECT: Transition((S.REGISTERED,), S.ASSIGNED, gettext_lazy("cho ý kiến chỉ đạo")),
    Action.ASSIGN_HANDLER: Transition(OPEN, None, gettext_lazy("giao chuyên viên xử lý")),
    Action.COMMENT: Transition((S.REGISTERED, *OPEN), None, gettext_lazy("góp ý kiến")),
    Action.PROPOSE: Transition(OPEN, S.IN_PROGRESS, gettext_lazy("ghi ý kiến đề xuất")),
    Action.COMPLETE: Transition(OPEN, S.COMPLETED, gettext_lazy("hoàn thành xử lý")),
    Action.RETURN: Transition((S.REGISTERED,), S.RETURNED, gettext_lazy("trả lại nơi gửi")),
    Action.GIVE_BACK: Transition(
        (S.REGISTERED, *OPEN, S.COMPLETED), S.RETURNED, gettext_lazy("trả lại văn bản nơi gửi lấy lại"), offered=False
    ),
}


def _handler(user: Any, document: IncomingDocument) -> bool:
    return document.handler_id is not None and document.handler_id == user.pk


def _lead_head(user: Any, document: IncomingDocument) -> bool:
    return document.lead_department_id is not None and document.lead_department_id in memberships(user)[1]


def _coordinator(user: Any, document: IncomingDocument) -> bool:
    mine = set(memberships(user)[0])
    return bool(mine) and document.coordinating_departments.filter(pk__in=mine).exists()


def may(user: Any, action: Action, document: IncomingDocument) -> bool:
    """Whether the user holds the right to ``action`` on this document (its state aside)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_official", False):
        return False
    agency_id = document.agency_id
    if action == Action.DIRECT:
        return holds_role_at(user, Role.LEADER, agency_id)
    if action in (Action.RETURN, Action.GIVE_BACK):
        return holds_role_at(user, Role.CLERK, agency_id)
    if action == Action.ASSIGN_HANDLER:
        return _lead_head(user, document)
    if action == Action.PROPOSE:
        return _handler(user, document)
    if action == Action.COMPLETE:
        return _handler(user, document) or _lead_head(user, document)
    if action == Action.COMMENT:
        return (
            _handler(user, document)
            or holds_role_at(user, Role.LEADER, agency_id)
            or _lead_head(user, document)
            or _coordinator(user, document)
        )
    return False


def allows(action: Action, document: IncomingDocument) -> bool:
    """Whether the document's state lets ``action`` start."""
    return document.status in TRANSITIONS[action].sources


def available_actions(user: Any, document: IncomingDocument) -> list[Action]:
    """What the document's page and the API offer the user now: the right and the state both allow it."""
    return [
        action
        for action, transition in TRANSITIONS.items()
        if transition.offered and allows(action, document) and may(user, action, document)
    ]


def guard(user: Any, action: Action, document: IncomingDocument) -> None:
    """Refuse an action the user may not take ("not found"), or one the state does not allow (naming the state)."""
    label = TRANSITIONS[action].label
    if not may(user, action, document):
        raise NotFoundOrForbidden(
            _("Bạn không có quyền %(action)s đối với văn bản đến số %(number)s.")
            % {"action": label, "number": document.number}
        )
    if not allows(action, document):
        raise InvalidTransition(
            _("Không thể %(action)s: văn bản đến số %(number)s đang ở trạng thái «%(status)s».")
            % {"action": label, "number": document.number, "status": IncomingStatus(document.status).label},
            extra={"status": document.status},
        )


def target(action: Action, document: IncomingDocument) -> str:
    """The state the document is in after ``action``."""
    return TRANSITIONS[action].target or document.status
