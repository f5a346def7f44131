"""The dossier's state machine, written once (DESIGN convention 5).

Everything that decides whether an action may be taken on a dossier *in its present state* lives
here: the states each action starts from (``ALLOWED``), the once-only rules (one supplement
request, one new return date, one rating), and the special cases of the internal process (no
forwarding while the dossier is with a coordinating agency, forwarding only while a handling
step remains and finishing only when none does, sending back only to a handling step, an
apology at least one working day before the deadline, and nothing but registering and issuing
the result at the clerk's step). *Who* may act is ``permissions.may_act``.

``refusal`` says why an action is refused now (or ``None``); ``available_actions`` lists what a
person may do now. The services' guard, the desk, the citizen's portal and the API all ask this
module; none keeps a copy of these rules.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.catalog.models import ProcessStep
from cqs.core.calendar import HOURS_PER_DAY, WorkingCalendar
from cqs.dossiers.models import OPEN_STATUSES, Dossier, Status
from cqs.dossiers.permissions import may_act


class Action(StrEnum):
    """Every action of the one-stop mechanism on a dossier, in the order the pages offer them."""

    SUBMIT = "submit"
    RECEIVE = "receive"
    ACCEPT = "accept"
    REFUSE = "refuse"
    REQUEST_SUPPLEMENT = "request_supplement"
    ANSWER_SUPPLEMENT = "answer_supplement"
    FORWARD = "forward"
    TRANSFER = "transfer"
    TRANSFER_RETURN = "transfer_return"
    DRAFT_RESULT = "draft_result"
    APPROVE = "approve"
    SEND_BACK = "send_back"
    REQUEST_PAYMENT = "request_payment"
    RECORD_PAYMENT = "record_payment"
    FINISH = "finish"
    APOLOGISE = "apologise"
    STOP = "stop"
    WITHDRAW = "withdraw"
    CONFIRM_WITHDRAWAL = "confirm_withdrawal"
    RETURN_RESULT = "return_result"
    CHOOSE_DELIVERY = "choose_delivery"
    RATE = "rate"


A = Action
S = Status
ACTIVE = (S.PROCESSING, S.TRANSFERRED, S.AWAITING_APPROVAL)
PAUSED = (S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED)

# The states each action may start from; everything else is refused. Filing (submit, receive)
# creates the dossier and starts from no state.
ALLOWED: dict[Action, tuple[str, ...]] = {
    A.ACCEPT: (S.SUBMITTED,),
    A.REFUSE: (S.SUBMITTED,),
    A.REQUEST_SUPPLEMENT: (S.SUBMITTED, *ACTIVE),
    A.ANSWER_SUPPLEMENT: (S.SUPPLEMENT_REQUESTED,),
    A.FORWARD: (S.PROCESSING, S.TRANSFERRED),
    A.TRANSFER: (S.PROCESSING,),
    A.TRANSFER_RETURN: (S.TRANSFERRED,),
    A.DRAFT_RESULT: (S.PROCESSING, S.AWAITING_APPROVAL),
    A.APPROVE: (S.AWAITING_APPROVAL,),
    A.SEND_BACK: (S.AWAITING_APPROVAL,),
    A.REQUEST_PAYMENT: ACTIVE,
    A.RECORD_PAYMENT: (S.PAYMENT_REQUESTED,),
    A.FINISH: (S.PROCESSING, S.AWAITING_APPROVAL),
    A.APOLOGISE: (*ACTIVE, *PAUSED),
    A.STOP: (*ACTIVE, *PAUSED, S.WITHDRAWAL_REQUESTED),
    A.WITHDRAW: (S.SUBMITTED, *ACTIVE, *PAUSED),
    A.CONFIRM_WITHDRAWAL: (S.WITHDRAWAL_REQUESTED,),
    A.RETURN_RESULT: (S.FINISHED,),
    A.CHOOSE_DELIVERY: (*OPEN_STATUSES, S.FINISHED),
    A.RATE: (S.RETURNED,),
}

# What each action is called in messages ("Không thể <label>: …") and on the desk's timeline.
LABELS: dict[str, str] = {
    A.SUBMIT: "nộp hồ sơ",
    A.RECEIVE: "tiếp nhận hồ sơ tại quầy",
    A.ACCEPT: "tiếp nhận hồ sơ",
    A.REFUSE: "từ chối tiếp nhận",
    A.REQUEST_SUPPLEMENT: "yêu cầu bổ sung",
    A.ANSWER_SUPPLEMENT: "bổ sung hồ sơ",
    A.FORWARD: "chuyển bước tiếp theo",
    A.APPROVE: "phê duyệt",
    A.SEND_BACK: "trả lại bước trước",
    A.TRANSFER: "chuyển liên thông",
    A.TRANSFER_RETURN: "trả hồ sơ liên thông",
    A.REQUEST_PAYMENT: "yêu cầu nộp phí, lệ phí",
    A.RECORD_PAYMENT: "ghi nhận đã nộp phí, lệ phí",
    A.APOLOGISE: "xin lỗi và gia hạn",
    A.STOP: "dừng giải quyết",
    A.WITHDRAW: "rút hồ sơ",
    A.CONFIRM_WITHDRAWAL: "xác nhận rút hồ sơ",
    A.FINISH: "hoàn thành giải quyết",
    A.RETURN_RESULT: "trả kết quả",
    A.CHOOSE_DELIVERY: "chọn cách nhận kết quả",
    A.RATE: "đánh giá",
    A.DRAFT_RESULT: "soạn dự thảo kết quả",
}

# The work of the current step's handler: never at the clerk's step, where the decision is made
# and signed and what remains is to register and issue the result (``finish``).
HANDLING_ONLY = frozenset({A.REQUEST_SUPPLEMENT, A.TRANSFER, A.REQUEST_PAYMENT, A.DRAFT_RESULT})
# Steps that are not handling: the one-stop desk's reception and return.
_DESK_STEP = ProcessStep.UnitKind.ONE_STOP


def process_steps(dossier: Dossier) -> list[ProcessStep]:
    """The frozen internal process, in order (reads a prefetched ``version__process_steps`` when there is one)."""
    return sorted(dossier.version.process_steps.all(), key=lambda step: step.position)


def current_process_step(dossier: Dossier) -> ProcessStep | None:
    return next((s for s in process_steps(dossier) if s.position == dossier.current_step), None)


def remaining_steps(dossier: Dossier) -> list[ProcessStep]:
    """The steps after the current one (all of them before acceptance)."""
    return [s for s in process_steps(dossier) if dossier.current_step is None or s.position > dossier.current_step]


def handling_left(dossier: Dossier) -> bool:
    """Whether a handling step (anything but the desk's return) follows the current one."""
    return any(step.unit_kind != _DESK_STEP for step in remaining_steps(dossier))


def previous_handling_step(dossier: Dossier) -> ProcessStep | None:
    """The handling step before the current one, where the leader may send the dossier back."""
    before = [
        s
        for s in process_steps(dossier)
        if dossier.current_step is not None and s.position < dossier.current_step and s.unit_kind != _DESK_STEP
    ]
    return before[-1] if before else None


def at_clerical_step(dossier: Dossier) -> bool:
    step = current_process_step(dossier)
    return step is not None and step.unit_kind == ProcessStep.UnitKind.CLERICAL and dossier.status == S.PROCESSING


def apology_too_late(dossier: Dossier, *, now: dt.datetime, calendar: WorkingCalendar) -> bool:
    """Less than one working day before the deadline (or past it): too late for form 04."""
    due = dossier.due_at
    return due is None or now > due or calendar.working_hours_between(now, due) < HOURS_PER_DAY


def refusal(
    dossier: Dossier, action: str, *, now: dt.datetime | None = None, calendar: WorkingCalendar | None = None
) -> str | None:
    """Why ``action`` cannot be taken on ``dossier`` as it is now, in Vietnamese; ``None`` if it can."""
    action = Action(action)
    if dossier.status not in ALLOWED.get(action, ()):
        return _("Không thể %(action)s: hồ sơ %(code)s đang ở trạng thái «%(status)s».") % {
            "action": LABELS[action],
            "code": dossier.code,
            "status": Status(dossier.status).label,
        }
    if action in HANDLING_ONLY and at_clerical_step(dossier):
        return _(
            "Không thể %(action)s: hồ sơ %(code)s đã được phê duyệt, đang ở bước văn thư vào sổ, phát hành kết quả."
        ) % {"action": LABELS[action], "code": dossier.code}
    if action == A.REQUEST_SUPPLEMENT and dossier.supplement_count >= 1:
        return _("Hồ sơ %(code)s đã được yêu cầu bổ sung một lần; chỉ được yêu cầu bổ sung một lần, đầy đủ.") % {
            "code": dossier.code
        }
    if action == A.APOLOGISE:
        if dossier.extension_count >= 1:
            return _("Ngày hẹn trả của hồ sơ %(code)s đã được hẹn lại một lần; không được hẹn lại lần nữa.") % {
                "code": dossier.code
            }
        if apology_too_late(dossier, now=now or timezone.now(), calendar=calendar or WorkingCalendar()):
            return _("Phiếu xin lỗi phải gửi trước hạn trả ít nhất 1 ngày làm việc.")
    if action == A.FORWARD:
        if dossier.status == S.TRANSFERRED:
            return _("Hồ sơ đang ở cơ quan phối hợp; chờ cơ quan đó trả lại.")
        if not handling_left(dossier):
            return _("Đây là bước xử lý cuối của quy trình; hãy hoàn thành giải quyết hồ sơ.")
    if action == A.FINISH and handling_left(dossier):
        return _("Hồ sơ còn bước xử lý chưa làm; hãy chuyển bước tiếp theo.")
    if action == A.SEND_BACK and previous_handling_step(dossier) is None:
        return _("Không có bước xử lý trước để trả lại.")
    if action == A.RATE and dossier.rating is not None:
        return _("Bạn đã đánh giá hồ sơ %(code)s.") % {"code": dossier.code}
    return None


def allows(
    actor: Any,
    dossier: Dossier,
    action: str,
    *,
    now: dt.datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> bool:
    """Whether ``actor`` may take ``action`` on ``dossier`` now: their right, then the state's rules."""
    return may_act(actor, action, dossier) and refusal(dossier, action, now=now, calendar=calendar) is None


def available_actions(actor: Any, dossier: Dossier, *, now: dt.datetime | None = None) -> list[Action]:
    """What ``actor`` may do on ``dossier`` now, in the order pages offer it."""
    calendar, moment = WorkingCalendar(), now or timezone.now()
    return [action for action in ALLOWED if allows(actor, dossier, action, now=moment, calendar=calendar)]
