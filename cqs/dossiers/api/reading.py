"""Reading dossiers: the caller's list, the public status look-up, one dossier, one of its files."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query

from cqs.accounts.api.auth import api_auth, public_auth
from cqs.core.api import (
    ErrorOut,
    Unprocessable,
    api_actor,
    service_run,
)
from cqs.core.errors import NotFoundOrForbidden
from cqs.core.uploads import attachment_disposition, download_response, kind_extension
from cqs.dossiers import selectors, services
from cqs.dossiers.api.common import (
    CITIZEN_BOXES,
    MAX_ID,
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    _detail,
    _links,
    _local,
    _positive,
    router,
)
from cqs.dossiers.api.schemas import (
    DossierDetailOut,
    DossierFilters,
    DossierPageOut,
    LookupOut,
)
from cqs.dossiers.models import OPEN_STATUSES, Dossier, Status
from cqs.dossiers.permissions import dossiers_visible_to, sees_personal_data
from cqs.dossiers.selectors_filing import lookup_rate_check


@router.get(
    "/dossiers",
    response={200: DossierPageOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=api_auth,
    url_name="dossier_list",
    summary="Danh sách hồ sơ người gọi được xem",
    description=(
        "Công dân: hồ sơ của mình. Cán bộ: hồ sơ tiếp nhận, giải quyết hoặc đang giữ tại cơ quan của mình; "
        "lọc theo hộp (`box`), trạng thái (`status`) và từ khoá (`q`). Có phân trang."
    ),
)
def dossier_list(request: HttpRequest, filters: Query[DossierFilters]) -> dict[str, Any]:
    user = api_actor(request)
    page = _positive(filters.page, "page", maximum=10**6)
    page_size = _positive(filters.page_size, "page_size", maximum=MAX_PAGE_SIZE)
    query = filters.q.strip()
    if len(query) > MAX_QUERY_LENGTH or "\x00" in query:
        raise Unprocessable(_("Từ khoá dài tối đa %(n)d ký tự.") % {"n": MAX_QUERY_LENGTH})
    box, status = filters.box.strip(), filters.status.strip()
    if box and box not in (*selectors.BOXES, *CITIZEN_BOXES):
        raise Unprocessable(
            _("Tham số box phải là một trong: %(boxes)s.") % {"boxes": ", ".join((*selectors.BOXES, *CITIZEN_BOXES))}
        )
    if status and status not in Status.values:
        raise Unprocessable(_("Tham số status phải là một trong: %(s)s.") % {"s": ", ".join(Status.values)})
    results: QuerySet[Dossier]
    if getattr(user, "is_official", False):
        results = selectors.worklist(user=user, box=box if box in selectors.BOXES else "all", query=query)
    elif box in selectors.BOXES:
        results = Dossier.objects.none()
    else:
        results = dossiers_visible_to(user).select_related("procedure").order_by("-submitted_at", "-id")
        if query:
            results = results.filter(Q(code__startswith=query.upper()) | Q(procedure__name__icontains=query))
    if box == "open":
        results = results.filter(status__in=[*OPEN_STATUSES, Status.FINISHED])
    elif box == "closed":
        results = results.exclude(status__in=[*OPEN_STATUSES, Status.FINISHED])
    if status:
        results = results.filter(status=status)
    count = Paginator(results, page_size).count
    offset = (page - 1) * page_size
    rows = list(results[offset : offset + page_size]) if offset < count else []
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "results": [
            {
                "code": d.code,
                "procedure_code": d.procedure.code,
                "procedure_name": d.procedure.name,
                "status": d.status,
                "status_label": str(Status(d.status).label),
                "national_status": d.national_status,
                "channel": d.channel,
                "applicant_name": d.applicant_name if sees_personal_data(user, d) else None,
                "submitted_at": _local(d.submitted_at),
                "due_at": _local(d.due_at),
                "current_role": d.current_role,
                "url": _links(d.code)["self"],
            }
            for d in rows
        ],
    }


@router.get(
    "/dossiers/lookup/{code}",
    response={200: LookupOut, 404: ErrorOut, 429: ErrorOut},
    auth=public_auth,
    url_name="dossier_lookup",
    summary="Tra cứu tình trạng hồ sơ (công khai)",
    description=(
        "Ai cũng tra cứu được bằng mã hồ sơ; không có thông tin cá nhân của người nộp. Mỗi địa chỉ tra cứu "
        "tối đa CQS_LOOKUP_RATE_PER_MINUTE lần một phút (mặc định 30, tính chung với trang /tra-cuu-ho-so/); "
        "quá mức: 429 với tiêu đề Retry-After."
    ),
)
def dossier_lookup(request: HttpRequest, code: str) -> dict[str, Any]:
    lookup_rate_check(request)
    dossier = (
        Dossier.objects.filter(code=code[:60])
        .select_related("procedure", "version", "receiving_agency", "deciding_agency")
        .only(
            "code",
            "status",
            "submitted_at",
            "received_at",
            "due_at",
            "finished_at",
            "returned_at",
            "procedure__code",
            "version__name",
            "receiving_agency__name",
            "deciding_agency__name",
        )
        .first()
    )
    if dossier is None:
        raise NotFoundOrForbidden(_("Không tìm thấy hồ sơ."))
    return {
        "code": dossier.code,
        "procedure_code": dossier.procedure.code,
        "procedure_name": dossier.version.name,
        "status": dossier.status,
        "status_label": str(Status(dossier.status).label),
        "national_status": dossier.national_status,
        "receiving_agency": dossier.receiving_agency.name,
        "deciding_agency": dossier.deciding_agency.name,
        "submitted_at": _local(dossier.submitted_at),
        "received_at": _local(dossier.received_at),
        "due_at": _local(dossier.due_at),
        "finished_at": _local(dossier.finished_at),
        "returned_at": _local(dossier.returned_at),
    }


@router.get(
    "/dossiers/{code}",
    response={200: DossierDetailOut, 401: ErrorOut, 404: ErrorOut},
    auth=api_auth,
    url_name="dossier_detail",
    summary="Chi tiết hồ sơ",
    description=(
        "Trạng thái (kèm mã trạng thái quốc gia), kênh, các cơ quan, thời hạn (ISO 8601, +07:00), dòng thời "
        "gian, các bước xử lý, giấy tờ và địa chỉ tải, yêu cầu bổ sung, các phiếu, thao tác được làm. "
        "Thông tin cá nhân người nộp chỉ có với người nộp và cán bộ xử lý hồ sơ."
    ),
)
def dossier_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    user = api_actor(request)
    return _detail(user, selectors.dossier_for(user=user, code=code[:60]))


@router.get(
    "/dossiers/{code}/receipt",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    auth=api_auth,
    url_name="dossier_receipt",
    summary="Giấy tiếp nhận điện tử (mẫu 01) của hồ sơ nộp trực tuyến",
    description=(
        "Giấy tiếp nhận và hẹn trả kết quả của hồ sơ nộp trực tuyến đã được tiếp nhận, có chữ ký số của nơi "
        "tiếp nhận (ký khi gửi lần đầu, sau đó luôn là cùng một tệp). Nếu nơi tiếp nhận chưa có chứng thư số, "
        "giấy được gửi chưa ký và ghi rõ điều đó. Chỉ người nộp và cán bộ xử lý hồ sơ; còn lại là “không tìm thấy”."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "Tệp PDF.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def dossier_receipt(request: HttpRequest, code: str) -> HttpResponse:
    user = api_actor(request)
    dossier = selectors.dossier_for(user=user, code=code[:60])
    content = service_run(services.dossier_receipt_electronic, dossier=dossier, actor=user)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = attachment_disposition(f"mau-01-{dossier.code}.pdf")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get(
    "/dossiers/{code}/files/{file_id}",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    auth=api_auth,
    url_name="dossier_file",
    summary="Tải một giấy tờ của hồ sơ",
    description=(
        "Người nộp và cán bộ xử lý hồ sơ tải được mọi giấy tờ; văn thư, ở bước vào sổ, phát hành, chỉ tải được "
        "kết quả giải quyết; còn lại là “không tìm thấy”."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "Tệp giấy tờ.",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def dossier_file(request: HttpRequest, code: str, file_id: int) -> HttpResponse:
    user = api_actor(request)
    if not 1 <= file_id <= MAX_ID:
        raise NotFoundOrForbidden(_("Không tìm thấy giấy tờ."))
    item = selectors.dossier_file_for(user=user, code=code[:60], file_id=file_id)
    try:
        handle = item.file.open("rb")
    except OSError as error:
        raise NotFoundOrForbidden(_("Không tìm thấy giấy tờ.")) from error
    return download_response(
        handle, filename=f"{item.name}.{kind_extension(item.kind)}", kind=item.kind, size=item.size
    )
