"""Schemas of the dossier API: what callers send (strict, Vietnamese errors) and what they get back.

Input schemas forbid unknown fields, bound every text and refuse control characters (a NUL byte
cannot be stored by PostgreSQL); their errors are turned into Vietnamese by ``errors_vi``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, StringConstraints, ValidationError
from pydantic import Field as PydanticField

from cqs.core.api import ApiDate, pydantic_errors

# ---------------------------------------------------------------- input helpers

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORM_MAX_KEYS = 200
FORM_KEY_MAX = 100
FORM_VALUE_MAX = 5000
MAX_ATTACHMENTS = 50


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control_characters")
    return value


_NO_CONTROL = AfterValidator(_no_control)
Text14 = Annotated[str, StringConstraints(max_length=14, strip_whitespace=True), _NO_CONTROL]
Text20 = Annotated[str, StringConstraints(max_length=20, strip_whitespace=True), _NO_CONTROL]
Code = Annotated[str, StringConstraints(max_length=60, strip_whitespace=True), _NO_CONTROL]
Short = Annotated[str, StringConstraints(max_length=200, strip_whitespace=True), _NO_CONTROL]
Email = Annotated[str, StringConstraints(max_length=254, strip_whitespace=True), _NO_CONTROL]
Text300 = Annotated[str, StringConstraints(max_length=300, strip_whitespace=True), _NO_CONTROL]
Medium = Annotated[str, StringConstraints(max_length=500, strip_whitespace=True), _NO_CONTROL]
Text1000 = Annotated[str, StringConstraints(max_length=1000, strip_whitespace=True), _NO_CONTROL]
Long = Annotated[str, StringConstraints(max_length=2000, strip_whitespace=True), _NO_CONTROL]


def _form_data(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > FORM_MAX_KEYS:
        raise ValueError("form_too_many_keys")
    for key, item in value.items():
        if len(key) > FORM_KEY_MAX or _CONTROL.search(key):
            raise ValueError("form_bad_key")
        if isinstance(item, str) and (len(item) > FORM_VALUE_MAX or _CONTROL.search(item)):
            raise ValueError("form_bad_value")
    return value


FormData = Annotated[dict[str, str | int | float | bool | None], AfterValidator(_form_data)]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- inputs


class AttachmentIn(Strict):
    required_document_id: int | None = PydanticField(
        None, ge=1, le=2**31 - 1, description="Mã (id) thành phần hồ sơ của thủ tục mà giấy tờ này đáp ứng."
    )
    stored_paper_id: int | None = PydanticField(
        None,
        ge=1,
        le=2**31 - 1,
        description="Dùng lại giấy tờ trong kho dữ liệu cá nhân (không kèm tệp). Bỏ trống thì phải gửi một tệp.",
    )
    name: Short = PydanticField("", description="Tên giấy tờ (mặc định: tên thành phần hồ sơ).")


class FilingIn(Strict):
    procedure: Code = PydanticField(description="Mã thủ tục, ví dụ 1.001193.")
    deciding_agency: Code = PydanticField(description="Mã định danh điện tử của cơ quan giải quyết.")
    receiving_agency: Code = PydanticField(
        "", description="Mã định danh điện tử của nơi tiếp nhận (bỏ trống: chính cơ quan giải quyết)."
    )
    form_data: FormData = PydanticField(
        default_factory=dict, description="Tờ khai điện tử: mã trường → giá trị (ngày dạng dd/mm/yyyy)."
    )
    filing_mode: str = PydanticField(
        "self", max_length=12, description="Hình thức nộp: self (tự nộp), on_behalf (nộp thay), assisted."
    )
    applicant_name: Short = PydanticField(
        "",
        description=(
            "Họ tên người nộp. Nộp trực tuyến: luôn là chủ tài khoản (để trống thì lấy từ tài khoản; ghi tên "
            "người khác bị từ chối, 422). Nộp cho người khác: hình thức on_behalf với principal_*."
        ),
    )
    applicant_id_number: Text14 = PydanticField(
        "",
        description=(
            "Số định danh cá nhân (12 số) hoặc mã số thuế của người nộp. Nộp trực tuyến: của chủ tài khoản "
            "(để trống thì lấy từ tài khoản; số khác bị từ chối, 422)."
        ),
    )
    applicant_address: Text300 = PydanticField("", description="Địa chỉ (để trống: địa chỉ của tài khoản).")
    applicant_phone: Text20 = PydanticField("", description="Số điện thoại.")
    applicant_email: Email = PydanticField("", description="Thư điện tử.")
    principal_name: Short = PydanticField("", description="Người ủy quyền (nộp thay).")
    principal_id_number: Text14 = PydanticField("", description="Số định danh người ủy quyền.")
    authorisation_note: Text300 = PydanticField("", description="Giấy ủy quyền (số, ngày).")
    assisted_by: Short = PydanticField("", description="Thành viên tổ công nghệ số cộng đồng đã hỗ trợ.")
    delivery: str = PydanticField(
        "online", max_length=8, description="Cách nhận kết quả: online, desk (tại Một cửa), post (bưu chính)."
    )
    attachments: list[AttachmentIn] = PydanticField(
        default_factory=list,
        max_length=MAX_ATTACHMENTS,
        description=("Giấy tờ kèm theo. Mỗi mục không có stored_paper_id ứng với một phần `files`, theo đúng thứ tự."),
    )


class CounterFilingIn(FilingIn):
    channel: int = PydanticField(1, ge=1, le=3, description="Kênh: 1 trực tiếp, 3 bưu chính công ích.")
    sets_count: int = PydanticField(1, ge=1, le=20, description="Số bộ hồ sơ.")


class SupplementIn(Strict):
    note: Long = PydanticField("", description="Ghi chú của người nộp.")
    attachments: list[AttachmentIn] = PydanticField(
        default_factory=list, max_length=MAX_ATTACHMENTS, description="Giấy tờ bổ sung (thứ tự như các phần `files`)."
    )


class FinishIn(Strict):
    summary: Long = PydanticField(description="Kết quả giải quyết.")


class EmptyIn(Strict):
    """No field: the action needs nothing more than the dossier."""


class NoteIn(Strict):
    note: Long = PydanticField("", description="Ý kiến, ghi chú.")


class ApproveIn(NoteIn):
    electronic_result: bool = PydanticField(
        False,
        description=(
            "Ở lần phê duyệt cuối cùng (sau đó chỉ còn bước văn thư và bước trả kết quả): cấp kết quả điện tử "
            "từ mẫu kết quả của thủ tục, có mã xác thực và mã QR, ký số bằng chứng thư cá nhân của lãnh đạo "
            "và chứng thư của cơ quan giải quyết."
        ),
    )


class ResultDraftIn(Strict):
    content: Annotated[str, StringConstraints(max_length=5000, strip_whitespace=True), _NO_CONTROL] = PydanticField(
        description="Nội dung kết quả giải quyết (điền vào trường {{ noi_dung_ket_qua }} của mẫu kết quả)."
    )


class ReasonIn(Strict):
    reason: Long = PydanticField(description="Lý do (bắt buộc).")


class SupplementRequestIn(Strict):
    items: list[Medium] = PydanticField(
        min_length=1, max_length=50, description="Các nội dung cần bổ sung, hoàn thiện (mẫu 02)."
    )
    reason: Long = PydanticField(description="Lý do.")
    contact: Text300 = PydanticField(description="Người, số điện thoại liên hệ khi cần hướng dẫn.")


class TransferIn(Strict):
    to_agency: Code = PydanticField(description="Mã định danh điện tử của cơ quan phối hợp.")
    note: Long = PydanticField(description="Nội dung đề nghị phối hợp.")


class TransferReturnIn(Strict):
    note: Long = PydanticField(description="Kết quả phối hợp.")


class PaymentRequestIn(Strict):
    amount: int = PydanticField(gt=0, le=10**12, description="Số tiền phải nộp (đồng).")
    note: Long = PydanticField("", description="Ghi chú.")


class PaymentRecordIn(Strict):
    receipt: Short = PydanticField(description="Số biên lai thu phí, lệ phí.")


class ApologyIn(Strict):
    reason: Long = PydanticField(description="Lý do chậm trễ (mẫu 04).")
    new_due_date: ApiDate = PydanticField(
        description="Ngày hẹn trả mới: dd/mm/yyyy hoặc yyyy-mm-dd (ISO 8601); phải là ngày làm việc."
    )


class ReturnIn(Strict):
    delivery: str | None = PydanticField(
        None, max_length=8, description="Cách trả kết quả: online, desk, post (bỏ trống: như đã chọn)."
    )


class DeliveryIn(Strict):
    delivery: str = PydanticField(max_length=8, description="Cách nhận kết quả: online, desk, post.")


class RatingIn(Strict):
    rating: int = PydanticField(ge=1, le=5, description="Mức đánh giá từ 1 đến 5 sao.")
    comment: Text1000 = PydanticField("", description="Ý kiến.")


class DossierFilters(Schema):
    status: str = PydanticField("", description="Trạng thái, ví dụ submitted, processing, finished.")
    box: str = PydanticField(
        "",
        description=(
            "Hộp hồ sơ của cán bộ: to_receive, to_process, to_approve, to_return, due_soon, late, all; "
            "của công dân: open (đang giải quyết), closed (đã kết thúc)."
        ),
    )
    q: str = PydanticField("", description="Tìm theo mã hồ sơ, số định danh hoặc tên người nộp (không cần dấu).")
    page: str = PydanticField("1", description="Trang, từ 1.")
    page_size: str = PydanticField("20", description="Số hồ sơ mỗi trang, từ 1 đến 100.")


# ---------------------------------------------------------------- outputs


class AgencyRefOut(Schema):
    electronic_code: str = PydanticField(description="Mã định danh điện tử của cơ quan.")
    name: str = PydanticField(description="Tên cơ quan.")


class LinksOut(Schema):
    self: str = PydanticField(description="Chi tiết hồ sơ qua API.")
    lookup: str = PydanticField(description="Tra cứu công khai tình trạng hồ sơ.")


class DossierStateOut(Schema):
    code: str = PydanticField(description="Mã hồ sơ.")
    status: str = PydanticField(description="Trạng thái.")
    status_label: str = PydanticField(description="Tên trạng thái.")
    national_status: int = PydanticField(description="Mã trạng thái đồng bộ Cổng dịch vụ công quốc gia (1–10).")
    current_step: int | None = PydanticField(description="Bước hiện tại của quy trình nội bộ.")
    current_role: str = PydanticField(description="Vai trò xử lý bước hiện tại.")
    current_agency: AgencyRefOut = PydanticField(description="Cơ quan đang giữ hồ sơ.")
    due_at: dt.datetime | None = PydanticField(description="Hẹn trả kết quả (ISO 8601, giờ Việt Nam).")
    links: LinksOut


class ProcedureRefOut(Schema):
    code: str = PydanticField(description="Mã thủ tục.")
    name: str = PydanticField(description="Tên thủ tục.")
    version: int = PydanticField(description="Phiên bản thủ tục áp dụng cho hồ sơ.")


class DossierSummaryOut(Schema):
    code: str = PydanticField(description="Mã hồ sơ.")
    procedure_code: str = PydanticField(description="Mã thủ tục.")
    procedure_name: str = PydanticField(description="Tên thủ tục.")
    status: str = PydanticField(description="Trạng thái.")
    status_label: str = PydanticField(description="Tên trạng thái.")
    national_status: int = PydanticField(description="Mã trạng thái quốc gia.")
    channel: int = PydanticField(description="Kênh: 1 trực tiếp, 2 trực tuyến, 3 bưu chính.")
    applicant_name: str | None = PydanticField(description="Người nộp (chỉ người có quyền xem).")
    submitted_at: dt.datetime = PydanticField(description="Nộp lúc.")
    due_at: dt.datetime | None = PydanticField(description="Hẹn trả kết quả.")
    current_role: str = PydanticField(description="Vai trò xử lý bước hiện tại.")
    url: str = PydanticField(description="Chi tiết hồ sơ qua API.")


class DossierPageOut(Schema):
    count: int = PydanticField(description="Tổng số hồ sơ.")
    page: int = PydanticField(description="Trang hiện tại.")
    page_size: int = PydanticField(description="Số hồ sơ mỗi trang.")
    results: list[DossierSummaryOut]


class ApplicantOut(Schema):
    name: str = PydanticField(description="Họ tên người nộp.")
    id_number: str = PydanticField(description="Số định danh / mã số thuế.")
    address: str = PydanticField(description="Địa chỉ.")
    phone: str = PydanticField(description="Số điện thoại.")
    email: str = PydanticField(description="Thư điện tử.")
    filing_mode: str = PydanticField(description="Hình thức nộp: self, on_behalf, assisted.")
    principal_name: str = PydanticField(description="Người ủy quyền.")
    principal_id_number: str = PydanticField(description="Số định danh người ủy quyền.")
    authorisation_note: str = PydanticField(description="Giấy ủy quyền.")
    assisted_by: str = PydanticField(description="Thành viên tổ công nghệ số hỗ trợ.")
    account_identity_verified: bool | None = PydanticField(
        description=(
            "Tài khoản công dân đã nộp hồ sơ đã được xác minh danh tính chưa (false: tài khoản tự đăng ký, chưa "
            "đối chiếu giấy tờ gốc, cần đối chiếu trước khi trả kết quả); null khi hồ sơ nộp tại quầy, không qua "
            "tài khoản công dân."
        )
    )
    account_identity_proof: str = PydanticField(description="Cách đã xác minh: vneid, counter… (rỗng nếu chưa).")


class EventOut(Schema):
    at: dt.datetime = PydanticField(description="Thời điểm.")
    action: str = PydanticField(description="Thao tác (mã).")
    action_label: str = PydanticField(description="Thao tác.")
    from_status: str = PydanticField(description="Trạng thái trước.")
    to_status: str = PydanticField(description="Trạng thái sau.")
    national_status: int = PydanticField(description="Mã trạng thái quốc gia gửi đồng bộ.")
    note: str = PydanticField(description="Ghi chú, lý do.")


class StepOut(Schema):
    position: int = PydanticField(description="Bước.")
    name: str = PydanticField(description="Nội dung công việc.")
    role: str = PydanticField(description="Vai trò.")
    agency: AgencyRefOut = PydanticField(description="Cơ quan thực hiện.")
    started_at: dt.datetime = PydanticField(description="Nhận lúc.")
    due_at: dt.datetime = PydanticField(description="Hạn bước.")
    finished_at: dt.datetime | None = PydanticField(description="Xong lúc.")
    timing: str = PydanticField(description="early, on_time, late (khi đã xong).")
    outcome: str = PydanticField(description="Kết quả bước.")


class FileOut(Schema):
    id: int = PydanticField(description="Mã tệp.")
    name: str = PydanticField(description="Tên giấy tờ.")
    source: str = PydanticField(description="Nguồn: upload, scan, reused, supplement, result.")
    kind: str = PydanticField(description="Loại tệp: pdf, jpeg, png.")
    size: int = PydanticField(description="Dung lượng (byte).")
    sha256: str = PydanticField(description="Mã băm SHA-256.")
    created_at: dt.datetime = PydanticField(description="Tải lên lúc.")
    url: str = PydanticField(description="Địa chỉ tải tệp (cần quyền xem hồ sơ).")
    verification_code: str = PydanticField(
        "", description="Mã xác thực của kết quả điện tử ký số (trang xác thực công khai); rỗng nếu không có."
    )


class SupplementRequestOut(Schema):
    items: list[str] = PydanticField(description="Nội dung cần bổ sung.")
    reason: str = PydanticField(description="Lý do.")
    contact: str = PydanticField(description="Liên hệ.")
    requested_at: dt.datetime = PydanticField(description="Yêu cầu lúc.")
    answered_at: dt.datetime | None = PydanticField(description="Đã bổ sung lúc.")


class NoticeOut(Schema):
    form: str = PydanticField(description="Mẫu: 03 từ chối, 04 xin lỗi và hẹn lại, 05 dừng giải quyết.")
    form_label: str = PydanticField(description="Tên mẫu.")
    reason: str = PydanticField(description="Lý do.")
    new_due_at: dt.datetime | None = PydanticField(description="Ngày hẹn trả mới (mẫu 04).")
    issued_at: dt.datetime = PydanticField(description="Ban hành lúc.")


class DossierDetailOut(Schema):
    code: str = PydanticField(description="Mã hồ sơ.")
    procedure: ProcedureRefOut
    status: str = PydanticField(description="Trạng thái.")
    status_label: str = PydanticField(description="Tên trạng thái.")
    national_status: int = PydanticField(description="Mã trạng thái đồng bộ Cổng dịch vụ công quốc gia (1–10).")
    channel: int = PydanticField(description="Kênh: 1 trực tiếp, 2 trực tuyến, 3 bưu chính.")
    channel_label: str = PydanticField(description="Tên kênh.")
    receiving_agency: AgencyRefOut = PydanticField(description="Nơi tiếp nhận.")
    deciding_agency: AgencyRefOut = PydanticField(description="Cơ quan giải quyết.")
    current_agency: AgencyRefOut = PydanticField(description="Cơ quan đang giữ hồ sơ.")
    current_step: int | None = PydanticField(description="Bước hiện tại.")
    current_role: str = PydanticField(description="Vai trò xử lý bước hiện tại.")
    submitted_at: dt.datetime = PydanticField(description="Nộp lúc (ISO 8601, +07:00).")
    received_at: dt.datetime | None = PydanticField(description="Tiếp nhận lúc.")
    due_at: dt.datetime | None = PydanticField(description="Hẹn trả kết quả.")
    original_due_at: dt.datetime | None = PydanticField(description="Hẹn trả ban đầu (trước khi gia hạn).")
    paused_since: dt.datetime | None = PydanticField(description="Tạm dừng tính thời hạn từ.")
    finished_at: dt.datetime | None = PydanticField(description="Có kết quả lúc.")
    returned_at: dt.datetime | None = PydanticField(description="Trả kết quả lúc.")
    closed_at: dt.datetime | None = PydanticField(description="Kết thúc lúc.")
    timing: str = PydanticField(description="Đúng hạn: early, on_time, late (khi đã có kết quả).")
    delivery: str = PydanticField(description="Cách nhận kết quả.")
    fee_total: int = PydanticField(description="Phí, lệ phí (đồng).")
    fee_paid_at: dt.datetime | None = PydanticField(description="Đã nộp phí lúc.")
    result_summary: str = PydanticField(description="Kết quả giải quyết.")
    rating: int | None = PydanticField(description="Đánh giá (1–5).")
    applicant: ApplicantOut | None = PydanticField(
        description="Thông tin cá nhân người nộp: chỉ người nộp và cán bộ xử lý hồ sơ được xem."
    )
    form_data: dict[str, Any] | None = PydanticField(description="Tờ khai (chỉ người có quyền xem thông tin cá nhân).")
    events: list[EventOut] = PydanticField(description="Dòng thời gian.")
    steps: list[StepOut] = PydanticField(description="Các bước xử lý (phiếu kiểm soát, mẫu 06).")
    files: list[FileOut] = PydanticField(description="Giấy tờ, kết quả.")
    supplement_requests: list[SupplementRequestOut] = PydanticField(description="Yêu cầu bổ sung (mẫu 02).")
    notices: list[NoticeOut] = PydanticField(description="Phiếu từ chối, xin lỗi, thông báo dừng.")
    actions: list[str] = PydanticField(description="Các thao tác người gọi được làm ngay bây giờ.")
    links: LinksOut


class LookupOut(Schema):
    code: str = PydanticField(description="Mã hồ sơ.")
    procedure_code: str = PydanticField(description="Mã thủ tục.")
    procedure_name: str = PydanticField(description="Tên thủ tục.")
    status: str = PydanticField(description="Trạng thái.")
    status_label: str = PydanticField(description="Tên trạng thái.")
    national_status: int = PydanticField(description="Mã trạng thái quốc gia.")
    receiving_agency: str = PydanticField(description="Nơi tiếp nhận.")
    deciding_agency: str = PydanticField(description="Cơ quan giải quyết.")
    submitted_at: dt.datetime = PydanticField(description="Nộp lúc.")
    received_at: dt.datetime | None = PydanticField(description="Tiếp nhận lúc.")
    due_at: dt.datetime | None = PydanticField(description="Hẹn trả kết quả.")
    finished_at: dt.datetime | None = PydanticField(description="Có kết quả lúc.")
    returned_at: dt.datetime | None = PydanticField(description="Trả kết quả lúc.")


# ---------------------------------------------------------------- Vietnamese errors

_VALUE_ERRORS = {
    "form_too_many_keys": f"Tờ khai có tối đa {FORM_MAX_KEYS} trường.",
    "form_bad_key": f"Mã trường của tờ khai dài tối đa {FORM_KEY_MAX} ký tự, không chứa ký tự điều khiển.",
    "form_bad_value": f"Giá trị của tờ khai dài tối đa {FORM_VALUE_MAX} ký tự, không chứa ký tự điều khiển.",
}


def errors_vi(error: ValidationError) -> list[dict[str, str]]:
    """Pydantic's errors as [{"field": "a.0.b", "message": "…"}] in Vietnamese (the core table and the e-form's)."""
    return pydantic_errors(error, _VALUE_ERRORS)
