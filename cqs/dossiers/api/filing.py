"""Filing a dossier through the API: online by the applicant, at the counter by the one-stop desk."""

from __future__ import annotations

import ninja
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cqs.accounts.api.auth import api_auth
from cqs.accounts.vneid import login_method
from cqs.core.api import (
    ErrorOut,
    Unprocessable,
    api_actor,
    service_run,
)
from cqs.dossiers import services
from cqs.dossiers.api.common import ERRORS, _filing, _multipart, _openapi_body, _state, router
from cqs.dossiers.api.schemas import (
    CounterFilingIn,
    DossierStateOut,
    FilingIn,
)
from cqs.dossiers.models import Channel, DossierFile

# Filing is made safe to retry by the Idempotency-Key every API write accepts (cqs.core.idempotency).
IDEMPOTENCY_HELP = (
    " Gửi kèm tiêu đề `Idempotency-Key` (mỗi lần nộp một khoá mới, ví dụ một UUID) để nộp lại an toàn khi mất "
    "kết nối: cùng khoá và cùng nội dung chỉ tạo một hồ sơ, lần gửi lại trả về chính hồ sơ đó."
)


@router.post(
    "/dossiers",
    response={201: DossierStateOut, 400: ErrorOut, **ERRORS},
    auth=api_auth,
    url_name="dossier_submit",
    summary="Nộp hồ sơ trực tuyến",
    description=(
        "Công dân, tổ chức đã đăng nhập nộp hồ sơ (multipart/form-data). Phần `payload` là tài liệu JSON: "
        "mã thủ tục, mã định danh điện tử của cơ quan giải quyết và nơi tiếp nhận, tờ khai (`form_data`), "
        "hình thức nộp, cách nhận kết quả và danh sách giấy tờ `attachments` "
        "([{required_document_id, stored_paper_id?}]). Mỗi giấy tờ không dùng lại từ kho dữ liệu ứng với "
        "một phần `files`, theo đúng thứ tự. Giấy tờ là tờ khai (`declaration` trong chi tiết thủ tục) không "
        "gửi tệp: hệ thống lập bản PDF từ `form_data`, ghi nhận xác nhận của người nộp (tài khoản, cách xác "
        "thực, thời điểm, địa chỉ mạng, mã băm) hoặc ký số nếu người nộp có chứng thư số. "
        "Trả về mã hồ sơ và trạng thái (201)." + IDEMPOTENCY_HELP
    ),
    openapi_extra=_openapi_body(FilingIn, multipart="files"),
)
def dossier_submit(request: HttpRequest) -> ninja.Status:
    user = api_actor(request)
    payload, files = _multipart(request, FilingIn)
    filing = _filing(payload, files, source=DossierFile.Source.UPLOAD)
    dossier = service_run(
        services.dossier_submit_online, applicant=user, filing=filing, authenticated_by=login_method(request, user)
    )
    return ninja.Status(201, _state(dossier))


@router.post(
    "/counter/dossiers",
    response={201: DossierStateOut, 400: ErrorOut, **ERRORS},
    auth=api_auth,
    url_name="dossier_counter_receive",
    summary="Tiếp nhận hồ sơ giấy tại Bộ phận Một cửa",
    description=(
        "Cán bộ Bộ phận Một cửa nhập hồ sơ giấy và bản số hóa (multipart/form-data, như nộp trực tuyến), "
        "kèm thông tin người nộp (`applicant_*`), kênh (1 trực tiếp, 3 bưu chính) và số bộ hồ sơ. "
        "Hồ sơ được tiếp nhận ngay, bắt đầu tính thời hạn. Chỉ cán bộ Một cửa của nơi tiếp nhận." + IDEMPOTENCY_HELP
    ),
    openapi_extra=_openapi_body(CounterFilingIn, multipart="files"),
)
def dossier_counter_receive(request: HttpRequest) -> ninja.Status:
    user = api_actor(request)
    payload, files = _multipart(request, CounterFilingIn)
    if payload.channel == Channel.ONLINE:
        raise Unprocessable(
            _("Hồ sơ tiếp nhận tại quầy có kênh 1 (trực tiếp) hoặc 3 (bưu chính)."),
            extra={"errors": [{"field": "channel", "message": _("Giá trị không hợp lệ.")}]},
        )
    filing = _filing(payload, files, source=DossierFile.Source.SCAN)
    dossier = service_run(services.dossier_receive_at_counter, officer=user, filing=filing, channel=payload.channel)
    return ninja.Status(201, _state(dossier))
