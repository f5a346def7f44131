"""The edXML endpoint (/lien-thong/edxml/) and the clerk's pages of packages waiting to be accepted."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from cqs.accounts.models import Role
from cqs.accounts.permissions import official_required
from cqs.core.errors import ApplicationError
from cqs.core.middleware import client_ip
from cqs.core.ratelimit import rate_hit
from cqs.core.uploads import download_response, sniff_type
from cqs.documents.exchange import edxml
from cqs.documents.exchange import recall as exchange_recall
from cqs.documents.exchange import receive as exchange
from cqs.documents.models import ExchangeMessage

logger = logging.getLogger(__name__)

XML_CONTENT_TYPES = {"application/xml", "text/xml"}


def _ack(status: int, *, code: str, message: str, document_id: str = "") -> JsonResponse:
    body = {"code": code, "message": message}
    if document_id:
        body["document_id"] = document_id
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _over_rate(request: HttpRequest) -> int:
    """The seconds to wait when the caller has posted more than ``CQS_EXCHANGE_RATE_PER_MINUTE`` messages this
    minute, else 0.

    Checking a package's signatures costs far more than sending it: a flood from one address is
    answered 429 (which senders retry later) before any of that work. Counted in PostgreSQL, so the
    limit holds across every web process and machine.
    """
    verdict = rate_hit(
        "edxml", client_ip(request) or "unknown", limit=int(settings.CQS_EXCHANGE_RATE_PER_MINUTE), window_seconds=60
    )
    return 0 if verdict.allowed else verdict.retry_after


READ_CHUNK = 64 * 1024


def _body(request: HttpRequest, limit: int) -> bytes | None:
    """The request's body, never more than ``limit`` bytes read; None when it is larger than ``limit``.

    A declared Content-Length over the limit is refused before reading anything. A chunked body (no
    Content-Length; the WSGI server hands it over decoded) is read from the server's stream up to
    one byte past the limit.
    """
    declared = request.META.get("CONTENT_LENGTH")
    if declared:
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0 or length > limit:
            return None
        return request.read(limit + 1)
    if "chunked" not in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        return b""
    stream = request.META["wsgi.input"]
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        part = stream.read(min(READ_CHUNK, limit + 1 - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    return None if size > limit else b"".join(parts)


@csrf_exempt
@require_POST
def edxml_receive(request: HttpRequest) -> HttpResponse:
    """Takes one edXML package or status message; answers JSON: 200 received, 4xx refused with the reason."""
    wait = _over_rate(request)
    if wait:
        response = _ack(
            429, code="too_many_requests", message=_("Gửi quá nhiều gói tin trong một phút; hãy gửi lại sau.")
        )
        response["Retry-After"] = str(wait)
        return response
    if request.content_type not in XML_CONTENT_TYPES:
        return _ack(
            415, code="unsupported_media_type", message=_("Gói tin edXML phải gửi với Content-Type application/xml.")
        )
    limit = int(settings.CQS_EXCHANGE_MAX_BYTES)
    data = _body(request, limit)
    if data is None:
        return _ack(413, code="too_large", message=_("Gói tin edXML vượt quá dung lượng cho phép."))
    try:
        message = exchange.edxml_receive(data=data)
    except ApplicationError as error:
        return _ack(400 if error.status >= 500 else error.status, code=error.code, message=error.message)
    except Exception:  # the sender retries later; a broken package never gets here
        logger.exception("edXML package could not be stored")
        return _ack(503, code="unavailable", message=_("Hệ thống tạm thời chưa nhận được gói tin, hãy gửi lại sau."))
    if message.state == ExchangeMessage.State.REFUSED:
        return _ack(400, code="refused", message=message.last_error, document_id=message.document_id)
    if message.kind == ExchangeMessage.Kind.STATUS:
        return _ack(
            200, code="status_received", message=_("Đã nhận gói tin trạng thái."), document_id=message.document_id
        )
    return _ack(200, code="01", message=_("Đã nhận gói tin văn bản."), document_id=message.document_id)


def _pending(request: HttpRequest, pk: int) -> ExchangeMessage:
    message = exchange.pending_packages(request.user).filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


@official_required(Role.CLERK)
@require_safe
def exchange_pending(request: HttpRequest) -> HttpResponse:
    """Electronic documents received for my agency, waiting for the clerk to accept or refuse them."""
    rows: list[tuple[ExchangeMessage, edxml.Envelope | None]] = []
    for message in exchange.pending_packages(request.user)[:200]:
        try:
            rows.append((message, exchange.package_read(message, with_files=False)))
        except ApplicationError:
            rows.append((message, None))
    recalls = [(r, exchange_recall.recall_reason(r)) for r in exchange_recall.recall_requests(request.user)[:200]]
    context = {"rows": rows, "recalls": recalls, "documents_tab": "pending"}
    return render(request, "documents/exchange/pending.html", context)


@official_required(Role.CLERK)
@require_safe
def exchange_package(request: HttpRequest, pk: int) -> HttpResponse:
    message = _pending(request, pk)
    try:
        envelope = exchange.package_read(message)
    except ApplicationError as error:
        raise Http404 from error
    return render(
        request,
        "documents/exchange/package.html",
        {"message": message, "envelope": envelope, "documents_tab": "pending", "status_codes": edxml.STATUS_CODES},
    )


@official_required(Role.CLERK)
@require_safe
def exchange_package_file(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    message = _pending(request, pk)
    attachments = exchange.package_read(message).attachments
    if not 1 <= index <= len(attachments):
        raise Http404
    attachment = attachments[index - 1]
    return download_response(attachment.data, filename=attachment.name, kind=sniff_type(attachment.data[:8]))


@official_required(Role.CLERK)
@require_POST
def exchange_accept(request: HttpRequest, pk: int) -> HttpResponse:
    message = _pending(request, pk)
    try:
        incoming = exchange.package_accept(message=message, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("documents:exchange_package", pk=pk)
    messages.success(request, _("Đã tiếp nhận văn bản điện tử và vào sổ văn bản đến."))
    return redirect("documents:incoming_detail", pk=incoming.pk)


@official_required(Role.CLERK)
@require_POST
def exchange_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    message = _pending(request, pk)
    try:
        exchange.package_refuse(message=message, actor=request.user, reason=request.POST.get("reason", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("documents:exchange_package", pk=pk)
    messages.success(request, _("Đã từ chối tiếp nhận và báo lại nơi gửi."))
    return redirect("documents:exchange_pending")


@official_required(Role.CLERK)
@require_POST
def exchange_recall_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The clerk agrees to give a document back to its sender (15) or refuses with a reason (16)."""
    request_message = exchange_recall.recall_requests(request.user).filter(pk=pk).first()
    if request_message is None:
        raise Http404
    agree = request.POST.get("answer") == "agree"
    try:
        exchange_recall.recall_answer(
            request=request_message, actor=request.user, agree=agree, reason=request.POST.get("reason", "")
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("documents:exchange_pending")
    if agree:
        messages.success(request, _("Đã đồng ý cho nơi gửi lấy lại văn bản và báo lại nơi gửi."))
    else:
        messages.success(request, _("Đã từ chối cho lấy lại văn bản và báo lại nơi gửi."))
    return redirect("documents:exchange_pending")
