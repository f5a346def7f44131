"""The dossiers' REST endpoints, mounted at /api/v1/ (see config/api.py).

Every handler reads the caller's dossier through the selectors (what the caller may not see is
"not found"), validates the body against a strict schema (Vietnamese errors, 422) and calls one
service of ``cqs.dossiers.services``; the service checks the caller's right (404) and the state
(409, naming the state). Bodies are parsed here rather than by Ninja so that malformed JSON,
oversized requests and broken multipart bodies get the same Vietnamese error shape.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any, TypeVar

import ninja
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from pydantic import BaseModel

from cqs.accounts.api.auth import api_auth, public_auth
from cqs.accounts.permissions import roles_by_agency
from cqs.catalog import selectors as catalog_selectors
from cqs.catalog.models import ProcessStep
from cqs.core.api import (
    ErrorOut,
    Unprocessable,
    api_actor,
    json_body,
    multipart_files,
    multipart_payload,
    service_run,
)
from cqs.core.errors import NotFoundOrForbidden
from cqs.core.uploads import download_response, kind_extension
from cqs.dossiers import selectors, services
from cqs.dossiers.api.schemas import (
    ApologyIn,
    ApproveIn,
    AttachmentIn,
    CounterFilingIn,
    DeliveryIn,
    DossierDetailOut,
    DossierFilters,
    DossierPageOut,
    DossierStateOut,
    EmptyIn,
    FilingIn,
    FinishIn,
    LookupOut,
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
    errors_vi,
)
from cqs.dossiers.models import OPEN_STATUSES, Channel, Dossier, DossierFile, FormalNotice, Status
from cqs.dossiers.permissions import DOSSIER_ROLES, dossiers_visible_to, may_act
from cqs.units.models import Agency

router = Router(tags=["Hồ sơ"])

MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 200
MAX_ID = 2**31 - 1
CITIZEN_BOXES = ("open", "closed")

M = TypeVar("M", bound=BaseModel)


# ---------------------------------------------------------------- reading the request


def _json_body(request: HttpRequest, schema: type[M]) -> M:
    return json_body(request, schema, errors=errors_vi)


def _multipart(request: HttpRequest, schema: type[M], *, file_field: str = "files") -> tuple[M, list[UploadedFile]]:
    """The ``payload`` part (a JSON document) and the uploaded files, in order."""
    raw, (files,) = multipart_files(request, file_field)
    return multipart_payload(raw, schema, errors=errors_vi), files


def _attachments(
    items: list[AttachmentIn], files: list[UploadedFile], *, source: str = DossierFile.Source.UPLOAD
) -> list[services.Attachment]:
    needing = [item for item in items if item.stored_paper_id is None]
    if len(needing) != len(files):
        raise Unprocessable(
            _("Số tệp gửi kèm (%(files)d) không khớp với số giấy tờ cần tệp (%(items)d).")
            % {"files": len(files), "items": len(needing)},
            extra={"errors": [{"field": "files", "message": _("Mỗi giấy tờ không có stored_paper_id cần một tệp.")}]},
        )
    uploads = iter(files)
    return [
        services.Attachment(
            required_document_id=item.required_document_id,
            name=item.name,
            stored_paper_id=item.stored_paper_id,
            upload=None if item.stored_paper_id is not None else next(uploads),
            source=source,
        )
        for item in items
    ]


def _agency(code: str, field: str) -> Agency:
    agency = Agency.objects.filter(electronic_code=code).first() if code else None
    if agency is None:
        raise Unprocessable(
            _("Không tìm thấy cơ quan có mã định danh “%(code)s”.") % {"code": code[:60]},
            extra={"errors": [{"field": field, "message": _("Mã định danh điện tử không đúng.")}]},
        )
    return agency


def _filing(payload: FilingIn, files: list[UploadedFile], *, source: str) -> services.Filing:
    try:
        procedure = catalog_selectors.procedure_get_published(code=payload.procedure)
    except NotFoundOrForbidden as error:
        raise Unprocessable(
            _("Không tìm thấy thủ tục đang công bố có mã “%(code)s”.") % {"code": payload.procedure},
            extra={"errors": [{"field": "procedure", "message": _("Mã thủ tục không đúng.")}]},
        ) from error
    assert procedure.current_version is not None  # procedure_get_published guarantees it
    deciding = _agency(payload.deciding_agency, "deciding_agency")
    receiving = _agency(payload.receiving_agency, "receiving_agency") if payload.receiving_agency else deciding
    extra: dict[str, Any] = {}
    if isinstance(payload, CounterFilingIn):
        extra["sets_count"] = payload.sets_count
    return services.Filing(
        version=procedure.current_version,
        receiving_agency=receiving,
        deciding_agency=deciding,
        form_data=dict(payload.form_data),
        attachments=_attachments(payload.attachments, files, source=source),
        applicant_name=payload.applicant_name,
        applicant_id_number=payload.applicant_id_number,
        applicant_address=payload.applicant_address,
        applicant_phone=payload.applicant_phone,
        applicant_email=payload.applicant_email,
        filing_mode=payload.filing_mode,
        principal_name=payload.principal_name,
        principal_id_number=payload.principal_id_number,
        authorisation_note=payload.authorisation_note,
        assisted_by=payload.assisted_by,
        delivery=payload.delivery,
        **extra,
    )


def _visible(user: Any, code: str) -> Dossier:
    dossier = dossiers_visible_to(user).filter(code=code[:60]).first()
    if dossier is None:
        raise NotFoundOrForbidden(_("Không tìm thấy hồ sơ."))
    return dossier


def _positive(value: str, name: str, *, maximum: int) -> int:
    text = (value or "").strip()
    if not text.isdigit() or not 1 <= int(text[:12]) <= maximum:
        raise Unprocessable(
            _("Tham số %(name)s phải là số nguyên từ 1 đến %(maximum)d.") % {"name": name, "maximum": maximum},
            extra={"errors": [{"field": name, "message": _("Giá trị không hợp lệ.")}]},
        )
    return int(text)


# ---------------------------------------------------------------- building answers


def _local(value: Any) -> Any:
    return timezone.localtime(value) if value is not None else None


def _url(name: str, fallback: str, **kwargs: Any) -> str:
    try:
        return reverse(f"api:{name}", kwargs=kwargs)
    except NoReverseMatch:
        return fallback


def _links(code: str) -> dict[str, str]:
    return {
        "self": _url("dossier_detail", f"/api/v1/dossiers/{code}", code=code),
        "lookup": _url("dossier_lookup", f"/api/v1/dossiers/lookup/{code}", code=code),
    }


def _agency_ref(agency: Agency) -> dict[str, str]:
    return {"electronic_code": agency.electronic_code, "name": agency.name}


def _sees_personal_data(user: Any, dossier: Dossier) -> bool:
    """The applicant, and officials who handle dossiers at one of the dossier's agencies.

    ``dossiers_visible_to`` already keeps other officials out; this second check keeps personal data
    out of any answer should visibility ever be widened (e.g. for statistics roles).
    """
    if dossier.applicant_id is not None and dossier.applicant_id == getattr(user, "pk", None):
        return True
    roles = roles_by_agency(user)
    agencies = (dossier.receiving_agency_id, dossier.deciding_agency_id, dossier.current_agency_id)
    return any(roles.get(agency, set()) & DOSSIER_ROLES for agency in agencies)


def _state(dossier: Dossier) -> dict[str, Any]:
    return {
        "code": dossier.code,
        "status": dossier.status,
        "status_label": str(Status(dossier.status).label),
        "national_status": dossier.national_status,
        "current_step": dossier.current_step,
        "current_role": dossier.current_role,
        "current_agency": _agency_ref(dossier.current_agency),
        "due_at": _local(dossier.due_at),
        "links": _links(dossier.code),
    }


# The API's name of each service action.
ACTION_PATHS: dict[str, str] = {
    "accept": "accept",
    "refuse": "refuse",
    "request_supplement": "request-supplement",
    "answer_supplement": "supplement",
    "forward": "forward",
    "approve": "approve",
    "send_back": "send-back",
    "transfer": "transfer",
    "transfer_return": "transfer-return",
    "request_payment": "request-payment",
    "record_payment": "record-payment",
    "apologise": "apologise",
    "stop": "stop",
    "withdraw": "withdraw",
    "confirm_withdrawal": "confirm-withdrawal",
    "finish": "finish",
    "return_result": "return",
    "choose_delivery": "delivery",
    "rate": "rate",
    "draft_result": "draft-result",
}


def _steps_left(dossier: Dossier) -> bool:
    """Whether handling steps remain after the current one (then the handler forwards, not finishes)."""
    return (
        dossier.version.process_steps.filter(position__gt=dossier.current_step or 0)
        .exclude(unit_kind=ProcessStep.UnitKind.ONE_STOP)
        .exists()
    )


def _available_actions(user: Any, dossier: Dossier) -> list[str]:
    available = []
    for action, path in ACTION_PATHS.items():
        if dossier.status not in services.ALLOWED[action]:
            continue
        right = action
        if action == "request_supplement":
            right = "accept" if dossier.status == Status.SUBMITTED else "forward"
        if action == "draft_result":
            right = "approve" if dossier.status == Status.AWAITING_APPROVAL else "forward"
        if action == "rate" and dossier.rating is not None:
            continue
        if action == "finish" and _steps_left(dossier):
            continue
        if may_act(user, right, dossier):
            available.append(path)
    return available


def _detail(user: Any, dossier: Dossier) -> dict[str, Any]:
    personal = _sees_personal_data(user, dossier)
    applicant = None
    if personal:
        applicant = {
            "name": dossier.applicant_name,
            "id_number": dossier.applicant_id_number,
            "address": dossier.applicant_address,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
            "filing_mode": dossier.filing_mode,
            "principal_name": dossier.principal_name,
            "principal_id_number": dossier.principal_id_number,
            "authorisation_note": dossier.authorisation_note,
            "assisted_by": dossier.assisted_by,
        }
    labels = services.ACTION_LABELS
    return {
        "code": dossier.code,
        "procedure": {
            "code": dossier.procedure.code,
            "name": dossier.version.name,
            "version": dossier.version.number,
        },
        "status": dossier.status,
        "status_label": str(Status(dossier.status).label),
        "national_status": dossier.national_status,
        "channel": dossier.channel,
        "channel_label": str(Channel(dossier.channel).label),
        "receiving_agency": _agency_ref(dossier.receiving_agency),
        "deciding_agency": _agency_ref(dossier.deciding_agency),
        "current_agency": _agency_ref(dossier.current_agency),
        "current_step": dossier.current_step,
        "current_role": dossier.current_role,
        "submitted_at": _local(dossier.submitted_at),
        "received_at": _local(dossier.received_at),
        "due_at": _local(dossier.due_at),
        "original_due_at": _local(dossier.original_due_at),
        "paused_since": _local(dossier.paused_since),
        "finished_at": _local(dossier.finished_at),
        "returned_at": _local(dossier.returned_at),
        "closed_at": _local(dossier.closed_at),
        "timing": dossier.timing,
        "delivery": dossier.delivery,
        "fee_total": dossier.fee_total,
        "fee_paid_at": _local(dossier.fee_paid_at),
        "result_summary": dossier.result_summary,
        "rating": dossier.rating,
        "applicant": applicant,
        "form_data": dossier.form_data if personal else None,
        "events": [
            {
                "at": _local(e.at),
                "action": e.action,
                "action_label": labels.get(e.action, e.action),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "national_status": e.national_status,
                "note": e.note,
            }
            for e in dossier.events.all()
        ],
        "steps": [
            {
                "position": s.position,
                "name": s.name,
                "role": s.role,
                "agency": _agency_ref(s.agency),
                "started_at": _local(s.started_at),
                "due_at": _local(s.due_at),
                "finished_at": _local(s.finished_at),
                "timing": s.timing,
                "outcome": s.outcome,
            }
            for s in dossier.steps.all()
        ],
        "files": [
            {
                "id": f.pk,
                "name": f.name,
                "source": f.source,
                "kind": f.kind,
                "size": f.size,
                "sha256": f.sha256,
                "verification_code": f.verification_code,
                "created_at": _local(f.created_at),
                "url": _url(
                    "dossier_file",
                    f"/api/v1/dossiers/{dossier.code}/files/{f.pk}",
                    code=dossier.code,
                    file_id=f.pk,
                ),
            }
            for f in (dossier.files.all() if personal else [])
        ],
        "supplement_requests": [
            {
                "items": list(r.items),
                "reason": r.reason,
                "contact": r.contact,
                "requested_at": _local(r.requested_at),
                "answered_at": _local(r.answered_at),
            }
            for r in dossier.supplement_requests.all()
        ],
        "notices": [
            {
                "form": n.form,
                "form_label": str(FormalNotice.Form(n.form).label),
                "reason": n.reason,
                "new_due_at": _local(n.new_due_at),
                "issued_at": _local(n.issued_at),
            }
            for n in dossier.notices.all()
        ],
        "actions": _available_actions(user, dossier),
        "links": _links(dossier.code),
    }


def _openapi_body(schema: type[BaseModel], *, multipart: str | None = None) -> dict[str, Any]:
    """A request body in the OpenAPI document (JSON, or multipart with a JSON ``payload`` part)."""
    json_schema = _inline(schema.model_json_schema())
    if multipart is None:
        content = {"application/json": {"schema": json_schema}}
    else:
        properties: dict[str, Any] = {
            "payload": {
                "type": "string",
                "description": _("Tài liệu JSON theo lược đồ sau: ") + json.dumps(json_schema, ensure_ascii=False),
            }
        }
        if multipart == "files":
            properties["files"] = {
                "type": "array",
                "items": {"type": "string", "format": "binary"},
                "description": _("Các tệp (PDF, JPEG, PNG), theo thứ tự các giấy tờ không có stored_paper_id."),
            }
        else:
            properties[multipart] = {
                "type": "string",
                "format": "binary",
                "description": _("Tệp kết quả (PDF, JPEG, PNG), không bắt buộc."),
            }
        content = {
            "multipart/form-data": {
                "schema": {"type": "object", "required": ["payload"], "properties": properties},
            }
        }
    return {"requestBody": {"required": multipart is not None, "content": content}}


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace ``$ref``s to ``$defs`` by the definitions themselves (our schemas are not recursive)."""
    definitions = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(copy.deepcopy(definitions[ref.split("/")[-1]]))
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    result: dict[str, Any] = walk(schema)
    return result


ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}


# ---------------------------------------------------------------- filing


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
        "một phần `files`, theo đúng thứ tự. Trả về mã hồ sơ và trạng thái (201)."
    ),
    openapi_extra=_openapi_body(FilingIn, multipart="files"),
)
def dossier_submit(request: HttpRequest) -> ninja.Status:
    user = api_actor(request)
    payload, files = _multipart(request, FilingIn)
    filing = _filing(payload, files, source=DossierFile.Source.UPLOAD)
    dossier = service_run(services.dossier_submit_online, applicant=user, filing=filing)
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
        "Hồ sơ được tiếp nhận ngay, bắt đầu tính thời hạn. Chỉ cán bộ Một cửa của nơi tiếp nhận."
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


# ---------------------------------------------------------------- reading


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
                "applicant_name": d.applicant_name if _sees_personal_data(user, d) else None,
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
    response={200: LookupOut, 404: ErrorOut},
    auth=public_auth,
    url_name="dossier_lookup",
    summary="Tra cứu tình trạng hồ sơ (công khai)",
    description="Ai cũng tra cứu được bằng mã hồ sơ; không có thông tin cá nhân của người nộp.",
)
def dossier_lookup(request: HttpRequest, code: str) -> dict[str, Any]:
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
    "/dossiers/{code}/files/{file_id}",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    auth=api_auth,
    url_name="dossier_file",
    summary="Tải một giấy tờ của hồ sơ",
    description="Chỉ người nộp và cán bộ xử lý hồ sơ tải được; còn lại là “không tìm thấy”.",
    openapi_extra={
        "responses": {
            "200": {
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
    if not _sees_personal_data(user, item.dossier):
        raise NotFoundOrForbidden(_("Không tìm thấy giấy tờ."))
    try:
        handle = item.file.open("rb")
    except OSError as error:
        raise NotFoundOrForbidden(_("Không tìm thấy giấy tờ.")) from error
    return download_response(
        handle, filename=f"{item.name}.{kind_extension(item.kind)}", kind=item.kind, size=item.size
    )


# ---------------------------------------------------------------- actions with a JSON body

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


# ---------------------------------------------------------------- actions with files


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
