"""Writes on incoming documents (văn bản đến, Decree 30/2020/NĐ-CP): the register and the handling slip.

The clerk registers a document (one number sequence per agency per year; classified documents
on their own register). The leader directs it to a lead department with coordinators and a
deadline; the head of the lead department puts it in the hands of one of its members; that
handler writes a proposal and completes it. Before any direction the clerk may return it.

Every action locks the document, checks that the actor may see it (else "not found"), asks the
rule book (``incoming.transitions.guard``: the right, then the state; a refusal names the state),
changes it to the state the rule book names, and writes an audit event in the same transaction. A document that came by
the exchange has its sender told of each step through ``exchange_outbox.status_report``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.accounts.models import Role, User
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.text import nfc
from cqs.core.uploads import (
    DOC,
    DOCX,
    JPEG,
    ODT,
    PDF,
    PNG,
    XLSX,
    CheckedUpload,
    check_upload,
    clean_filename,
    size_text,
    uploads_stored,
)
from cqs.documents import numbering
from cqs.documents.exchange import outbox as exchange_outbox
from cqs.documents.incoming import transitions
from cqs.documents.incoming.authenticity import pdf_problem
from cqs.documents.incoming.transitions import Action
from cqs.documents.models import (
    Channel,
    Department,
    DocumentComment,
    DocumentFile,
    DocumentType,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    Secrecy,
    Urgency,
)
from cqs.documents.permissions import holds_role_at, incoming_visible_to, locked_if_visible, memberships
from cqs.documents.search import index as search
from cqs.documents.search.services import document_file_text_defer
from cqs.notifications.services import notification_send
from cqs.units.models import Agency

S = IncomingStatus

# edXML status codes told to the sender of a document that came by the exchange.
STATUS_ASSIGNED, STATUS_PROCESSING, STATUS_COMPLETED, STATUS_REFUSED = "04", "05", "06", "02"

PAPER_TYPES = frozenset({PDF, JPEG, PNG})
ELECTRONIC_MAIN_TYPES = frozenset({PDF})
ATTACHMENT_TYPES = frozenset({PDF, JPEG, PNG, DOCX, XLSX, ODT, DOC})
FILE_KINDS = (DocumentFile.Kind.MAIN, DocumentFile.Kind.SCAN, DocumentFile.Kind.ATTACHMENT)
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 20

_LIMITS = {
    "sender_name": 300,
    "sender_code": 40,
    "code_number": 20,
    "code_notation": 60,
    "subject": 1000,
    "signer_name": 200,
    "note": 500,
}


@dataclass(frozen=True)
class IncomingFile:
    """A file received with the document: its name, its bytes and what it is (main, scan, attachment)."""

    name: str
    data: bytes
    kind: str = "main"

    @classmethod
    def from_upload(cls, upload: Any, *, kind: str) -> IncomingFile:
        """Read an uploaded file, refusing one over the size limit before it is read into memory."""
        name = clean_filename(getattr(upload, "name", "") or "")
        if (getattr(upload, "size", 0) or 0) > MAX_FILE_BYTES:
            raise ValidationFailed(
                _("Tệp “%(name)s” lớn hơn giới hạn %(limit)s.") % {"name": name, "limit": size_text(MAX_FILE_BYTES)},
                code="upload_too_large",
            )
        return cls(name=name, data=upload.read(MAX_FILE_BYTES + 1), kind=kind)


# ---------------------------------------------------------------- the guard


def _locked(incoming: IncomingDocument | int, *, actor: Any, action: Action) -> IncomingDocument:
    """The document's row locked, if the actor may see it (else "not found"), once the rule book allows."""
    found = locked_if_visible(incoming_visible_to(actor), incoming, not_found=_("Không tìm thấy văn bản đến."))
    transitions.guard(actor, action, found)
    return found


def _required(value: str, message: str, *, limit: int) -> str:
    text = nfc(value or "")
    if not text:
        raise ValidationFailed(message)
    return _bounded(text, limit)


def _bounded(value: str, limit: int) -> str:
    if len(value) > limit:
        raise ValidationFailed(_("Nội dung quá dài: tối đa %(limit)d ký tự.") % {"limit": limit})
    return value


def _save(incoming: IncomingDocument, *fields: str) -> None:
    incoming.save(update_fields=[*fields, "updated_at"])


def _url(incoming: IncomingDocument) -> str:
    return reverse("documents:incoming_detail", args=[incoming.pk])


def _notify(users: Iterable[User], *, incoming: IncomingDocument, title: str) -> None:
    body = _("Văn bản đến số %(number)s/%(year)s của %(sender)s: %(subject)s") % {
        "number": incoming.number,
        "year": incoming.year,
        "sender": incoming.sender_name,
        "subject": incoming.subject[:300],
    }
    for user in users:
        notification_send(user=user, title=title, body=body, url=_url(incoming))


def _report(incoming: IncomingDocument, *, code: str, actor: Any, note: str = "") -> None:
    """Tell the sender of a document that came by the exchange how its handling goes (edXML status)."""
    if incoming.messages.exists():
        exchange_outbox.status_report(incoming=incoming, code=code, note=note, actor=actor)


# ---------------------------------------------------------------- register


def _check_files(files: Sequence[IncomingFile], *, channel: str) -> list[tuple[IncomingFile, CheckedUpload]]:
    if len(files) > MAX_FILES:
        raise ValidationFailed(_("Mỗi văn bản có tối đa %(n)d tệp.") % {"n": MAX_FILES})
    checked: list[tuple[IncomingFile, CheckedUpload]] = []
    for item in files:
        if item.kind not in FILE_KINDS:
            raise ValidationFailed(_("Loại tệp “%(kind)s” không hợp lệ.") % {"kind": item.kind})
        upload = ContentFile(item.data, name=item.name)
        if item.kind == DocumentFile.Kind.ATTACHMENT:
            allowed, label = ATTACHMENT_TYPES, _("phụ lục, tài liệu kèm theo")
        elif channel == Channel.ELECTRONIC:
            allowed, label = ELECTRONIC_MAIN_TYPES, _("văn bản điện tử")
        else:
            allowed, label = PAPER_TYPES, _("bản quét văn bản giấy")
        checked.append((item, check_upload(upload, allowed=set(allowed), max_bytes=MAX_FILE_BYTES, label=label)))
    if channel == Channel.ELECTRONIC and not any(item.kind != DocumentFile.Kind.ATTACHMENT for item, _c in checked):
        raise ValidationFailed(_("Văn bản điện tử phải có tệp PDF của văn bản chính."))
    return checked


def _authentic(checked: list[tuple[IncomingFile, CheckedUpload]]) -> dict[str, list[str]]:
    """The signers of each PDF of an electronic document, once every signature holds (else the refusal)."""
    signers: dict[str, list[str]] = {}
    for item, upload in checked:
        problem, found = pdf_problem(
            name=upload.filename,
            data=upload.content,
            main=item.kind != DocumentFile.Kind.ATTACHMENT,
            content_type=upload.content_type,
        )
        if problem:
            raise ValidationFailed(problem, code="incoming_not_authentic")
        if found is not None and found.signers:
            signers[found.name] = list(found.signers)
    return signers


def _store_files(
    incoming: IncomingDocument, checked: list[tuple[IncomingFile, CheckedUpload]], *, actor: Any
) -> list[DocumentFile]:
    """Write the checked files, their text to be read by the worker; a failure part-way removes what this call wrote."""
    written: list[DocumentFile] = []
    with uploads_stored() as store:
        for item, upload in checked:
            stored = DocumentFile(
                incoming=incoming,
                kind=item.kind,
                name=upload.filename,
                content_type=upload.content_type,
                size=upload.size,
                sha256=upload.sha256,
                uploaded_by=actor,
                text_pending=True,
            )
            store(stored, upload)
            written.append(stored)
    for stored in written:
        document_file_text_defer(file_id=stored.pk)
    return written


def _choice(value: str, choices: Any, message: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(message)
    return value


@transaction.atomic
def incoming_register(
    *,
    agency: Agency,
    actor: User,
    channel: str,
    sender_name: str,
    document_type: DocumentType,
    subject: str,
    sender_code: str = "",
    code_number: str = "",
    code_notation: str = "",
    document_date: dt.date | None = None,
    signer_name: str = "",
    urgency: str = "normal",
    secrecy: str = "normal",
    reply_due: dt.date | None = None,
    files: Sequence[IncomingFile] = (),
    received_at: dt.datetime | None = None,
    note: str = "",
) -> IncomingDocument:
    """Enter a received document in the agency's incoming register under the next number of the year."""
    if not holds_role_at(actor, Role.CLERK, agency.pk):
        raise NotFoundOrForbidden(_("Không tìm thấy sổ văn bản đến của cơ quan này."))
    channel = _choice(channel, Channel, _("Hình thức nhận văn bản không hợp lệ."))
    urgency = _choice(urgency, Urgency, _("Độ khẩn không hợp lệ."))
    secrecy = _choice(secrecy, Secrecy, _("Độ mật không hợp lệ."))
    if not document_type.is_active:
        raise ValidationFailed(_("Loại văn bản “%(name)s” không còn được dùng.") % {"name": document_type.name})
    values = {
        "sender_name": _required(sender_name, _("Chưa nhập nơi gửi văn bản."), limit=_LIMITS["sender_name"]),
        "subject": _required(subject, _("Chưa nhập trích yếu nội dung văn bản."), limit=_LIMITS["subject"]),
    }
    for name, given in (
        ("sender_code", sender_code),
        ("code_number", code_number),
        ("code_notation", code_notation),
        ("signer_name", signer_name),
        ("note", note),
    ):
        values[name] = _bounded(nfc(given or ""), _LIMITS[name])
    at = received_at or timezone.now()
    if document_date is not None and document_date > timezone.localtime(at).date():
        raise ValidationFailed(_("Ngày văn bản không được sau ngày đến."))
    if reply_due is not None and document_date is not None and reply_due < document_date:
        raise ValidationFailed(_("Hạn trả lời không được trước ngày văn bản."))
    checked = _check_files(files, channel=channel)
    signatures = _authentic(checked) if channel == Channel.ELECTRONIC else {}
    year = timezone.localtime(at).year
    if values["code_number"] or values["code_notation"]:
        twin = (
            IncomingDocument.objects.filter(
                agency=agency,
                year=year,
                sender_name=values["sender_name"],
                code_number=values["code_number"],
                code_notation=values["code_notation"],
                document_date=document_date,
            )
            .exclude(status=S.RETURNED)
            .first()
        )
        if twin is not None:
            raise ValidationFailed(
                _("Văn bản này đã được vào sổ đến số %(number)s ngày %(date)s.")
                % {"number": twin.number, "date": timezone.localtime(twin.received_at).strftime("%d/%m/%Y")},
                code="incoming_duplicate",
            )
    register = numbering.incoming_register(secrecy)
    incoming = IncomingDocument.objects.create(
        agency=agency,
        year=year,
        number=numbering.number_next(agency=agency, year=year, register=register),
        register=register,
        received_at=at,
        channel=channel,
        document_type=document_type,
        document_date=document_date,
        urgency=urgency,
        secrecy=secrecy,
        reply_due=reply_due,
        registered_by=actor,
        **values,
    )
    stored = _store_files(incoming, checked, actor=actor)
    search.incoming_index(incoming.pk)
    audit_record(
        actor=actor,
        action="incoming.register",
        obj=incoming,
        after={**snapshot(incoming, _SNAPSHOT), "files": [f.sha256 for f in stored], "signatures": signatures},
    )
    leaders = User.objects.filter(roles__role=Role.LEADER, roles__agency=agency, is_active=True).distinct()
    title = _("Văn bản đến khẩn chờ cho ý kiến") if urgency != Urgency.NORMAL else _("Văn bản đến mới chờ cho ý kiến")
    _notify(leaders, incoming=incoming, title=title)
    return incoming


_SNAPSHOT = [
    "number",
    "year",
    "register",
    "channel",
    "sender_name",
    "code_number",
    "code_notation",
    "document_date",
    "document_type",
    "subject",
    "urgency",
    "secrecy",
    "status",
]


# ---------------------------------------------------------------- the handling slip


def _department_of(agency_id: int, department: Department, message: str) -> Department:
    if department.agency_id != agency_id or not department.is_active:
        raise ValidationFailed(message)
    return department


@transaction.atomic
def incoming_direct(
    *,
    incoming: IncomingDocument | int,
    actor: User,
    instruction: str,
    lead_department: Department,
    coordinating_departments: Sequence[Department] = (),
    deadline: dt.date | None = None,
) -> IncomingDocument:
    """The leader's direction: who leads, who coordinates, by when. → ASSIGNED."""
    document = _locked(incoming, actor=actor, action=Action.DIRECT)
    text = _required(instruction, _("Chưa nhập ý kiến chỉ đạo."), limit=5000)
    lead = _department_of(document.agency_id, lead_department, _("Đơn vị chủ trì không thuộc cơ quan."))
    coordinators = {
        d.pk: _department_of(document.agency_id, d, _("Đơn vị phối hợp không thuộc cơ quan."))
        for d in coordinating_departments
    }
    if lead.pk in coordinators:
        raise ValidationFailed(_("Đơn vị chủ trì không đồng thời là đơn vị phối hợp."))
    if deadline is not None and deadline < timezone.localdate():
        raise ValidationFailed(_("Hạn xử lý không được là ngày đã qua."))
    before = snapshot(document, ["status", "lead_department", "deadline"])
    document.instruction = text
    document.directed_by = actor
    document.directed_at = timezone.now()
    document.forwarded_at = document.directed_at
    document.lead_department = lead
    document.deadline = deadline
    document.status = transitions.target(Action.DIRECT, document)
    _save(
        document, "instruction", "directed_by", "directed_at", "forwarded_at", "lead_department", "deadline", "status"
    )
    document.coordinating_departments.set(list(coordinators.values()))
    audit_record(
        actor=actor,
        action="incoming.direct",
        obj=document,
        before=before,
        after={**snapshot(document, ["status", "lead_department", "deadline"]), "coordinators": sorted(coordinators)},
    )
    heads = User.objects.filter(department_memberships__department=lead, department_memberships__is_head=True)
    _notify(heads, incoming=document, title=_("Văn bản đến giao đơn vị chủ trì xử lý"))
    _report(document, code=STATUS_ASSIGNED, actor=actor)
    return document


@transaction.atomic
def incoming_assign_handler(
    *, incoming: IncomingDocument | int, actor: User, handler: User, note: str = ""
) -> IncomingDocument:
    """The lead department's head puts the document in the hands of one of its members."""
    document = _locked(incoming, actor=actor, action=Action.ASSIGN_HANDLER)
    if document.lead_department_id not in memberships(handler)[0]:
        raise ValidationFailed(
            _("Người xử lý phải là thành viên của %(department)s.")
            % {"department": document.lead_department.name if document.lead_department else ""}
        )
    before = snapshot(document, ["status", "handler"])
    document.handler = handler
    document.handler_assigned_by = actor
    document.handler_assigned_at = timezone.now()
    document.assignment_note = _bounded(nfc(note or ""), 5000)
    _save(document, "handler", "handler_assigned_by", "handler_assigned_at", "assignment_note")
    audit_record(
        actor=actor,
        action="incoming.assign_handler",
        obj=document,
        before=before,
        after={**snapshot(document, ["status", "handler"]), "note": document.assignment_note},
    )
    if handler.pk != actor.pk:
        _notify([handler], incoming=document, title=_("Bạn được giao xử lý văn bản đến"))
    _report(document, code=STATUS_PROCESSING, actor=actor)
    return document


@transaction.atomic
def incoming_comment(*, incoming: IncomingDocument | int, actor: User, text: str) -> DocumentComment:
    """An opinion on the document while it is handled (handler, coordinators, leader, lead head)."""
    document = _locked(incoming, actor=actor, action=Action.COMMENT)
    comment = DocumentComment.objects.create(
        incoming=document, author=actor, text=_required(text, _("Chưa nhập nội dung ý kiến."), limit=5000)
    )
    audit_record(actor=actor, action="incoming.comment", obj=document, after={"comment": comment.pk})
    return comment


@transaction.atomic
def incoming_propose(*, incoming: IncomingDocument | int, actor: User, proposal: str) -> IncomingDocument:
    """The handler's proposal on the slip. → IN_PROGRESS."""
    document = _locked(incoming, actor=actor, action=Action.PROPOSE)
    before = snapshot(document, ["status", "proposal"])
    document.proposal = _required(proposal, _("Chưa nhập ý kiến đề xuất."), limit=5000)
    document.status = transitions.target(Action.PROPOSE, document)
    _save(document, "proposal", "status")
    audit_record(
        actor=actor,
        action="incoming.propose",
        obj=document,
        before=before,
        after=snapshot(document, ["status", "proposal"]),
    )
    return document


@transaction.atomic
def incoming_complete(
    *,
    incoming: IncomingDocument | int,
    actor: User,
    note: str = "",
    reply: OutgoingDocument | None = None,
) -> IncomingDocument:
    """The handling is over (the handler or the lead head); ``reply`` links the outgoing answer. → COMPLETED."""
    document = _locked(incoming, actor=actor, action=Action.COMPLETE)
    text = _bounded(nfc(note or ""), 5000)
    if reply is not None:
        if reply.agency_id != document.agency_id or reply.reply_to_id not in (None, document.pk):
            raise ValidationFailed(_("Văn bản trả lời không thuộc văn bản đến này."))
        if reply.reply_to_id is None:
            OutgoingDocument.objects.filter(pk=reply.pk).update(reply_to=document)
    before = snapshot(document, ["status"])
    document.status = transitions.target(Action.COMPLETE, document)
    document.completed_at = timezone.now()
    _save(document, "status", "completed_at")
    if text:
        DocumentComment.objects.create(incoming=document, author=actor, text=text)
    audit_record(
        actor=actor,
        action="incoming.complete",
        obj=document,
        before=before,
        after={"status": document.status, "note": text, "reply": reply.pk if reply else None},
    )
    _report(document, code=STATUS_COMPLETED, actor=actor, note=text)
    return document


@transaction.atomic
def incoming_return(*, incoming: IncomingDocument | int, actor: User, reason: str) -> IncomingDocument:
    """The clerk sends the document back to its sender before any direction (wrong address, incomplete…)."""
    document = _locked(incoming, actor=actor, action=Action.RETURN)
    before = snapshot(document, ["status"])
    document.return_reason = _required(reason, _("Chưa nhập lý do trả lại."), limit=500)
    document.status = transitions.target(Action.RETURN, document)
    _save(document, "return_reason", "status")
    audit_record(
        actor=actor,
        action="incoming.return",
        obj=document,
        before=before,
        after={"status": document.status, "reason": document.return_reason},
    )
    _report(document, code=STATUS_REFUSED, actor=actor, note=document.return_reason)
    return document
