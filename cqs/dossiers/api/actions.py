"""Actions on a dossier: one endpoint per service, with a JSON body or with files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from pydantic import BaseModel

from cqs.accounts.api.auth import api_auth
from cqs.core.api import (
    ErrorOut,
    Unprocessable,
    api_actor,
    service_run,
)
from cqs.dossiers import services
from cqs.dossiers.api.common import (
    ERRORS,
    _agency,
    _attachments,
    _json_body,
    _multipart,
    _openapi_body,
    _state,
    _visible,
    router,
)
from cqs.dossiers.api.schemas import (
    ApologyIn,
    ApproveIn,
    DeliveryIn,
    DossierStateOut,
    EmptyIn,
    FinishIn,
    NoteIn,
    PaymentRecordIn,
    PaymentRequestIn,
    RatingIn,
    ReasonIn,
    ResultDraftIn,
    ReturnIn,
    SupplementIn,
    SupplementRequestIn,
    TransferIn,
    TransferReturnIn,
)
from cqs.dossiers.models import Dossier, DossierFile

Call = Callable[..., Dossier]


def _json_action(
    path: str, schema: type[BaseModel], *, summary: str, description: str, call: Call, body_required: bool = True
) -> None:
    def handler(request: HttpRequest, code: str) -> dict[str, Any]:
        user = api_actor(request)
        dossier = _visible(user, code)
        body = _json_body(request, schema)
        return _state(service_run(call, dossier=dossier, actor=user, body=body))

    name = "dossier_" + path.replace("-", "_")
    handler.__name__ = name
    extra = _openapi_body(schema)
    extra["requestBody"]["required"] = body_required
    router.post(
        f"/dossiers/{{code}}/{path}",
        response={200: DossierStateOut, **ERRORS},
        auth=api_auth,
        url_name=name,
        operation_id=name,
        summary=summary,
        description=description + " Trả về trạng thái mới của hồ sơ.",
        openapi_extra=extra,
    )(handler)


def _call(service: Callable[..., Dossier], **fixed: Any) -> Callable[..., Dossier]:
    """A service called with the body's fields as keywords (``fixed`` renames: kwarg → body field)."""

    def call(*, dossier: Dossier, actor: Any, body: BaseModel) -> Dossier:
        values = body.model_dump()
        kwargs = {kwarg: values[field] for kwarg, field in fixed.items()}
        return service(dossier=dossier, actor=actor, **kwargs)

    return call


_json_action(
    "accept",
    EmptyIn,
    summary="Tiếp nhận hồ sơ",
    description="Cán bộ Một cửa nơi tiếp nhận nhận hồ sơ trực tuyến: bắt đầu tính thời hạn (mẫu 01).",
    call=_call(services.dossier_accept),
    body_required=False,
)
_json_action(
    "refuse",
    ReasonIn,
    summary="Từ chối tiếp nhận hồ sơ",
    description="Cán bộ Một cửa từ chối với lý do cụ thể (mẫu 03).",
    call=_call(services.dossier_refuse, reason="reason"),
)
_json_action(
    "request-supplement",
    SupplementRequestIn,
    summary="Yêu cầu bổ sung hồ sơ",
    description=(
        "Một lần, đầy đủ (mẫu 02): trước khi tiếp nhận do cán bộ Một cửa, sau đó do người xử lý bước hiện tại. "
        "Tạm dừng tính thời hạn."
    ),
    call=_call(services.dossier_request_supplement, items="items", reason="reason", contact="contact"),
)
_json_action(
    "forward",
    NoteIn,
    summary="Chuyển bước tiếp theo",
    description="Người xử lý bước hiện tại chuyển hồ sơ sang bước tiếp theo của quy trình nội bộ.",
    call=_call(services.dossier_forward, note="note"),
    body_required=False,
)
_json_action(
    "draft-result",
    ResultDraftIn,
    summary="Soạn dự thảo kết quả điện tử",
    description="Người xử lý bước hiện tại (hoặc lãnh đạo đang chờ phê duyệt) ghi nội dung kết quả giải quyết.",
    call=_call(services.dossier_result_draft, content="content"),
)
_json_action(
    "approve",
    ApproveIn,
    summary="Lãnh đạo phê duyệt",
    description=(
        "Lãnh đạo phê duyệt: hồ sơ sang bước sau hoặc đã có kết quả; ở lần phê duyệt cuối cùng, "
        "`electronic_result` cấp kết quả điện tử ký số."
    ),
    call=_call(services.dossier_approve, note="note", electronic_result="electronic_result"),
    body_required=False,
)
_json_action(
    "send-back",
    ReasonIn,
    summary="Lãnh đạo trả lại bước trước",
    description="Lãnh đạo trả hồ sơ về bước xử lý trước, kèm lý do.",
    call=_call(services.dossier_send_back, reason="reason"),
)
_json_action(
    "transfer",
    TransferIn,
    summary="Chuyển liên thông",
    description="Chuyển hồ sơ sang cơ quan phối hợp (mã định danh điện tử) kèm nội dung đề nghị.",
    call=lambda *, dossier, actor, body: services.dossier_transfer(
        dossier=dossier, actor=actor, to_agency=_agency(body.to_agency, "to_agency"), note=body.note
    ),
)
_json_action(
    "transfer-return",
    TransferReturnIn,
    summary="Trả hồ sơ liên thông",
    description="Chuyên viên cơ quan phối hợp trả hồ sơ kèm kết quả phối hợp.",
    call=_call(services.dossier_transfer_return, note="note"),
)
_json_action(
    "request-payment",
    PaymentRequestIn,
    summary="Yêu cầu nộp phí, lệ phí",
    description="Người xử lý bước hiện tại yêu cầu thực hiện nghĩa vụ tài chính; tạm dừng tính thời hạn.",
    call=_call(services.dossier_request_payment, amount="amount", note="note"),
)
_json_action(
    "record-payment",
    PaymentRecordIn,
    summary="Ghi nhận đã nộp phí, lệ phí",
    description="Cán bộ Một cửa ghi số biên lai; thời hạn tính tiếp.",
    call=_call(services.dossier_record_payment, receipt="receipt"),
)
_json_action(
    "apologise",
    ApologyIn,
    summary="Xin lỗi và hẹn lại ngày trả",
    description=(
        "Lãnh đạo cơ quan giải quyết gửi phiếu xin lỗi (mẫu 04), một lần, trước hạn ít nhất 1 ngày làm việc. "
        "`new_due_date` dạng dd/mm/yyyy hoặc yyyy-mm-dd."
    ),
    call=_call(services.dossier_apologise, reason="reason", new_due_date="new_due_date"),
)
_json_action(
    "stop",
    ReasonIn,
    summary="Dừng giải quyết hồ sơ",
    description="Lãnh đạo cơ quan giải quyết dừng giải quyết, kèm lý do (mẫu 05).",
    call=_call(services.dossier_stop, reason="reason"),
)
_json_action(
    "withdraw",
    ReasonIn,
    summary="Rút hồ sơ",
    description="Người nộp rút hồ sơ: ngay nếu chưa tiếp nhận, nếu không thì chờ Bộ phận Một cửa xác nhận.",
    call=_call(services.dossier_withdraw, reason="reason"),
)
_json_action(
    "confirm-withdrawal",
    EmptyIn,
    summary="Xác nhận rút hồ sơ",
    description="Cán bộ Một cửa xác nhận yêu cầu rút hồ sơ của người nộp.",
    call=_call(services.dossier_confirm_withdrawal),
    body_required=False,
)
_json_action(
    "return",
    ReturnIn,
    summary="Trả kết quả",
    description="Cán bộ Một cửa trả kết quả cho người nộp và ghi sổ theo dõi hồ sơ (mẫu 07).",
    call=_call(services.dossier_return_result, delivery="delivery"),
    body_required=False,
)
_json_action(
    "delivery",
    DeliveryIn,
    summary="Chọn cách nhận kết quả",
    description="Người nộp chọn nhận kết quả điện tử, tại Bộ phận Một cửa hoặc qua bưu chính.",
    call=_call(services.dossier_choose_delivery, delivery="delivery"),
)
_json_action(
    "rate",
    RatingIn,
    summary="Đánh giá mức độ hài lòng",
    description="Người nộp đánh giá từ 1 đến 5 sao sau khi nhận kết quả (một lần).",
    call=_call(services.dossier_rate, rating="rating", comment="comment"),
)


@router.post(
    "/dossiers/{code}/supplement",
    response={200: DossierStateOut, 400: ErrorOut, **ERRORS},
    auth=api_auth,
    url_name="dossier_supplement",
    summary="Bổ sung hồ sơ",
    description=(
        "Người nộp gửi giấy tờ được yêu cầu bổ sung (multipart/form-data): `payload` JSON "
        "{note, attachments: [{required_document_id?, stored_paper_id?, name?}]} và các phần `files`. "
        "Thời hạn tính tiếp. Trả về trạng thái mới."
    ),
    openapi_extra=_openapi_body(SupplementIn, multipart="files"),
)
def dossier_supplement(request: HttpRequest, code: str) -> dict[str, Any]:
    user = api_actor(request)
    dossier = _visible(user, code)
    payload, files = _multipart(request, SupplementIn)
    attachments = _attachments(payload.attachments, files, source=DossierFile.Source.SUPPLEMENT)
    updated = service_run(
        services.dossier_answer_supplement, dossier=dossier, actor=user, attachments=attachments, note=payload.note
    )
    return _state(updated)


@router.post(
    "/dossiers/{code}/finish",
    response={200: DossierStateOut, 400: ErrorOut, **ERRORS},
    auth=api_auth,
    url_name="dossier_finish",
    summary="Hoàn thành giải quyết",
    description=(
        "Người xử lý bước cuối ghi kết quả giải quyết (multipart/form-data): `payload` JSON {summary} và, "
        "nếu có, tệp kết quả ở phần `result`. Hồ sơ chờ trả kết quả. Trả về trạng thái mới."
    ),
    openapi_extra=_openapi_body(FinishIn, multipart="result"),
)
def dossier_finish(request: HttpRequest, code: str) -> dict[str, Any]:
    user = api_actor(request)
    dossier = _visible(user, code)
    payload, files = _multipart(request, FinishIn, file_field="result")
    if len(files) > 1:
        raise Unprocessable(_("Chỉ gửi một tệp kết quả."))
    result = files[0] if files else None
    updated = service_run(services.dossier_finish, dossier=dossier, actor=user, summary=payload.summary, result=result)
    return _state(updated)
