"""The desk's actions: for each, its button text, its small form, and the one service it calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django import forms as django_forms
from django.utils.translation import gettext_lazy as _

from cqs.accounts.models import User
from cqs.catalog.models import OnlineLevel
from cqs.desk import forms
from cqs.dossiers import services, transitions
from cqs.dossiers.models import Dossier


@dataclass(frozen=True)
class DeskAction:
    label: Any
    form: type[forms.ActionForm]
    call: Callable[[Dossier, User, dict[str, Any]], Dossier]
    done: Any
    danger: bool = False
    busy: Any = None  # what the button says while the server works (else "Đang xử lý…")


ACTIONS: dict[str, DeskAction] = {
    "accept": DeskAction(
        _("Tiếp nhận hồ sơ"),
        forms.ActionForm,
        lambda d, u, c: services.dossier_accept(dossier=d, actor=u),
        _("Đã tiếp nhận hồ sơ; có thể in giấy tiếp nhận và hẹn trả kết quả."),
        busy=_("Đang tiếp nhận hồ sơ…"),
    ),
    "refuse": DeskAction(
        _("Từ chối tiếp nhận"),
        forms.ReasonForm,
        lambda d, u, c: services.dossier_refuse(dossier=d, actor=u, reason=c["reason"]),
        _("Đã từ chối tiếp nhận hồ sơ (mẫu 03)."),
        danger=True,
    ),
    "request_supplement": DeskAction(
        _("Yêu cầu bổ sung"),
        forms.SupplementForm,
        lambda d, u, c: services.dossier_request_supplement(
            dossier=d, actor=u, items=c["items"], reason=c["reason"], contact=c["contact"]
        ),
        _("Đã gửi yêu cầu bổ sung hồ sơ (mẫu 02); thời hạn tạm dừng."),
    ),
    "forward": DeskAction(
        _("Chuyển bước tiếp theo"),
        forms.NoteForm,
        lambda d, u, c: services.dossier_forward(dossier=d, actor=u, note=c.get("note", "")),
        _("Đã chuyển hồ sơ sang bước tiếp theo."),
    ),
    "transfer": DeskAction(
        _("Chuyển liên thông"),
        forms.TransferForm,
        lambda d, u, c: services.dossier_transfer(dossier=d, actor=u, to_agency=c["to_agency"], note=c["note"]),
        _("Đã chuyển hồ sơ liên thông."),
    ),
    "transfer_return": DeskAction(
        _("Trả hồ sơ liên thông"),
        forms.RequiredNoteForm,
        lambda d, u, c: services.dossier_transfer_return(dossier=d, actor=u, note=c["note"]),
        _("Đã trả hồ sơ cho cơ quan chủ trì."),
    ),
    "approve": DeskAction(
        _("Phê duyệt"),
        forms.ApproveForm,
        lambda d, u, c: services.dossier_approve(
            dossier=d,
            actor=u,
            note=c.get("note", ""),
            result=c.get("result"),
            electronic_result=bool(c.get("electronic_result")),
        ),
        _("Đã phê duyệt hồ sơ."),
        busy=_("Đang phê duyệt…"),
    ),
    "draft_result": DeskAction(
        _("Soạn dự thảo kết quả điện tử"),
        forms.ResultDraftForm,
        lambda d, u, c: services.dossier_result_draft(dossier=d, actor=u, content=c["content"]),
        _("Đã lưu dự thảo kết quả; mở bản in thử (PDF) để kiểm tra trước khi trình ký."),
    ),
    "send_back": DeskAction(
        _("Trả lại bước trước"),
        forms.ReasonForm,
        lambda d, u, c: services.dossier_send_back(dossier=d, actor=u, reason=c["reason"]),
        _("Đã trả hồ sơ về bước trước."),
    ),
    "request_payment": DeskAction(
        _("Yêu cầu nộp phí, lệ phí"),
        forms.PaymentForm,
        lambda d, u, c: services.dossier_request_payment(
            dossier=d, actor=u, amount=c["amount"], note=c.get("note", "")
        ),
        _("Đã gửi yêu cầu nộp phí, lệ phí; thời hạn tạm dừng."),
    ),
    "record_payment": DeskAction(
        _("Ghi nhận đã nộp tại quầy"),
        forms.ReceiptForm,
        lambda d, u, c: services.dossier_record_payment(dossier=d, actor=u, receipt=c["receipt"]),
        _("Đã ghi nhận nộp phí, lệ phí; thời hạn tính tiếp."),
    ),
    "finish": DeskAction(
        _("Hoàn thành giải quyết"),
        forms.FinishForm,
        lambda d, u, c: services.dossier_finish(dossier=d, actor=u, summary=c["summary"], result=c.get("result")),
        _("Đã ghi kết quả giải quyết; hồ sơ chờ trả kết quả."),
        busy=_("Đang lưu kết quả giải quyết…"),
    ),
    "apologise": DeskAction(
        _("Xin lỗi và hẹn lại ngày trả"),
        forms.ApologyForm,
        lambda d, u, c: services.dossier_apologise(
            dossier=d, actor=u, reason=c["reason"], new_due_date=c["new_due_date"]
        ),
        _("Đã lập phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết (mẫu 04)."),
    ),
    "stop": DeskAction(
        _("Dừng giải quyết"),
        forms.ReasonForm,
        lambda d, u, c: services.dossier_stop(dossier=d, actor=u, reason=c["reason"]),
        _("Đã dừng giải quyết hồ sơ (mẫu 05)."),
        danger=True,
    ),
    "confirm_withdrawal": DeskAction(
        _("Xác nhận rút hồ sơ"),
        forms.ActionForm,
        lambda d, u, c: services.dossier_confirm_withdrawal(dossier=d, actor=u),
        _("Đã xác nhận rút hồ sơ."),
    ),
    "return_result": DeskAction(
        _("Trả kết quả"),
        forms.ReturnForm,
        lambda d, u, c: services.dossier_return_result(dossier=d, actor=u, delivery=c["delivery"]),
        _("Đã trả kết quả và ghi sổ theo dõi hồ sơ (mẫu 07)."),
        busy=_("Đang trả kết quả…"),
    ),
}


# At the clerk's step (văn thư) the last action registers and issues the approved result.
CLERICAL_LABELS: dict[str, Any] = {"finish": _("Vào sổ, phát hành kết quả")}


def desk_actions(user: Any, dossier: Dossier) -> list[str]:
    """The desk's actions the user may take on the dossier now (``transitions.available_actions``), in order."""
    return [action for action in transitions.available_actions(user, dossier) if action in ACTIONS]


def make_form(action: str, dossier: Dossier, *, data: Any = None, files: Any = None) -> django_forms.Form:
    form_class = ACTIONS[action].form
    kwargs: dict[str, Any] = {"prefix": action, "initial": {"state": dossier.status}}
    if form_class is forms.TransferForm:
        kwargs["exclude_agency_id"] = dossier.current_agency_id
    if form_class is forms.ResultDraftForm:
        kwargs["initial"]["content"] = dossier.result_draft
    if form_class is forms.ReturnForm and dossier.delivery:
        kwargs["initial"]["delivery"] = dossier.delivery
    if form_class is forms.ApproveForm and dossier.version.online_level == OnlineLevel.FULL:
        kwargs["initial"]["electronic_result"] = True  # a full-online procedure's result is electronic
    form = form_class(data, files, **kwargs)
    if action == "finish" and transitions.at_clerical_step(dossier):
        form.fields["summary"].label = _("Số, ngày vào sổ và nội dung phát hành kết quả")
    return form


def action_forms(
    actions: list[str], dossier: Dossier, *, bound: dict[str, Any] | None = None
) -> list[tuple[str, DeskAction, django_forms.Form]]:
    """(name, action, form) for each action the page offers; ``bound`` = {action: submitted form}."""
    bound = bound or {}
    labels = CLERICAL_LABELS if transitions.at_clerical_step(dossier) else {}
    return [
        (
            name,
            replace(ACTIONS[name], label=labels[name]) if name in labels else ACTIONS[name],
            bound.get(name) or make_form(name, dossier),
        )
        for name in actions
        if name in ACTIONS
    ]
