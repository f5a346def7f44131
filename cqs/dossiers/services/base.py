"""The common ground of every dossier service: the state table, the guard, events, small helpers.

Every action locks the dossier row, checks who may act (``permissions.may_act``; a refusal
looks like "not found"), checks the state against ``ALLOWED`` (a refusal names the current
state), changes the dossier, writes a ``DossierEvent`` (what national synchronisation sends)
and an audit event in the same transaction, and queues the citizen's notice after commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.core.audit import audit_record, jsonable
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.core.text import nfc
from cqs.dossiers.models import (
    NATIONAL_STATUS,
    OPEN_STATUSES,
    Dossier,
    DossierEvent,
    Status,
)
from cqs.dossiers.permissions import may_act
from cqs.units.models import Agency

S = Status
ACTIVE = (S.PROCESSING, S.TRANSFERRED, S.AWAITING_APPROVAL)

# The states each action may start from (one table; everything else is refused).
ALLOWED: dict[str, tuple[str, ...]] = {
    "accept": (S.SUBMITTED,),
    "refuse": (S.SUBMITTED,),
    "request_supplement": (S.SUBMITTED, *ACTIVE),
    "answer_supplement": (S.SUPPLEMENT_REQUESTED,),
    "forward": (S.PROCESSING, S.TRANSFERRED),
    "approve": (S.AWAITING_APPROVAL,),
    "send_back": (S.AWAITING_APPROVAL,),
    "transfer": (S.PROCESSING,),
    "transfer_return": (S.TRANSFERRED,),
    "request_payment": ACTIVE,
    "record_payment": (S.PAYMENT_REQUESTED,),
    "apologise": (*ACTIVE, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED),
    "stop": (*ACTIVE, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED, S.WITHDRAWAL_REQUESTED),
    "withdraw": (S.SUBMITTED, *ACTIVE, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED),
    "confirm_withdrawal": (S.WITHDRAWAL_REQUESTED,),
    "finish": (S.PROCESSING, S.AWAITING_APPROVAL),
    "return_result": (S.FINISHED,),
    "choose_delivery": (*OPEN_STATUSES, S.FINISHED),
    "rate": (S.RETURNED,),
    "draft_result": (S.PROCESSING, S.AWAITING_APPROVAL),
}

ACTION_LABELS: dict[str, str] = {
    "submit": "nộp hồ sơ",
    "receive": "tiếp nhận hồ sơ tại quầy",
    "accept": "tiếp nhận hồ sơ",
    "refuse": "từ chối tiếp nhận",
    "request_supplement": "yêu cầu bổ sung",
    "answer_supplement": "bổ sung hồ sơ",
    "forward": "chuyển bước tiếp theo",
    "approve": "phê duyệt",
    "send_back": "trả lại bước trước",
    "transfer": "chuyển liên thông",
    "transfer_return": "trả hồ sơ liên thông",
    "request_payment": "yêu cầu nộp phí, lệ phí",
    "record_payment": "ghi nhận đã nộp phí, lệ phí",
    "apologise": "xin lỗi và gia hạn",
    "stop": "dừng giải quyết",
    "withdraw": "rút hồ sơ",
    "confirm_withdrawal": "xác nhận rút hồ sơ",
    "finish": "hoàn thành giải quyết",
    "return_result": "trả kết quả",
    "choose_delivery": "chọn cách nhận kết quả",
    "rate": "đánh giá",
    "draft_result": "soạn dự thảo kết quả",
}

ATTACHMENT_TYPES = {"pdf", "jpeg", "png"}
RESULT_DRAFT_MAX = 5000
_REGISTER_LOCK = 7_070_118  # advisory lock class of the dossier register (form 07), keyed by receiving agency
APPLICANT_AGENCY_KINDS = (
    Agency.Kind.PROVINCIAL_SERVICE_CENTRE,
    Agency.Kind.COMMUNE_SERVICE_CENTRE,
    Agency.Kind.COMMUNE_COMMITTEE,
    Agency.Kind.DEPARTMENT,
    Agency.Kind.PROVINCIAL_COMMITTEE,
)


def _lock(dossier: Dossier | int) -> Dossier:
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    found = Dossier.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFoundOrForbidden(_("Không tìm thấy hồ sơ."))
    return found


def _guard(dossier: Dossier, *, action: str, actor: Any, as_action: str | None = None) -> None:
    """Who first (a stranger learns nothing), then the state; ``as_action`` names whose right it takes."""
    if not may_act(actor, as_action or action, dossier):
        raise NotFoundOrForbidden(_("Không tìm thấy hồ sơ."))
    if dossier.status not in ALLOWED[action]:
        raise InvalidTransition(
            _("Không thể %(action)s: hồ sơ %(code)s đang ở trạng thái «%(status)s».")
            % {"action": ACTION_LABELS[action], "code": dossier.code, "status": Status(dossier.status).label}
        )


def _event(
    dossier: Dossier,
    *,
    action: str,
    actor: Any,
    from_status: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    national_status: int | None = None,
    at: dt.datetime | None = None,
) -> DossierEvent:
    event = DossierEvent.objects.create(
        dossier=dossier,
        at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=from_status,
        to_status=dossier.status,
        national_status=national_status or NATIONAL_STATUS[Status(dossier.status)],
        channel=dossier.channel,
        note=note,
        data=jsonable(data or {}),
    )
    audit_record(
        actor=actor,
        action=f"dossier.{action}",
        obj=dossier,
        before={"status": from_status},
        after={"status": dossier.status, "event": event.pk, "note": note, **(jsonable(data or {}))},
    )
    transaction.on_commit(lambda: _notify_after_commit(event.pk))
    return event


def _notify_after_commit(event_id: int) -> None:
    from cqs.dossiers.notify import dossier_event_notify

    dossier_event_notify(event_id=event_id)


def _save(dossier: Dossier, *fields: str) -> None:
    dossier.save(update_fields=[*fields, "updated_at"])


def _required_text(value: str, message: str) -> str:
    text = nfc(value or "")
    if not text:
        raise ValidationFailed(message)
    return text
