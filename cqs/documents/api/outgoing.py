"""REST endpoints of outgoing documents (văn bản đi), mounted at /api/v1/.

Reads go through ``outgoing.selectors`` (what the caller may not see is "not found", 404); each
write calls one service of ``outgoing.services``, which checks the caller's right (404) and the
state (409, naming the state); a rule the service refuses is a 422 with its Vietnamese message.
Bodies are parsed here (their schemas: ``api.outgoing_schemas``), so malformed JSON and broken multipart
bodies get the same error shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ninja
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from cqs.accounts.api.auth import api_auth
from cqs.accounts.models import User
from cqs.core.api import (
    ErrorOut,
    Unprocessable,
    api_actor,
    multipart_files,
    service_run,
)
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.documents.api import common
from cqs.documents.api.outgoing_schemas import (
    CommentIn,
    CreateIn,
    EmptyIn,
    OutgoingDetailOut,
    OutgoingIn,
    OutgoingPageOut,
    ReasonIn,
    ReviewIn,
    SubmitIn,
)
from cqs.documents.downloads import file_download
from cqs.documents.exchange.recall import outgoing_recall
from cqs.documents.models import (
    Department,
    DocumentFile,
    DocumentType,
    IncomingDocument,
    OutgoingDocument,
    OutgoingStatus,
    Recipient,
)
from cqs.documents.outgoing import selectors as sel
from cqs.documents.outgoing import services as svc
from cqs.documents.outgoing import transitions
from cqs.documents.permissions import incoming_visible_to
from cqs.units.models import Agency

router = Router(tags=["Văn bản đi"])

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}


# ---------------------------------------------------------------- reading bodies


def _one_file(request: HttpRequest) -> Any:
    _raw, (files,) = multipart_files(request, "file")
    if len(files) != 1:
        raise Unprocessable(
            _("Gửi đúng một tệp PDF trong phần file (multipart/form-data)."),
            extra={"errors": [{"field": "file", "message": _("Thiếu tệp hoặc có nhiều hơn một tệp.")}]},
        )
    return files[0]


def _visible(user: Any, pk: int) -> OutgoingDocument:
    if not common.in_range(pk):
        raise NotFoundOrForbidden(_("Không tìm thấy văn bản."))
    return sel.outgoing_for(user=user, pk=pk)


def _service_kwargs(body: OutgoingIn) -> dict[str, Any]:
    """Ids of the body resolved to rows; an unknown id is a 422 naming its field."""
    department = Department.objects.filter(pk=body.drafting_department).select_related("agency").first()
    if department is None:
        raise common.field_error("drafting_department", _("Không tìm thấy đơn vị soạn thảo."))
    document_type = DocumentType.objects.filter(pk=body.document_type).first()
    if document_type is None:
        raise common.field_error("document_type", _("Không tìm thấy loại văn bản."))
    signer = User.objects.filter(pk=body.signer, is_active=True).first()
    if signer is None:
        raise common.field_error("signer", _("Người ký phải là lãnh đạo của cơ quan ban hành."))
    keeping = None
    if body.keeping_department is not None:
        keeping = Department.objects.filter(pk=body.keeping_department).first()
        if keeping is None:
            raise common.field_error("keeping_department", _("Không tìm thấy đơn vị lưu hồ sơ."))
    recipients = []
    for position, item in enumerate(body.recipients):
        agency = None
        if item.channel == Recipient.Channel.INTERNAL or (item.channel == Recipient.Channel.PAPER and item.agency):
            agency = Agency.objects.filter(electronic_code=item.agency).first() if item.agency else None
            if agency is None:
                raise common.field_error(
                    f"recipients.{position}.agency",
                    _("Không tìm thấy cơ quan có mã định danh “%(code)s”.") % {"code": item.agency},
                )
        recipients.append(
            svc.RecipientSpec(channel=item.channel, agency=agency, organ_id=item.organ_id, name=item.name)
        )
    return {
        "drafting_department": department,
        "document_type": document_type,
        "subject": body.subject,
        "urgency": body.urgency,
        "secrecy": body.secrecy,
        "signer": signer,
        "signing_authority": body.signing_authority,
        "signer_position": body.signer_position,
        "copies": body.copies,
        "keeping_department": keeping,
        "recipients": recipients,
    }


# ---------------------------------------------------------------- writing answers


def _local(value: Any) -> Any:
    return timezone.localtime(value) if value is not None else None


def _row(document: OutgoingDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "code": document.code,
        "status": document.status,
        "status_label": str(OutgoingStatus(document.status).label),
        "document_type": document.document_type.name,
        "subject": document.subject,
        "urgency": document.urgency,
        "secrecy": document.secrecy,
        "drafting_department": document.drafting_department.name,
        "drafter": common.person(document.drafter),
        "signer": common.person(document.signer),
        "issued_at": _local(document.issued_at),
        "url": f"/api/v1/documents/outgoing/{document.pk}",
    }


def _file_url(document: OutgoingDocument, item: DocumentFile) -> str:
    return f"/api/v1/documents/outgoing/{document.pk}/files/{item.pk}"


def _detail(user: Any, document: OutgoingDocument) -> dict[str, Any]:
    document = sel.outgoing_for(user=user, pk=document.pk)
    steps = [step for _round, round_steps in sel.review_rounds(document) for step in round_steps]
    return {
        **_row(document),
        "agency": document.agency.name,
        "number": document.number,
        "year": document.year,
        "notation": document.notation,
        "signing_authority": document.signing_authority,
        "signer_position": document.signer_position,
        "signed_at": _local(document.signed_at),
        "copies": document.copies,
        "verification_code": document.verification_code,
        "reply_to": document.reply_to_id,
        "recipients": [
            {
                "channel": r.channel,
                "name": r.name,
                "agency": r.agency.electronic_code if r.agency else None,
                "organ_id": r.organ_id,
                "sent_at": _local(r.sent_at),
                "status_code": r.status_code,
            }
            for r in document.recipients.select_related("agency")
        ],
        "files": [
            common.file_out(f, url=f"/api/v1/documents/outgoing/{document.pk}/files/{f.pk}")
            for f in sel.files_of(document)
        ],
        "review_steps": [
            {
                "round": s.round,
                "order": s.order,
                "reviewer": common.person(s.reviewer),
                "decision": s.decision,
                "comment": s.comment,
                "decided_at": _local(s.decided_at),
            }
            for s in steps
        ],
        "comments": [
            {
                "author": common.person(c.author),
                "text": c.text,
                "draft_version": c.draft_version,
                "created_at": _local(c.created_at),
            }
            for c in sel.comments_of(document)
        ],
        "actions": transitions.available_actions(user, document),
        "issued_late": sel.issued_late(document),
        "issued_file": issued.pk if (issued := sel.issued_file(document)) is not None else None,
    }


# ---------------------------------------------------------------- reading


class ListFilters(Schema):
    box: str = Field("all", max_length=20, description="drafting, to_review, to_sign, to_issue, issued, all.")
    q: str = Field("", max_length=200)
    page: int = Field(1, ge=1, le=10**6)
    page_size: int = Field(30, ge=1, le=common.MAX_PAGE_SIZE)


@router.get(
    "/documents/outgoing",
    response={200: OutgoingPageOut, **ERRORS},
    auth=api_auth,
    url_name="outgoing_list",
    summary="Danh sách văn bản đi người gọi được xem",
    description=(
        "Theo hộp (`box`): đang soạn, chờ tôi cho ý kiến, chờ tôi ký, chờ phát hành (văn thư), đã phát hành, "
        "tất cả; tìm theo từ khoá (`q`, có dấu hay không dấu). Có phân trang."
    ),
)
def outgoing_list(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    user = api_actor(request)
    if filters.box not in sel.BOXES:
        raise common.field_error(
            "box", _("Tham số box phải là một trong: %(boxes)s.") % {"boxes": ", ".join(sel.BOXES)}
        )
    results = sel.outgoing_list(user=user, box=filters.box, query=filters.q.replace("\x00", ""))
    paginator = Paginator(results, filters.page_size)
    offset = (filters.page - 1) * filters.page_size
    rows = list(results[offset : offset + filters.page_size]) if offset < paginator.count else []
    return {
        "count": paginator.count,
        "page": filters.page,
        "page_size": filters.page_size,
        "results": [_row(d) for d in rows],
    }


@router.get(
    "/documents/outgoing/{pk}",
    response={200: OutgoingDetailOut, **ERRORS},
    auth=api_auth,
    url_name="outgoing_detail",
    summary="Chi tiết văn bản đi",
    description=(
        "Thông tin, nơi nhận, các tệp (mọi phiên bản dự thảo, bản đã ký), lượt trình, ý kiến, "
        "thao tác người gọi được làm."
    ),
)
def outgoing_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = api_actor(request)
    return _detail(user, _visible(user, pk))


@router.get(
    "/documents/outgoing/{pk}/files/{file_id}",
    response={200: None, **ERRORS},
    auth=api_auth,
    url_name="outgoing_file",
    summary="Tải một tệp của văn bản đi",
    openapi_extra={
        "responses": {
            200: {
                "description": "Tệp PDF.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def outgoing_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    user = api_actor(request)
    if not common.in_range(file_id):
        raise NotFoundOrForbidden(_("Không tìm thấy tệp."))
    _visible(user, pk)
    return file_download(sel.outgoing_file_for(user=user, pk=pk, file_id=file_id))


# ---------------------------------------------------------------- writing


@router.post(
    "/documents/outgoing",
    response={201: OutgoingDetailOut, **ERRORS},
    auth=api_auth,
    url_name="outgoing_create",
    summary="Soạn văn bản đi",
    description=(
        "Chuyên viên thuộc đơn vị soạn thảo tạo dự thảo: loại, trích yếu, độ khẩn, độ mật, lãnh đạo ký, nơi nhận "
        "(`internal`: mã định danh cơ quan trong hệ thống; `edxml`: mã cơ quan liên thông; `paper`: tên). "
        "`reply_to`: văn bản đến được trả lời. Văn bản mật chỉ có nơi nhận bản giấy."
    ),
)
def outgoing_create(request: HttpRequest) -> ninja.Status:
    user = api_actor(request)
    body = common.body(request, CreateIn)
    kwargs = _service_kwargs(body)
    reply_to: IncomingDocument | None = None
    if body.reply_to is not None:
        reply_to = incoming_visible_to(user).filter(pk=body.reply_to).first()
        if reply_to is None:
            raise NotFoundOrForbidden(_("Không tìm thấy văn bản đến cần trả lời."))
    document = service_run(
        svc.outgoing_create, agency=kwargs["drafting_department"].agency, actor=user, reply_to=reply_to, **kwargs
    )
    return ninja.Status(201, _detail(user, document))


@router.put(
    "/documents/outgoing/{pk}",
    response={200: OutgoingDetailOut, **ERRORS},
    auth=api_auth,
    url_name="outgoing_update",
    summary="Sửa thông tin và nơi nhận của dự thảo",
    description="Người soạn thảo, khi văn bản đang soạn hoặc bị trả lại. Thay toàn bộ thông tin và nơi nhận.",
)
def outgoing_update(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = api_actor(request)
    document = _visible(user, pk)
    body = common.body(request, OutgoingIn)
    return _detail(user, service_run(svc.outgoing_update, outgoing=document, actor=user, **_service_kwargs(body)))


def _file_action(path: str, *, name: str, summary: str, description: str, call: Callable[..., Any]) -> None:
    def handler(request: HttpRequest, pk: int) -> ninja.Status:
        user = api_actor(request)
        document = _visible(user, pk)
        upload = _one_file(request)
        service_run(call, outgoing=document, actor=user, upload=upload)
        return ninja.Status(201, _detail(user, document))

    handler.__name__ = name
    router.post(
        f"/documents/outgoing/{{pk}}/{path}",
        response={201: OutgoingDetailOut, **ERRORS},
        auth=api_auth,
        url_name=name,
        operation_id=name,
        summary=summary,
        description=description,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        }
                    }
                },
            }
        },
    )(handler)


_file_action(
    "drafts",
    name="outgoing_draft_upload",
    summary="Tải lên phiên bản dự thảo mới (PDF)",
    description="Người soạn thảo; tệp PDF (kiểm tra theo nội dung) trong phần `file`. Phiên bản tăng dần.",
    call=svc.outgoing_draft_upload,
)
_file_action(
    "attachments",
    name="outgoing_attachment_add",
    summary="Đính kèm phụ lục (PDF)",
    description="Người soạn thảo; phụ lục được ký số của cơ quan ở góc trên bên phải khi phát hành.",
    call=svc.outgoing_attachment_add,
)


def _json_action(
    path: str,
    schema: type[common.M],
    *,
    summary: str,
    description: str,
    call: Callable[[OutgoingDocument, Any, Any], Any],
) -> None:
    name = "outgoing_" + path.replace("-", "_")

    def handler(request: HttpRequest, pk: int) -> dict[str, Any]:
        user = api_actor(request)
        document = _visible(user, pk)
        body = common.body(request, schema)
        try:
            call(document, user, body)
        except ValidationFailed as error:
            raise Unprocessable(error.message, code=error.code, extra=error.extra) from error
        return _detail(user, document)

    handler.__name__ = name
    router.post(
        f"/documents/outgoing/{{pk}}/{path}",
        response={200: OutgoingDetailOut, **ERRORS},
        auth=api_auth,
        url_name=name,
        operation_id=name,
        summary=summary,
        description=description + " Trả về văn bản sau thao tác.",
        openapi_extra={
            "requestBody": {"required": False, "content": {"application/json": {"schema": schema.model_json_schema()}}}
        },
    )(handler)


def _reviewers(ids: list[int]) -> list[Any]:
    found = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise common.field_error("reviewers", _("Không tìm thấy người cho ý kiến có mã %(id)d.") % {"id": missing[0]})
    return [found[i] for i in ids]


_json_action(
    "comments",
    CommentIn,
    summary="Góp ý dự thảo",
    description="Người soạn thảo, người cho ý kiến hoặc người ký; gắn với phiên bản dự thảo mới nhất.",
    call=lambda d, u, b: svc.outgoing_comment(outgoing=d, actor=u, text=b.text),
)
_json_action(
    "submit",
    SubmitIn,
    summary="Trình duyệt dự thảo",
    description=(
        "Người soạn thảo trình theo thứ tự người cho ý kiến (`reviewers`); danh sách rỗng: trình thẳng người ký."
    ),
    call=lambda d, u, b: svc.outgoing_submit_for_review(outgoing=d, actor=u, reviewers=_reviewers(b.reviewers)),
)
_json_action(
    "review",
    ReviewIn,
    summary="Cho ý kiến dự thảo",
    description="Người cho ý kiến đang đến lượt: đồng ý (`approve: true`) hoặc trả lại (cần `comment`).",
    call=lambda d, u, b: svc.outgoing_review(outgoing=d, actor=u, approve=b.approve, comment=b.comment),
)
_json_action(
    "return",
    ReasonIn,
    summary="Người ký trả lại dự thảo",
    description="Lãnh đạo được chọn ký trả lại dự thảo cho người soạn thảo, kèm lý do.",
    call=lambda d, u, b: svc.outgoing_return(outgoing=d, actor=u, reason=b.reason),
)
_json_action(
    "sign",
    EmptyIn,
    summary="Ký số văn bản",
    description="Lãnh đạo được chọn ký bằng chứng thư số cá nhân lên phiên bản dự thảo mới nhất.",
    call=lambda d, u, b: svc.outgoing_sign(outgoing=d, actor=u),
)
_json_action(
    "issue",
    EmptyIn,
    summary="Phát hành văn bản",
    description=(
        "Văn thư: hệ thống cấp số, ký hiệu theo sổ văn bản đi của năm, ký số của cơ quan, cấp mã xác thực "
        "và gửi đến nơi nhận."
    ),
    call=lambda d, u, b: svc.outgoing_issue(outgoing=d, actor=u),
)
_json_action(
    "cancel",
    ReasonIn,
    summary="Hủy văn bản",
    description="Người soạn thảo hoặc lãnh đạo cơ quan, trước khi phát hành, kèm lý do.",
    call=lambda d, u, b: svc.outgoing_cancel(outgoing=d, actor=u, reason=b.reason),
)
_json_action(
    "recall",
    ReasonIn,
    summary="Lấy lại văn bản đã gửi điện tử",
    description=(
        "Văn thư hoặc lãnh đạo cơ quan ban hành đề nghị các nơi nhận điện tử còn giữ văn bản trả lại "
        "(gói tin trạng thái edXML 13), kèm lý do."
    ),
    call=lambda d, u, b: outgoing_recall(outgoing=d, actor=u, reason=b.reason),
)


@router.delete(
    "/documents/outgoing/{pk}/attachments/{file_id}",
    response={200: OutgoingDetailOut, **ERRORS},
    auth=api_auth,
    url_name="outgoing_attachment_remove",
    summary="Bỏ một phụ lục",
    description="Người soạn thảo, khi văn bản đang soạn hoặc bị trả lại. Trả về văn bản sau thao tác.",
)
def outgoing_attachment_remove(request: HttpRequest, pk: int, file_id: int) -> dict[str, Any]:
    user = api_actor(request)
    document = _visible(user, pk)
    if not common.in_range(file_id):
        raise NotFoundOrForbidden(_("Không tìm thấy phụ lục."))
    service_run(svc.outgoing_attachment_remove, outgoing=document, actor=user, file_id=file_id)
    return _detail(user, document)
