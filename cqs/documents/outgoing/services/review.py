"""The review of a draft: submitted to reviewers in order, each agrees or returns it, the signer may return it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.core.audit import snapshot
from cqs.core.errors import ValidationFailed
from cqs.core.text import nfc
from cqs.documents.models import (
    DocumentComment,
    DocumentFile,
    OutgoingDocument,
    ReviewStep,
)
from cqs.documents.outgoing.selectors import latest_file
from cqs.documents.outgoing.services.common import AUDIT_FIELDS, S, audit, locked
from cqs.documents.outgoing.transitions import Action, current_round, current_step
from cqs.documents.permissions import (
    agencies_with_role,
)


@transaction.atomic
def outgoing_submit_for_review(*, outgoing: OutgoingDocument, actor: Any, reviewers: Sequence[Any]) -> OutgoingDocument:
    """A new round of review by ``reviewers`` in order; none: straight to the signer."""
    outgoing = locked(outgoing, actor=actor, action=Action.SUBMIT)
    seen: set[int] = set()
    for reviewer in reviewers:
        if reviewer.pk == outgoing.drafter_id:
            raise ValidationFailed(_("Người soạn thảo không tự cho ý kiến dự thảo của mình."))
        if reviewer.pk == outgoing.signer_id:
            raise ValidationFailed(_("Người ký không nằm trong danh sách cho ý kiến; dự thảo đến người ký sau cùng."))
        if outgoing.agency_id not in agencies_with_role(reviewer):
            raise ValidationFailed(
                _("%(name)s không phải cán bộ của cơ quan ban hành.") % {"name": reviewer.full_name or reviewer}
            )
        if reviewer.pk in seen:
            raise ValidationFailed(
                _("%(name)s có tên hai lần trong danh sách cho ý kiến.") % {"name": reviewer.full_name or reviewer}
            )
        seen.add(reviewer.pk)
    before = snapshot(outgoing, AUDIT_FIELDS)
    round_number = current_round(outgoing) + 1
    ReviewStep.objects.bulk_create(
        [
            ReviewStep(outgoing=outgoing, order=position, reviewer=reviewer, round=round_number)
            for position, reviewer in enumerate(reviewers, start=1)
        ]
    )
    outgoing.status = S.IN_REVIEW if reviewers else S.AWAITING_SIGNATURE
    outgoing.save(update_fields=["status", "updated_at"])
    audit(
        outgoing, action="submit", actor=actor, before=before, round=round_number, reviewers=[r.pk for r in reviewers]
    )
    return outgoing


@transaction.atomic
def outgoing_review(*, outgoing: OutgoingDocument, actor: Any, approve: bool, comment: str = "") -> OutgoingDocument:
    """The current reviewer agrees (to the next reviewer, or to the signer) or returns the draft to the drafter."""
    outgoing = locked(outgoing, actor=actor, action=Action.REVIEW)
    step = current_step(outgoing)
    assert step is not None  # the rule book lets only the reviewer whose turn it is review
    note = nfc(comment or "")[:5000]
    if not approve and not note:
        raise ValidationFailed(_("Nhập lý do trả lại dự thảo."))
    before = snapshot(outgoing, AUDIT_FIELDS)
    step.decision = ReviewStep.Decision.APPROVED if approve else ReviewStep.Decision.RETURNED
    step.comment = note
    step.decided_at = timezone.now()
    step.save(update_fields=["decision", "comment", "decided_at"])
    if not approve:
        outgoing.status = S.RETURNED
    elif current_step(outgoing) is None:
        outgoing.status = S.AWAITING_SIGNATURE
    outgoing.save(update_fields=["status", "updated_at"])
    audit(outgoing, action="review", actor=actor, before=before, step=step.pk, decision=step.decision)
    return outgoing


@transaction.atomic
def outgoing_return(*, outgoing: OutgoingDocument, actor: Any, reason: str) -> OutgoingDocument:
    """The signer sends the draft back to the drafter instead of signing it."""
    outgoing = locked(outgoing, actor=actor, action=Action.RETURN)
    note = nfc(reason or "")[:5000]
    if not note:
        raise ValidationFailed(_("Nhập lý do trả lại dự thảo."))
    before = snapshot(outgoing, AUDIT_FIELDS)
    draft = latest_file(outgoing, DocumentFile.Kind.DRAFT)
    DocumentComment.objects.create(
        outgoing=outgoing, author=actor, text=note, draft_version=draft.version if draft else None
    )
    outgoing.status = S.RETURNED
    outgoing.save(update_fields=["status", "updated_at"])
    audit(outgoing, action="return", actor=actor, before=before, reason=note)
    return outgoing
