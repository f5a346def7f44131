"""The outgoing document's state machine, in one place: its transitions, who may take each, what is offered.

States: draft → (submit) in_review → (each reviewer in order agrees) awaiting_signature, or
straight to awaiting_signature when no reviewer is named; a reviewer or the signer may send it
back (returned), and the drafter submits it again (a new round); awaiting_signature → (the
leader chosen as signer signs) signed → (a clerk issues it: number, organisation signature,
dispatch) issued. Any state before issued may be cancelled.

Once-only and ordering rules, beside the state:

- a draft is submitted only with a draft version (PDF) to review;
- in a round, only the reviewer whose turn it is decides (``current_step``);
- an annex is removed only when there is one;
- an issued document is recalled from its electronic recipients while one of them still has it
  and has neither refused it nor answered a recall (``recallable_recipients``);
- signing and issuing happen once (signed and issued are the only sources of issue and recall).

The services guard every write with ``guard`` (the right first, so a stranger learns nothing,
then the state and the rules above: a refusal names them); the document's page and the API
offer exactly ``available_actions`` (``test_outgoing_rule_book`` walks every state and role).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqs.accounts.models import Role
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden
from cqs.documents.models import DocumentFile, OutgoingDocument, OutgoingStatus, Recipient, ReviewStep
from cqs.documents.permissions import agencies_with_role, holds_role_at

S = OutgoingStatus
EDITABLE = (S.DRAFT, S.RETURNED)
OPEN = (S.DRAFT, S.IN_REVIEW, S.RETURNED, S.AWAITING_SIGNATURE, S.SIGNED)
RECALL_CLOSED = ("02", "13", "15", "16")  # refused, already asked, already answered


class Action(StrEnum):
    UPDATE = "update"
    UPLOAD_DRAFT = "upload_draft"
    ATTACH = "attach"
    DETACH = "detach"
    SUBMIT = "submit"
    REVIEW = "review"
    RETURN = "return"
    SIGN = "sign"
    ISSUE = "issue"
    CANCEL = "cancel"
    COMMENT = "comment"
    RECALL = "recall"


@dataclass(frozen=True)
class Transition:
    """The states an action starts from, the states it may lead to (empty: unchanged) and its label."""

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    label: Any


TRANSITIONS: dict[Action, Transition] = {
    Action.UPDATE: Transition(EDITABLE, (), gettext_lazy("sửa thông tin văn bản")),
    Action.UPLOAD_DRAFT: Transition(EDITABLE, (), gettext_lazy("tải lên dự thảo")),
    Action.ATTACH: Transition(EDITABLE, (), gettext_lazy("đính kèm phụ lục")),
    Action.DETACH: Transition(EDITABLE, (), gettext_lazy("bỏ phụ lục")),
    Action.SUBMIT: Transition(EDITABLE, (S.IN_REVIEW, S.AWAITING_SIGNATURE), gettext_lazy("trình duyệt")),
    Action.REVIEW: Transition((S.IN_REVIEW,), (S.AWAITING_SIGNATURE, S.RETURNED), gettext_lazy("cho ý kiến")),
    Action.RETURN: Transition((S.AWAITING_SIGNATURE,), (S.RETURNED,), gettext_lazy("trả lại dự thảo")),
    Action.SIGN: Transition((S.AWAITING_SIGNATURE,), (S.SIGNED,), gettext_lazy("ký số")),
    Action.ISSUE: Transition((S.SIGNED,), (S.ISSUED,), gettext_lazy("phát hành")),
    Action.CANCEL: Transition(OPEN, (S.CANCELLED,), gettext_lazy("hủy văn bản")),
    Action.COMMENT: Transition(OPEN, (), gettext_lazy("góp ý")),
    Action.RECALL: Transition((S.ISSUED,), (), gettext_lazy("lấy lại văn bản đã gửi điện tử")),
}


# ---------------------------------------------------------------- the review chain


def current_round(outgoing: OutgoingDocument) -> int:
    """The latest round of review (0 before the first submission)."""
    last = outgoing.review_steps.order_by("-round").values_list("round", flat=True).first()
    return int(last or 0)


def round_steps(outgoing: OutgoingDocument, round_number: int | None = None) -> list[ReviewStep]:
    number = current_round(outgoing) if round_number is None else round_number
    return list(outgoing.review_steps.filter(round=number).select_related("reviewer").order_by("order"))


def current_step(outgoing: OutgoingDocument) -> ReviewStep | None:
    """The step waiting for its reviewer, while the document is in review."""
    if outgoing.status != S.IN_REVIEW:
        return None
    for step in round_steps(outgoing):
        if step.decision == ReviewStep.Decision.PENDING:
            return step
    return None


def recallable_recipients(outgoing: OutgoingDocument) -> QuerySet[Recipient]:
    """The electronic recipients that have the document and may still be asked to give it back (status 13)."""
    return outgoing.recipients.filter(
        channel__in=(Recipient.Channel.INTERNAL, Recipient.Channel.EDXML), sent_at__isnull=False
    ).exclude(status_code__in=RECALL_CLOSED)


# ---------------------------------------------------------------- who, and the rules beside the state


def _is_reviewer(user: Any, outgoing: OutgoingDocument) -> bool:
    return outgoing.review_steps.filter(reviewer_id=user.pk).exists()


def may(user: Any, action: Action, outgoing: OutgoingDocument) -> bool:
    """Whether ``user`` holds the right to ``action`` on this document (the state is checked apart)."""
    if not getattr(user, "is_authenticated", False) or outgoing.agency_id not in agencies_with_role(user):
        return False
    if action in (Action.UPDATE, Action.UPLOAD_DRAFT, Action.ATTACH, Action.DETACH, Action.SUBMIT):
        return bool(outgoing.drafter_id == user.pk)
    if action == Action.REVIEW:
        return _is_reviewer(user, outgoing)
    if action in (Action.RETURN, Action.SIGN):
        return bool(outgoing.signer_id == user.pk)
    if action == Action.ISSUE:
        return holds_role_at(user, Role.CLERK, outgoing.agency_id)
    if action == Action.CANCEL:
        return outgoing.drafter_id == user.pk or holds_role_at(user, Role.LEADER, outgoing.agency_id)
    if action == Action.COMMENT:
        return outgoing.drafter_id == user.pk or outgoing.signer_id == user.pk or _is_reviewer(user, outgoing)
    if action == Action.RECALL:
        return holds_role_at(user, Role.CLERK, outgoing.agency_id) or holds_role_at(
            user, Role.LEADER, outgoing.agency_id
        )
    return False


def _rule_broken(user: Any, action: Action, outgoing: OutgoingDocument) -> str:
    """Why a rule beside the state refuses the action now, or "" when none does."""
    if action == Action.SUBMIT and not outgoing.files.filter(kind=DocumentFile.Kind.DRAFT).exists():
        return _("Chưa có dự thảo văn bản (PDF) để trình.")
    if action == Action.DETACH and not outgoing.files.filter(kind=DocumentFile.Kind.ATTACHMENT).exists():
        return _("Văn bản không có phụ lục nào để bỏ.")
    if action == Action.REVIEW:
        step = current_step(outgoing)
        if step is None or step.reviewer_id != user.pk:
            waiting = step.reviewer.full_name if step is not None else ""
            return _("Chưa đến lượt bạn cho ý kiến: đang chờ ý kiến của %(name)s.") % {"name": waiting}
    if action == Action.RECALL and not recallable_recipients(outgoing).exists():
        return _("Không còn nơi nhận điện tử nào có thể lấy lại văn bản.")
    return ""


def allows(action: Action, outgoing: OutgoingDocument) -> bool:
    """Whether the document's state lets ``action`` start."""
    return outgoing.status in TRANSITIONS[action].sources


def available_actions(user: Any, outgoing: OutgoingDocument) -> list[Action]:
    """What the document's page and the API offer the user now: the right, the state and the rules allow it."""
    return [
        action
        for action in TRANSITIONS
        if allows(action, outgoing) and may(user, action, outgoing) and not _rule_broken(user, action, outgoing)
    ]


def guard(user: Any, action: Action, outgoing: OutgoingDocument) -> None:
    """Refuse an action the user may not take ("not found"), or one the state or a rule forbids now (409)."""
    label = TRANSITIONS[action].label
    if not may(user, action, outgoing):
        raise NotFoundOrForbidden(_("Bạn không có quyền %(action)s đối với văn bản này.") % {"action": label})
    if not allows(action, outgoing):
        raise InvalidTransition(
            _("Không thể %(action)s: văn bản đang ở trạng thái «%(status)s».")
            % {"action": label, "status": OutgoingStatus(outgoing.status).label},
            extra={"status": outgoing.status},
        )
    broken = _rule_broken(user, action, outgoing)
    if broken:
        raise InvalidTransition(broken, extra={"status": outgoing.status})
