"""REST endpoints of incoming documents (văn bản đến), mounted at /api/v1/.

Reads go through ``incoming.selectors`` (what the caller may not see is "not found", 404); each
write calls one service of ``incoming.services``, which checks the caller's right (404) and the
state (409, naming the state). Bodies are parsed here, so malformed JSON, oversized requests and
broken multipart bodies get the same Vietnamese error shape as a rule the service refuses (422).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import ninja
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from cqs.accounts.api.auth import api_auth
from cqs.accounts.models import User
from cqs.core.api import (
    ApiDate,
    ErrorOut,
    StrictBody,
    Unprocessable,
    api_actor,
    multipart_files,
    multipart_payload,
    service_run,
)
from cqs.core.errors import NotFoundOrForbidden
from cqs.documents.api import common
from cqs.documents.downloads import file_download
from cqs.documents.incoming import selectors, services, transitions
from cqs.documents.models import (
    Channel,
    Department,
    DocumentFile,
    DocumentType,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
)
from cqs.units.models import Agency

router = Router(tags=["Văn bản đến"])

ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}


# ---------------------------------------------------------------- bodies


class RegisterIn(StrictBody):
    agency: str = Field(max_length=40, description="Mã định danh điện tử của cơ quan nhận (sổ của cơ quan nào).")
    channel: str = Field(max_length=12, description="paper (văn bản giấy) hoặc electronic (văn bản điện tử).")
    sender_name: str = Field(max_length=300)
    sender_code: str = Field("", max_length=40)
    code_number: str = Field("", max_length=20)
    code_notation: str = Field("", max_length=60)
    document_date: ApiDate | None = None
    document_type: int = Field(ge=1, le=common.MAX_ID, description="Mã (id) loại văn bản.")
    subject: str = Field(max_length=1000)
    signer_name: str = Field("", max_length=200)
    urgency: str = Field("normal", max_length=12)
    secrecy: str = Field("normal", max_length=12)
    reply_due: ApiDate | None = None
    note: str = Field("", max_length=500)


class DirectIn(StrictBody):
    instruction: str = Field(max_length=5000)
    lead_department: int = Field(ge=1, le=common.MAX_ID)
    coordinating_departments: list[int] = Field(default_factory=list, max_length=50)
    deadline: ApiDate | None = None


class AssignIn(StrictBody):
    handler: int = Field(ge=1, le=common.MAX_ID, description="Mã (id) tài khoản chuyên viên của đơn vị chủ trì.")
    note: str = Field("", max_length=5000)


class CommentIn(StrictBody):
    text: str = Field(max_length=5000)


class ProposeIn(StrictBody):
    proposal: str = Field(max_length=5000)


class CompleteIn(StrictBody):
    note: str = Field("", max_length=5000)
    reply: int | None = Field(None, ge=1, le=common.MAX_ID, description="Mã (id) văn bản đi trả lời, nếu có.")


class ReturnIn(StrictBody):
    reason: str = Field(max_length=500)


def _multipart(request: HttpRequest) -> tuple[RegisterIn, list[UploadedFile], list[UploadedFile]]:
    raw, (main, attachments) = multipart_files(request, "main", "attachments")
    payload = multipart_payload(raw, RegisterIn)
    if len(main) > 1:
        raise Unprocessable(_("Chỉ gửi một tệp văn bản chính (phần main)."))
    return payload, main, attachments


def _visible(user: Any, pk: int) -> IncomingDocument:
    if not common.in_range(pk):
        raise NotFoundOrForbidden(_("Không tìm thấy văn bản đến."))
    return selectors.incoming_for(user=user, pk=pk)


# ---------------------------------------------------------------- answers


class DepartmentOut(Schema):
    id: int
    name: str
    abbreviation: str


class IncomingRowOut(Schema):
    id: int
    number: int
    year: int
    register_code: str
    received_at: dt.datetime
    channel: str
    sender_name: str
    code: str
    document_type: str
    subject: str
    urgency: str
    secrecy: str
    status: str
    status_label: str
    deadline: dt.date | None
    overdue: bool
    due_soon: bool


class IncomingPageOut(Schema):
    count: int
    page: int
    page_size: int
    counts: dict[str, int]
    results: list[IncomingRowOut]


class CommentOut(Schema):
    id: int
    author: common.PersonOut
    text: str
    created_at: dt.datetime


class IncomingDetailOut(IncomingRowOut):
    agency: str
    sender_code: str
    code_number: str
    code_notation: str
    document_date: dt.date | None
    signer_name: str
    reply_due: dt.date | None
    note: str
    return_reason: str
    instruction: str
    directed_by: common.PersonOut | None
    directed_at: dt.datetime | None
    lead_department: DepartmentOut | None
    coordinating_departments: list[DepartmentOut]
    handler: common.PersonOut | None
    assignment_note: str
    proposal: str
    completed_at: dt.datetime | None
    files: list[common.FileOut]
    comments: list[CommentOut]
    replies: list[int]
    actions: list[str]


def _department(department: Department | None) -> dict[str, Any] | None:
    if department is None:
        return None
    return {"id": department.pk, "name": department.name, "abbreviation": department.abbreviation}


def _row(document: IncomingDocument, *, today: dt.date) -> dict[str, Any]:
    badge = selectors.deadline_badge(document, today=today)
    return {
        "id": document.pk,
        "number": document.number,
        "year": document.year,
        "register_code": document.register,
        "received_at": timezone.localtime(document.received_at),
        "channel": document.channel,
        "sender_name": document.sender_name,
        "code": document.code,
        "document_type": document.document_type.name,
        "subject": document.subject,
        "urgency": document.urgency,
        "secrecy": document.secrecy,
        "status": document.status,
        "status_label": str(IncomingStatus(document.status).label),
        "deadline": document.deadline,
        "overdue": badge == "late",
        "due_soon": badge == "due_soon",
    }


def _file_url(document: IncomingDocument, item: DocumentFile) -> str:
    return f"/api/v1/documents/incoming/{document.pk}/files/{item.pk}"


def _detail(user: Any, document: IncomingDocument) -> dict[str, Any]:
    local = timezone.localtime
    return {
        **_row(document, today=timezone.localdate()),
        "agency": document.agency.electronic_code,
        "sender_code": document.sender_code,
        "code_number": document.code_number,
        "code_notation": document.code_notation,
        "document_date": document.document_date,
        "signer_name": document.signer_name,
        "reply_due": document.reply_due,
        "note": document.note,
        "return_reason": document.return_reason,
        "instruction": document.instruction,
        "directed_by": common.person(document.directed_by),
        "directed_at": local(document.directed_at) if document.directed_at else None,
        "lead_department": _department(document.lead_department),
        "coordinating_departments": [_department(d) for d in document.coordinating_departments.all()],
        "handler": common.person(document.handler),
        "assignment_note": document.assignment_note,
        "proposal": document.proposal,
        "completed_at": local(document.completed_at) if document.completed_at else None,
        "files": [
            common.file_out(f, url=f"/api/v1/documents/incoming/{document.pk}/files/{f.pk}")
            for f in document.files.all()
        ],
        "comments": [
            {"id": c.pk, "author": common.person(c.author), "text": c.text, "created_at": local(c.created_at)}
            for c in document.comments.all()
        ],
        "replies": [r.pk for r in document.replies.all()],
        "actions": [a.replace("_", "-") for a in transitions.available_actions(user, document)],
    }


def _fresh(user: Any, document: IncomingDocument) -> dict[str, Any]:
    return _detail(user, selectors.incoming_for(user=user, pk=document.pk))


# ---------------------------------------------------------------- reading


class ListFilters(Schema):
    box: str = Field("all", description="to_direct, lead, mine, coordinate, due_soon, late hoặc all.")
    status: str = Field("", description="registered, assigned, in_progress, completed hoặc returned.")
    q: str = Field("", description="Số đến, số ký hiệu, nơi gửi hoặc trích yếu (có dấu hay không dấu).")
    page: int = 1
    page_size: int = 30


@router.get(
    "/documents/incoming",
    response={200: IncomingPageOut, 401: ErrorOut, 422: ErrorOut},
    auth=api_auth,
    url_name="incoming_list",
    summary="Danh sách văn bản đến người gọi được xem",
    description=(
        "Theo hộp công việc (`box`), trạng thái (`status`) và từ khoá (`q`); văn bản khẩn trước. Có phân trang."
    ),
)
def incoming_list(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    user = api_actor(request)
    if filters.box not in selectors.BOXES:
        raise common.field_error("box", _("Tham số box phải là một trong: %(b)s.") % {"b": ", ".join(selectors.BOXES)})
    if filters.status and filters.status not in IncomingStatus.values:
        raise common.field_error(
            "status", _("Tham số status phải là một trong: %(s)s.") % {"s": ", ".join(IncomingStatus.values)}
        )
    if len(filters.q) > 200 or "\x00" in filters.q:
        raise common.field_error("q", _("Từ khoá dài tối đa 200 ký tự."))
    if not 1 <= filters.page <= 10**6 or not 1 <= filters.page_size <= common.MAX_PAGE_SIZE:
        raise common.field_error(
            "page", _("Tham số page từ 1, page_size từ 1 đến %(n)d.") % {"n": common.MAX_PAGE_SIZE}
        )
    documents = selectors.incoming_list(user=user, box=filters.box, query=filters.q, status=filters.status)
    count = documents.count()
    offset = (filters.page - 1) * filters.page_size
    rows = list(documents[offset : offset + filters.page_size]) if offset < count else []
    today = timezone.localdate()
    return {
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "counts": selectors.box_counts(user=user, today=today),
        "results": [_row(d, today=today) for d in rows],
    }


@router.get(
    "/documents/incoming/{pk}",
    response={200: IncomingDetailOut, 401: ErrorOut, 404: ErrorOut},
    auth=api_auth,
    url_name="incoming_detail",
    summary="Chi tiết văn bản đến và phiếu giải quyết",
)
def incoming_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = api_actor(request)
    return _detail(user, _visible(user, pk))


@router.get(
    "/documents/incoming/{pk}/files/{file_id}",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    auth=api_auth,
    url_name="incoming_file",
    summary="Tải tệp của văn bản đến",
)
def incoming_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    user = api_actor(request)
    if not common.in_range(pk, file_id):
        raise NotFoundOrForbidden(_("Không tìm thấy tệp."))
    item: DocumentFile = selectors.incoming_file_for(user=user, pk=pk, file_id=file_id)
    return file_download(item)


# ---------------------------------------------------------------- writing


@router.post(
    "/documents/incoming",
    response={201: IncomingDetailOut, 400: ErrorOut, **ERRORS},
    auth=api_auth,
    url_name="incoming_register",
    summary="Vào sổ văn bản đến",
    description=(
        "Văn thư của cơ quan vào sổ văn bản đến (multipart/form-data): phần `payload` là JSON "
        "(cơ quan, hình thức nhận, nơi gửi, số, ký hiệu, ngày văn bản yyyy-mm-dd, loại, trích yếu, độ khẩn, độ mật), "
        "phần `main` là tệp văn bản (bản quét PDF, JPEG, PNG; văn bản điện tử: PDF), các phần `attachments` là "
        "phụ lục. Số đến do hệ thống cấp."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["payload"],
                        "properties": {
                            "payload": {
                                "type": "string",
                                "description": json.dumps(RegisterIn.model_json_schema(), ensure_ascii=False),
                            },
                            "main": {"type": "string", "format": "binary"},
                            "attachments": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        },
                    }
                }
            },
        }
    },
)
def incoming_register(request: HttpRequest) -> ninja.Status:
    user = api_actor(request)
    payload, main, attachments = _multipart(request)
    agency = Agency.objects.filter(electronic_code=payload.agency).first()
    if agency is None:
        raise NotFoundOrForbidden(_("Không tìm thấy sổ văn bản đến của cơ quan này."))
    document_type = DocumentType.objects.filter(pk=payload.document_type).first()
    if document_type is None:
        raise common.field_error("document_type", _("Không có loại văn bản này."))
    main_kind = DocumentFile.Kind.MAIN if payload.channel == Channel.ELECTRONIC else DocumentFile.Kind.SCAN
    files = service_run(
        lambda: (
            [services.IncomingFile.from_upload(f, kind=main_kind) for f in main]
            + [services.IncomingFile.from_upload(f, kind=DocumentFile.Kind.ATTACHMENT) for f in attachments]
        )
    )
    values = payload.model_dump(exclude={"agency", "document_type"})
    document = service_run(
        services.incoming_register, agency=agency, actor=user, document_type=document_type, files=files, **values
    )
    return ninja.Status(201, _fresh(user, document))


def _department_of(document: IncomingDocument, pk: int, field: str) -> Department:
    found = Department.objects.filter(pk=pk, agency_id=document.agency_id).first()
    if found is None:
        raise common.field_error(field, _("Không có đơn vị này trong cơ quan."))
    return found


@router.post(
    "/documents/incoming/{pk}/direct",
    response={200: IncomingDetailOut, **ERRORS},
    auth=api_auth,
    url_name="incoming_direct",
    summary="Lãnh đạo cho ý kiến chỉ đạo, giao đơn vị chủ trì",
)
def incoming_direct(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = api_actor(request)
    document = _visible(user, pk)
    body = common.body(request, DirectIn)
    lead = _department_of(document, body.lead_department, "lead_department")
    coordinators = [_department_of(document, d, "coordinating_departments") for d in body.coordinating_departments]
    service_run(
        services.incoming_direct,
        incoming=document,
        actor=user,
        instruction=body.instruction,
        lead_department=lead,
        coordinating_departments=coordinators,
        deadline=body.deadline,
    )
    return _fresh(user, document)


@router.post(
    "/documents/incoming/{pk}/assign-handler",
    response={200: IncomingDetailOut, **ERRORS},
    auth=api_auth,
    url_name="incoming_assign_handler",
    summary="Lãnh đạo đơn vị chủ trì giao chuyên viên xử lý",
)
def incoming_assign_handler(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = api_actor(request)
    document = _visible(user, pk)
    body = common.body(request, AssignIn)
    handler = User.objects.filter(pk=body.handler, is_active=True).first()
    if handler is None:
        raise common.field_error("handler", _("Không có tài khoản này."))
    service_run(services.incoming_assign_handler, incoming=document, actor=user, handler=handler, note=body.note)
    return _fresh(user, document)


@router.post(
    "/documents/incoming/{pk}/comment",
    response={200: IncomingDetailOut, **ERRORS},
    auth=api_auth,
    url_name="incoming_comment",
    summary="Góp ý kiến về văn bản đến",
)
def incoming_comment(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = api_actor(request)
    document = _visible(user, pk)
    body = common.body(request, CommentIn)
    service_run(services.incoming_comment, incoming=document, actor=user, text=body.text)
    return _fresh(user, document)


@router.post(
    "/documents/incoming/{pk}/propose",
    response={200: IncomingDetailOut, **ERRORS},
    auth=api_auth,
    url_name="incoming_propose",
    summary="Chuyên viên ghi ý kiến đề xuất",
)
def incoming_propose(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = api_actor(request)
    document = _visible(user, pk)
    body = common.body(request, ProposeIn)
    service_run(services.incoming_propose, incoming=document, actor=user, proposal=body.proposal)
    return _fresh(user, document)


@router.post(
    "/documents/incoming/{pk}/complete",
    response={200: IncomingDetailOut, **ERRORS},
    auth=api_auth,
    url_name="incoming_complete",
    summary="Hoàn thành xử lý văn bản đến",
)
def incoming_complete(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = api_actor(request)
    document = _visible(user, pk)
    body = common.body(request, CompleteIn)
    reply = None
    if body.reply is not None:
        reply = OutgoingDocument.objects.filter(pk=body.reply, agency_id=document.agency_id).first()
        if reply is None:
            raise common.field_error("reply", _("Không có văn bản đi này trong cơ quan."))
    service_run(services.incoming_complete, incoming=document, actor=user, note=body.note, reply=reply)
    return _fresh(user, document)


@router.post(
    "/documents/incoming/{pk}/return",
    response={200: IncomingDetailOut, **ERRORS},
    auth=api_auth,
    url_name="incoming_return",
    summary="Văn thư trả lại văn bản cho nơi gửi",
)
def incoming_return(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = api_actor(request)
    document = _visible(user, pk)
    body = common.body(request, ReturnIn)
    service_run(services.incoming_return, incoming=document, actor=user, reason=body.reason)
    return _fresh(user, document)
