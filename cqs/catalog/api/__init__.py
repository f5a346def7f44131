"""The catalog's REST endpoints, mounted at /api/v1/ (see config/api.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from ninja import Query, Router, Schema
from pydantic import Field as PydanticField

from cqs.accounts.api.auth import api_auth, public_auth
from cqs.catalog import exchange, selectors
from cqs.catalog.models import Level, OnlineLevel, Procedure, ProcedureVersion
from cqs.catalog.permissions import can_manage_catalog
from cqs.catalog.revision_cache import catalogue_cache
from cqs.core.api import ErrorOut
from cqs.core.errors import ApplicationError, NotFoundOrForbidden, ValidationFailed
from cqs.units.models import Agency

router = Router(tags=["Thủ tục hành chính"])

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200
JSON_CONTENT_TYPE = "application/json; charset=utf-8"


class BadQuery(ApplicationError):
    """A query parameter with a value we cannot use (answered with 422)."""

    code = "validation_failed"
    status = 422


# ---------------------------------------------------------------- schemas


class ProcedureSummaryOut(Schema):
    code: str = PydanticField(description="Mã thủ tục quốc gia, ví dụ 1.001193.")
    name: str = PydanticField(description="Tên thủ tục.")
    field: str = PydanticField(description="Tên lĩnh vực.")
    level: str = PydanticField(description="Cấp thực hiện: province, commune, multi.")
    online_level: str = PydanticField(description="Mức độ trực tuyến: full (toàn trình), partial (một phần), none.")
    processing_time: Decimal | None = PydanticField(description="Thời hạn giải quyết.")
    processing_time_unit: str = PydanticField(description="Đơn vị thời hạn: working_days hoặc working_hours.")
    url: str = PydanticField(description="Địa chỉ trang thủ tục trên Cổng dịch vụ công.")


class ProcedurePageOut(Schema):
    count: int = PydanticField(description="Tổng số thủ tục tìm thấy.")
    page: int = PydanticField(description="Trang hiện tại, bắt đầu từ 1.")
    page_size: int = PydanticField(description="Số thủ tục mỗi trang (tối đa 100).")
    results: list[ProcedureSummaryOut]


class FieldOut(Schema):
    code: str = PydanticField(description="Mã lĩnh vực.")
    name: str = PydanticField(description="Tên lĩnh vực.")
    procedure_count: int = PydanticField(description="Số thủ tục đang công bố thuộc lĩnh vực.")


class AgencyOut(Schema):
    electronic_code: str = PydanticField(description="Mã định danh điện tử của cơ quan.")
    name: str = PydanticField(description="Tên cơ quan.")


class AgencyKindOut(Schema):
    kind: str = PydanticField(
        description=(
            "Loại cơ quan: provincial_committee, department, provincial_service_centre, "
            "commune_committee, commune_service_centre, other."
        )
    )
    name: str = PydanticField(description="Tên loại cơ quan, ví dụ UBND xã, phường, đặc khu.")
    label: str = PydanticField(description="Cách ghi trên trang thủ tục, ví dụ Tất cả UBND cấp xã, phường, đặc khu.")


class DocumentOut(Schema):
    id: int = PydanticField(description="Mã giấy tờ: `required_document_id` của giấy tờ khi nộp hồ sơ.")
    name: str = PydanticField(description="Tên giấy tờ.")
    originals: int = PydanticField(description="Số bản chính.")
    copies: int = PydanticField(description="Số bản sao.")
    optional: bool = PydanticField(description="Không bắt buộc.")
    template_name: str = PydanticField(description="Mẫu đơn, tờ khai.")
    replaceable_by: str = PydanticField(description="Được thay bằng dữ liệu của cơ sở dữ liệu quốc gia (nếu có).")
    declaration: bool = PydanticField(
        description="Là tờ khai lập từ tờ khai điện tử: nộp trực tuyến thì hệ thống tự lập bản PDF, không gửi tệp."
    )
    note: str = PydanticField(description="Ghi chú.")


class FeeOut(Schema):
    name: str = PydanticField(description="Tên phí, lệ phí.")
    amount: int = PydanticField(description="Mức thu (đồng); nếu có quantity_field: mức thu cho mỗi đơn vị.")
    quantity_field: str = PydanticField(
        description="Mã trường số nguyên của tờ khai mà mức thu nhân theo (ví dụ số bản sao); rỗng: thu một lần."
    )
    note: str = PydanticField(description="Ghi chú.")


class FormFieldOut(Schema):
    key: str = PydanticField(description="Mã trường.")
    label: str = PydanticField(description="Nhãn.")
    type: str = PydanticField(
        description="Kiểu: text, textarea, date, integer, email, phone, citizen_id, choice, checkbox."
    )
    required: bool = PydanticField(description="Bắt buộc.")
    choices: list[str] = PydanticField(description="Các lựa chọn (kiểu choice).")
    help_text: str = PydanticField(description="Hướng dẫn.")
    prefill: str = PydanticField(description="Điền sẵn từ hồ sơ người dùng.")


class ProcessStepOut(Schema):
    position: int = PydanticField(description="Bước.")
    name: str = PydanticField(description="Nội dung công việc.")
    role: str = PydanticField(description="Vai trò thực hiện.")
    unit_kind: str = PydanticField(description="Bộ phận thực hiện.")
    duration_hours: Decimal = PydanticField(description="Thời gian (giờ làm việc).")


class ProcedureLinksOut(Schema):
    deciding_agencies: str = PydanticField(
        description="Các cơ quan giải quyết hồ sơ của thủ tục (`deciding_agency` khi nộp hồ sơ), có phân trang."
    )
    receiving_agencies: str = PydanticField(
        description="Các nơi tiếp nhận hồ sơ trong tỉnh (`receiving_agency` khi nộp hồ sơ), có phân trang."
    )


class DecisionOut(Schema):
    number: str = PydanticField(description="Số, ký hiệu quyết định công bố, ví dụ 1234/QĐ-UBND.")
    date: dt.date | None = PydanticField(description="Ngày quyết định.")


class ProcedureDetailOut(Schema):
    code: str = PydanticField(description="Mã thủ tục quốc gia.")
    version: int = PydanticField(description="Phiên bản đang áp dụng.")
    name: str = PydanticField(description="Tên thủ tục.")
    field_code: str = PydanticField(description="Mã lĩnh vực.")
    field_name: str = PydanticField(description="Tên lĩnh vực.")
    level: str = PydanticField(description="Cấp thực hiện.")
    online_level: str = PydanticField(description="Mức độ trực tuyến.")
    agency_kinds: list[AgencyKindOut] = PydanticField(
        description="Mọi cơ quan đang hoạt động thuộc các loại này thực hiện thủ tục (ví dụ mọi UBND cấp xã)."
    )
    agencies: list[AgencyOut] = PydanticField(description="Các cơ quan thực hiện cụ thể (ngoài các loại trên).")
    deciding_agency_count: int = PydanticField(
        description=(
            "Số cơ quan có thể giải quyết (các cơ quan trên và mọi cơ quan thuộc các loại trên); "
            "danh sách ở `links.deciding_agencies`."
        )
    )
    links: ProcedureLinksOut
    deciding_authority: str = PydanticField(description="Cơ quan có thẩm quyền quyết định.")
    steps: str = PydanticField(description="Trình tự thực hiện.")
    method: str = PydanticField(description="Cách thức thực hiện.")
    applicants: str = PydanticField(description="Đối tượng thực hiện.")
    conditions: str = PydanticField(description="Yêu cầu, điều kiện.")
    legal_basis: str = PydanticField(description="Căn cứ pháp lý.")
    processing_time: Decimal | None = PydanticField(description="Thời hạn giải quyết.")
    processing_time_unit: str = PydanticField(description="Đơn vị thời hạn.")
    processing_time_note: str = PydanticField(description="Ghi chú thời hạn.")
    afternoon_cutoff: str | None = PydanticField(
        description="Nhận sau giờ này tính từ ngày làm việc tiếp theo (HH:MM)."
    )
    result_type: str = PydanticField(description="Kết quả thực hiện.")
    fee_note: str = PydanticField(description="Ghi chú phí, lệ phí.")
    decision: DecisionOut = PydanticField(description="Quyết định công bố.")
    effective_from: dt.date | None = PydanticField(description="Ngày có hiệu lực.")
    documents: list[DocumentOut] = PydanticField(description="Thành phần hồ sơ.")
    fees: list[FeeOut] = PydanticField(description="Phí, lệ phí.")
    form_fields: list[FormFieldOut] = PydanticField(description="Tờ khai điện tử.")
    process_steps: list[ProcessStepOut] = PydanticField(description="Quy trình nội bộ.")
    url: str = PydanticField(description="Địa chỉ trang thủ tục trên Cổng dịch vụ công.")


class ProcedureFilters(Schema):
    q: str = PydanticField("", description="Từ khoá: tên (không cần dấu) hoặc mã thủ tục.")
    field: str = PydanticField("", description="Mã lĩnh vực.")
    level: str = PydanticField("", description="Cấp thực hiện: province, commune, multi.")
    agency: str = PydanticField(
        "",
        description=(
            "Mã định danh điện tử của cơ quan thực hiện (gồm cả thủ tục mọi cơ quan cùng loại thực hiện), "
            "hoặc *loại, ví dụ *commune_committee: thủ tục do mọi UBND cấp xã thực hiện."
        ),
    )
    online_level: str = PydanticField("", description="Mức độ trực tuyến: full, partial, none.")
    page: str = PydanticField("1", description="Trang, từ 1.")
    page_size: str = PydanticField(str(DEFAULT_PAGE_SIZE), description="Số thủ tục mỗi trang, từ 1 đến 100.")


class UnitRefOut(Schema):
    code: str = PydanticField(description="Mã đơn vị hành chính.")
    name: str = PydanticField(description="Tên đơn vị hành chính.")


class AgencyItemOut(Schema):
    electronic_code: str = PydanticField(description="Mã định danh điện tử của cơ quan (dùng khi nộp hồ sơ).")
    name: str = PydanticField(description="Tên cơ quan.")
    kind: str = PydanticField(description="Loại cơ quan.")
    unit: UnitRefOut = PydanticField(description="Đơn vị hành chính của cơ quan.")


class AgencyPageOut(Schema):
    count: int = PydanticField(description="Tổng số cơ quan tìm thấy.")
    page: int = PydanticField(description="Trang hiện tại, bắt đầu từ 1.")
    page_size: int = PydanticField(description="Số cơ quan mỗi trang (tối đa 100).")
    results: list[AgencyItemOut]


class AgencyFilters(Schema):
    role: str = PydanticField(
        "deciding",
        description="deciding: cơ quan giải quyết thủ tục; receiving: nơi tiếp nhận hồ sơ (mọi nơi trong tỉnh).",
    )
    unit: str = PydanticField("", description="Mã đơn vị hành chính: một xã, phường hoặc một tỉnh (gồm các xã).")
    q: str = PydanticField("", description="Tên cơ quan (không cần dấu).")
    page: str = PydanticField("1", description="Trang, từ 1.")
    page_size: str = PydanticField(str(DEFAULT_PAGE_SIZE), description="Số cơ quan mỗi trang, từ 1 đến 100.")


class ImportOut(Schema):
    procedures_created: int = PydanticField(description="Số thủ tục mới.")
    versions_created: int = PydanticField(description="Số phiên bản mới.")
    fields_created: int = PydanticField(description="Số lĩnh vực mới.")
    versions_published: int = PydanticField(description="Số phiên bản đã công bố và có hiệu lực.")
    versions_waiting: int = PydanticField(description="Số phiên bản đã công bố, chờ đến ngày có hiệu lực.")


# ---------------------------------------------------------------- helpers


def _url_template() -> str:
    try:
        return reverse("portal:procedure_detail", kwargs={"code": "0.000000"}).replace("0.000000", "{code}")
    except NoReverseMatch:
        return "/thu-tuc/{code}/"


def _positive(value: str, name: str, *, maximum: int | None = None) -> int:
    text = (value or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= (maximum or 10**9):
        bound = f" từ 1 đến {maximum}" if maximum else " từ 1 trở lên"
        raise BadQuery(
            f"Tham số {name} phải là số nguyên{bound}.",
            extra={"errors": [{"where": name, "field": name, "message": f"Giá trị “{text[:50]}” không hợp lệ."}]},
        )
    return int(text)


def _choice(value: str, name: str, choices: list[tuple[str, Any]]) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    allowed = [c for c, _label in choices]
    if text not in allowed:
        raise BadQuery(f"Tham số {name} phải là một trong: {', '.join(allowed)}.")
    return text


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) if getattr(request, "auth", None) not in (None, True) else request.user


def _require_manager(request: HttpRequest) -> Any:
    user = _user(request)
    if not can_manage_catalog(user):
        raise NotFoundOrForbidden("Không tìm thấy.")
    return user


# ---------------------------------------------------------------- public endpoints


@router.get(
    "/procedures",
    response={200: ProcedurePageOut, 422: ErrorOut},
    auth=public_auth,
    summary="Tìm thủ tục hành chính đang công bố",
    description=(
        "Tìm theo tên (không phân biệt dấu, “đ” = “d”) hoặc mã; lọc theo lĩnh vực, cấp, cơ quan, mức độ trực tuyến."
    ),
)
def procedure_list(request: HttpRequest, filters: Query[ProcedureFilters]) -> HttpResponse:
    page = _positive(filters.page, "page")
    page_size = _positive(filters.page_size, "page_size", maximum=MAX_PAGE_SIZE)
    if len(filters.q) > MAX_QUERY_LENGTH:
        raise BadQuery(f"Từ khoá dài tối đa {MAX_QUERY_LENGTH} ký tự.")
    search = {
        "query": filters.q.strip(),
        "field_code": filters.field.strip() or None,
        "level": _choice(filters.level, "level", Level.choices),
        "agency_code": filters.agency.strip() or None,
        "online_level": _choice(filters.online_level, "online_level", OnlineLevel.choices),
    }
    # The same answer for everyone: kept per catalogue revision (cqs.catalog.revision_cache).
    key = ("api.procedures", *search.values(), page, page_size)
    body = catalogue_cache.get_or_build(key, lambda: _procedure_page_json(search, page, page_size))
    return HttpResponse(body, content_type=JSON_CONTENT_TYPE)


def _procedure_page_json(search: dict[str, Any], page: int, page_size: int) -> str:
    """One page of search results, as the API's JSON (checked against ``ProcedurePageOut``)."""
    results = selectors.procedure_search(**search)
    count = Paginator(results, page_size).count
    offset = (page - 1) * page_size
    rows = list(results[offset : offset + page_size]) if offset < count else []
    url = _url_template()
    data = ProcedurePageOut.model_validate(
        {
            "count": count,
            "page": page,
            "page_size": page_size,
            "results": [
                {
                    "code": p.code,
                    "name": p.name,
                    "field": p.field.name if p.field else "",
                    "level": p.level,
                    "online_level": p.online_level,
                    "processing_time": p.current_version.processing_time if p.current_version else None,
                    "processing_time_unit": p.current_version.processing_time_unit if p.current_version else "",
                    "url": url.format(code=p.code),
                }
                for p in rows
            ],
        }
    )
    return data.model_dump_json()


def _detail(procedure: Procedure) -> dict[str, Any]:
    """The exchange format's description of the current version, with names and links for readers."""
    version: ProcedureVersion | None = procedure.current_version
    if version is None:
        raise NotFoundOrForbidden("Không tìm thấy thủ tục.")
    version.procedure = procedure
    kind_names = dict(Agency.Kind.choices)
    data = exchange.version_exchange_dict(version)
    data.update(
        version=version.number,
        field_code=version.field.code,
        field_name=version.field.name,
        agency_kinds=[
            {"kind": kind, "name": str(kind_names.get(kind, kind)), "label": label}
            for kind, label in zip(version.agency_kinds or [], version.agency_kind_labels, strict=True)
        ],
        agencies=[{"electronic_code": a.electronic_code, "name": a.name} for a in version.agencies.all()],
        deciding_agency_count=selectors.version_deciding_agencies(version).count(),
        links={
            "deciding_agencies": _agencies_url(procedure.code, "deciding"),
            "receiving_agencies": _agencies_url(procedure.code, "receiving"),
        },
        decision={"number": version.decision_number, "date": version.decision_date},
        effective_from=version.effective_from,
        url=_url_template().format(code=procedure.code),
    )
    for position, step in enumerate(data["process_steps"], start=1):
        step["position"] = position
    for item, document in zip(data["documents"], version.documents.all(), strict=True):
        item["id"] = document.pk
    return data


def _agencies_url(code: str, role: str) -> str:
    try:
        path = reverse("api:procedure_agencies", kwargs={"code": code})
    except NoReverseMatch:
        path = f"/api/v1/procedures/{code}/agencies"
    return f"{path}?role={role}"


@router.get(
    "/procedures/{code}",
    response={200: ProcedureDetailOut, 404: ErrorOut},
    auth=public_auth,
    summary="Chi tiết thủ tục (phiên bản đang áp dụng)",
)
def procedure_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return _detail(selectors.procedure_get_published(code=code[:40]))


AGENCY_ROLES = ("deciding", "receiving")
MAX_UNIT_CODE = 10


@router.get(
    "/procedures/{code}/agencies",
    response={200: AgencyPageOut, 404: ErrorOut, 422: ErrorOut},
    auth=public_auth,
    url_name="procedure_agencies",
    summary="Cơ quan giải quyết, nơi tiếp nhận hồ sơ của thủ tục",
    description=(
        "`role=deciding`: các cơ quan giải quyết hồ sơ của thủ tục (các cơ quan được nêu và mọi cơ quan đang "
        "hoạt động thuộc các loại cơ quan thực hiện, ví dụ mọi UBND cấp xã); `role=receiving`: mọi nơi tiếp nhận "
        "hồ sơ trong tỉnh (không phụ thuộc địa giới hành chính). Lọc theo đơn vị hành chính (`unit`) và tên "
        "(`q`); có phân trang. Mã định danh điện tử là giá trị `deciding_agency`, `receiving_agency` khi nộp hồ sơ."
    ),
)
def procedure_agencies(request: HttpRequest, code: str, filters: Query[AgencyFilters]) -> dict[str, Any]:
    procedure = selectors.procedure_get_published(code=code[:40])
    role = _choice(filters.role or "deciding", "role", [(r, r) for r in AGENCY_ROLES]) or "deciding"
    page = _positive(filters.page, "page")
    page_size = _positive(filters.page_size, "page_size", maximum=MAX_PAGE_SIZE)
    if len(filters.q) > MAX_QUERY_LENGTH:
        raise BadQuery(f"Từ khoá dài tối đa {MAX_QUERY_LENGTH} ký tự.")
    unit = filters.unit.strip()
    if len(unit) > MAX_UNIT_CODE:
        raise BadQuery(f"Mã đơn vị hành chính dài tối đa {MAX_UNIT_CODE} ký tự.")
    version = procedure.current_version
    assert version is not None  # procedure_get_published guarantees it
    agencies = selectors.version_deciding_agencies(version) if role == "deciding" else selectors.receiving_agencies()
    agencies = selectors.agencies_narrowed(agencies, unit_code=unit, query=filters.q)
    count = Paginator(agencies, page_size).count
    offset = (page - 1) * page_size
    rows = list(agencies[offset : offset + page_size]) if offset < count else []
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "results": [
            {
                "electronic_code": a.electronic_code,
                "name": a.name,
                "kind": a.kind,
                "unit": {"code": a.unit.code, "name": a.unit.name},
            }
            for a in rows
        ],
    }


@router.get("/fields", response=list[FieldOut], auth=public_auth, summary="Các lĩnh vực có thủ tục đang công bố")
def field_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"code": f.code, "name": f.name, "procedure_count": f.procedure_count}  # type: ignore[attr-defined]
        for f in selectors.field_list_with_counts()
    ]


# ---------------------------------------------------------------- catalog manager endpoints


@router.post(
    "/catalog/import",
    response={200: ImportOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    auth=api_auth,
    summary="Nhập danh mục thủ tục (JSON, định dạng cqs-catalog/1)",
    description=(
        "Thân yêu cầu là tài liệu JSON theo docs/catalog-format.md. Nhập tất cả hoặc không gì cả: "
        "có lỗi thì danh mục giữ nguyên và câu trả lời liệt kê mọi lỗi kèm vị trí. "
        "`?publish=true` kiểm tra và công bố luôn từng phiên bản theo quyết định ghi trong tệp."
    ),
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}, "required": True}},
)
def catalog_import(request: HttpRequest, publish: bool = False) -> dict[str, int]:
    actor = _require_manager(request)
    try:
        body = request.body
    except RequestDataTooBig as error:
        raise ValidationFailed("Tệp quá lớn để nhập qua API.", code="too_large") from error
    result = exchange.catalog_import_json(payload=body, actor=actor, publish=publish)
    return result.as_dict()


@router.get(
    "/catalog/export",
    response={200: dict[str, Any], 401: ErrorOut, 404: ErrorOut},
    auth=api_auth,
    summary="Xuất danh mục thủ tục (JSON, định dạng cqs-catalog/1)",
    description="`codes` là danh sách mã thủ tục cách nhau bằng dấu phẩy; bỏ trống để xuất cả danh mục.",
)
def catalog_export(request: HttpRequest, codes: str = "") -> dict[str, Any]:
    _require_manager(request)
    selected = [c.strip() for c in codes.split(",") if c.strip()] or None
    return exchange.catalog_export_json(codes=selected)
