"""Drafting an outgoing document: its metadata and recipients, its draft versions and annexes, comments, cancelling."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cqs.accounts.models import Role
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.text import fold, nfc
from cqs.core.uploads import PDF, check_upload
from cqs.documents.models import (
    Department,
    DepartmentMember,
    DocumentComment,
    DocumentFile,
    DocumentType,
    ExchangePartner,
    IncomingDocument,
    OutgoingDocument,
    Recipient,
    Secrecy,
    SigningAuthority,
    Urgency,
)
from cqs.documents.outgoing.selectors import latest_file
from cqs.documents.outgoing.services.common import AUDIT_FIELDS, S, audit, bounded_text, locked, store_file
from cqs.documents.outgoing.transitions import Action
from cqs.documents.permissions import (
    agencies_with_role,
    holds_role_at,
    incoming_visible_to,
)
from cqs.documents.search import index as search
from cqs.units.models import Agency

MAX_COPIES = 999


@dataclass(frozen=True)
class RecipientSpec:
    """One "Nơi nhận": an agency on this platform (internal), an exchange partner (edxml, by organ ID), or paper."""

    channel: str
    agency: Agency | None = None
    organ_id: str = ""
    name: str = ""


@dataclass(frozen=True)
class _Metadata:
    drafting_department: Department
    document_type: DocumentType
    subject: str
    urgency: str
    secrecy: str
    signer: Any
    signing_authority: str
    signer_position: str
    copies: int
    keeping_department: Department | None


def _metadata(
    *,
    agency: Agency,
    actor: Any,
    drafting_department: Department,
    document_type: DocumentType,
    subject: str,
    urgency: str,
    secrecy: str,
    signer: Any,
    signing_authority: str,
    signer_position: str,
    copies: int,
    keeping_department: Department | None,
) -> _Metadata:
    if drafting_department.agency_id != agency.pk or not drafting_department.is_active:
        raise ValidationFailed(_("Đơn vị soạn thảo không thuộc cơ quan ban hành."))
    if not DepartmentMember.objects.filter(department=drafting_department, user_id=actor.pk).exists():
        raise ValidationFailed(
            _("Bạn không phải thành viên của %(department)s nên không soạn văn bản cho đơn vị này.")
            % {"department": drafting_department.name}
        )
    if not document_type.is_active:
        raise ValidationFailed(_("Loại văn bản «%(type)s» không còn được dùng.") % {"type": document_type.name})
    cleaned_subject = bounded_text(subject, limit=1000)
    if not cleaned_subject:
        raise ValidationFailed(_("Nhập trích yếu nội dung văn bản."))
    if urgency not in Urgency.values:
        raise ValidationFailed(_("Độ khẩn không hợp lệ."))
    if secrecy not in Secrecy.values:
        raise ValidationFailed(_("Độ mật không hợp lệ."))
    if signer is None or not holds_role_at(signer, Role.LEADER, agency.pk):
        raise ValidationFailed(_("Người ký phải là lãnh đạo của cơ quan ban hành."))
    if signing_authority not in SigningAuthority.values:
        raise ValidationFailed(_("Thẩm quyền ký không hợp lệ."))
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise ValidationFailed(_("Số lượng bản phải từ 1 đến %(max)d.") % {"max": MAX_COPIES})
    if keeping_department is not None and keeping_department.agency_id != agency.pk:
        raise ValidationFailed(_("Đơn vị lưu hồ sơ không thuộc cơ quan ban hành."))
    return _Metadata(
        drafting_department=drafting_department,
        document_type=document_type,
        subject=cleaned_subject,
        urgency=urgency,
        secrecy=secrecy,
        signer=signer,
        signing_authority=signing_authority,
        signer_position=bounded_text(signer_position, limit=150),
        copies=copies,
        keeping_department=keeping_department,
    )


def _recipients(specs: Sequence[RecipientSpec], *, agency: Agency, secrecy: str) -> list[Recipient]:
    """Unsaved ``Recipient`` rows for the specs, or a refusal naming the one that is wrong."""
    if not specs:
        raise ValidationFailed(_("Chọn ít nhất một nơi nhận."))
    rows: list[Recipient] = []
    seen: set[tuple[str, str]] = set()
    for spec in specs:
        if spec.channel == Recipient.Channel.INTERNAL:
            if spec.agency is None or not spec.agency.is_active:
                raise ValidationFailed(_("Cơ quan nhận trong hệ thống không tồn tại hoặc đã ngừng hoạt động."))
            if spec.agency.pk == agency.pk:
                raise ValidationFailed(_("Không gửi văn bản cho chính cơ quan ban hành."))
            row = Recipient(
                channel=spec.channel,
                agency=spec.agency,
                organ_id=spec.agency.electronic_code,
                name=bounded_text(spec.name, limit=300) or spec.agency.name,
            )
            key = (spec.channel, str(spec.agency.pk))
        elif spec.channel == Recipient.Channel.EDXML:
            organ_id = (spec.organ_id or "").strip()
            partner = ExchangePartner.objects.filter(organ_id=organ_id, is_active=True).first() if organ_id else None
            if partner is None:
                raise ValidationFailed(
                    _("Không tìm thấy cơ quan liên thông có mã định danh «%(code)s».") % {"code": organ_id[:40]}
                )
            row = Recipient(channel=spec.channel, organ_id=partner.organ_id, name=partner.name)
            key = (spec.channel, partner.organ_id)
        elif spec.channel == Recipient.Channel.PAPER:
            # A paper copy, to anyone by name, or to an agency on this platform (which may then check it).
            if spec.agency is not None and (not spec.agency.is_active or spec.agency.pk == agency.pk):
                raise ValidationFailed(_("Cơ quan nhận bản giấy không hợp lệ."))
            name = bounded_text(spec.name, limit=300) or (spec.agency.name if spec.agency is not None else "")
            if not name:
                raise ValidationFailed(_("Nhập tên nơi nhận bản giấy."))
            row = Recipient(channel=spec.channel, agency=spec.agency, name=name)
            key = (spec.channel, str(spec.agency.pk) if spec.agency is not None else fold(name))
        else:
            raise ValidationFailed(_("Hình thức gửi không hợp lệ."))
        if secrecy != Secrecy.NORMAL and row.channel != Recipient.Channel.PAPER:
            raise ValidationFailed(_("Văn bản mật không được gửi qua trục liên thông điện tử."))
        if key in seen:
            raise ValidationFailed(_("Nơi nhận «%(name)s» bị trùng.") % {"name": row.name})
        seen.add(key)
        rows.append(row)
    return rows


def _reply_target(reply_to: IncomingDocument | None, *, agency: Agency, actor: Any) -> IncomingDocument | None:
    if reply_to is None:
        return None
    if reply_to.agency_id != agency.pk or not incoming_visible_to(actor).filter(pk=reply_to.pk).exists():
        raise NotFoundOrForbidden(_("Không tìm thấy văn bản đến cần trả lời."))
    return reply_to


@transaction.atomic
def outgoing_create(
    *,
    agency: Agency,
    actor: Any,
    drafting_department: Department,
    document_type: DocumentType,
    subject: str,
    signer: Any,
    recipients: Sequence[RecipientSpec],
    urgency: str = Urgency.NORMAL,
    secrecy: str = Secrecy.NORMAL,
    signing_authority: str = "",
    signer_position: str = "",
    reply_to: IncomingDocument | None = None,
    copies: int = 1,
    keeping_department: Department | None = None,
) -> OutgoingDocument:
    """A new draft of ``agency``, by a specialist who is a member of the drafting department."""
    if agency.pk not in agencies_with_role(actor, Role.SPECIALIST):
        raise NotFoundOrForbidden(_("Bạn không có quyền soạn văn bản đi của cơ quan này."))
    meta = _metadata(
        agency=agency,
        actor=actor,
        drafting_department=drafting_department,
        document_type=document_type,
        subject=subject,
        urgency=urgency,
        secrecy=secrecy,
        signer=signer,
        signing_authority=signing_authority,
        signer_position=signer_position,
        copies=copies,
        keeping_department=keeping_department,
    )
    rows = _recipients(recipients, agency=agency, secrecy=meta.secrecy)
    target = _reply_target(reply_to, agency=agency, actor=actor)
    outgoing = OutgoingDocument.objects.create(agency=agency, drafter=actor, reply_to=target, **meta.__dict__)
    return _with_recipients(outgoing, rows, action="create", actor=actor, before={})


@transaction.atomic
def outgoing_update(
    *,
    outgoing: OutgoingDocument,
    actor: Any,
    drafting_department: Department,
    document_type: DocumentType,
    subject: str,
    signer: Any,
    recipients: Sequence[RecipientSpec],
    urgency: str = Urgency.NORMAL,
    secrecy: str = Secrecy.NORMAL,
    signing_authority: str = "",
    signer_position: str = "",
    copies: int = 1,
    keeping_department: Department | None = None,
) -> OutgoingDocument:
    """The drafter changes the metadata and the recipients while the draft is theirs (draft or returned)."""
    outgoing = locked(outgoing, actor=actor, action=Action.UPDATE)
    meta = _metadata(
        agency=outgoing.agency,
        actor=actor,
        drafting_department=drafting_department,
        document_type=document_type,
        subject=subject,
        urgency=urgency,
        secrecy=secrecy,
        signer=signer,
        signing_authority=signing_authority,
        signer_position=signer_position,
        copies=copies,
        keeping_department=keeping_department,
    )
    rows = _recipients(recipients, agency=outgoing.agency, secrecy=meta.secrecy)
    before = snapshot(outgoing, AUDIT_FIELDS)
    before["recipients"] = list(outgoing.recipients.values_list("name", flat=True))
    for name, value in meta.__dict__.items():
        setattr(outgoing, name, value)
    outgoing.save()
    outgoing.recipients.all().delete()
    return _with_recipients(outgoing, rows, action="update", actor=actor, before=before)


def _with_recipients(
    outgoing: OutgoingDocument, rows: list[Recipient], *, action: str, actor: Any, before: dict[str, Any]
) -> OutgoingDocument:
    """The saved draft given its recipients, the change audited with them and the draft indexed again."""
    for row in rows:
        row.outgoing = outgoing
    Recipient.objects.bulk_create(rows)
    audit(outgoing, action=action, actor=actor, before=before, recipients=[r.name for r in rows])
    search.outgoing_index(outgoing.pk)
    return outgoing


def _checked_pdf(upload: Any, *, label: str) -> tuple[str, bytes]:
    checked = check_upload(upload, allowed={PDF}, max_bytes=settings.CQS_ATTACHMENT_MAX_BYTES, label=label)
    return checked.filename, checked.content


@transaction.atomic
def outgoing_draft_upload(*, outgoing: OutgoingDocument, actor: Any, upload: Any) -> DocumentFile:
    """A new version of the draft (PDF, checked by its content), indexed for search."""
    outgoing = locked(outgoing, actor=actor, action=Action.UPLOAD_DRAFT)
    name, data = _checked_pdf(upload, label=_("dự thảo văn bản"))
    last = outgoing.files.filter(kind=DocumentFile.Kind.DRAFT).aggregate(v=Max("version"))["v"] or 0
    item = store_file(
        outgoing,
        kind=DocumentFile.Kind.DRAFT,
        version=last + 1,
        name=name,
        data=data,
        actor=actor,
    )
    before = snapshot(outgoing, ["status"])
    outgoing.save(update_fields=["updated_at"])
    audit(outgoing, action="upload_draft", actor=actor, before=before, version=item.version, sha256=item.sha256)
    return item


@transaction.atomic
def outgoing_attachment_add(*, outgoing: OutgoingDocument, actor: Any, upload: Any) -> DocumentFile:
    """An annex in a separate PDF file; it gets the organisation's signature at the top right when issued."""
    outgoing = locked(outgoing, actor=actor, action=Action.ATTACH)
    name, data = _checked_pdf(upload, label=_("phụ lục"))
    item = store_file(
        outgoing,
        kind=DocumentFile.Kind.ATTACHMENT,
        version=1,
        name=name,
        data=data,
        actor=actor,
    )
    audit(outgoing, action="attach", actor=actor, before={}, file=item.name, sha256=item.sha256)
    return item


@transaction.atomic
def outgoing_attachment_remove(*, outgoing: OutgoingDocument, actor: Any, file_id: int) -> OutgoingDocument:
    outgoing = locked(outgoing, actor=actor, action=Action.DETACH)
    item = outgoing.files.filter(pk=file_id, kind=DocumentFile.Kind.ATTACHMENT).first()
    if item is None:
        raise NotFoundOrForbidden(_("Không tìm thấy phụ lục."))
    name = item.name
    item.delete()
    audit(outgoing, action="detach", actor=actor, before={"file": name})
    search.outgoing_index(outgoing.pk)
    return outgoing


@transaction.atomic
def outgoing_comment(*, outgoing: OutgoingDocument, actor: Any, text: str) -> DocumentComment:
    """A comment of the drafter, a reviewer or the signer, on the latest draft version."""
    outgoing = locked(outgoing, actor=actor, action=Action.COMMENT)
    cleaned = (text or "").strip()
    if not cleaned:
        raise ValidationFailed(_("Nhập nội dung góp ý."))
    draft = latest_file(outgoing, DocumentFile.Kind.DRAFT)
    comment = DocumentComment.objects.create(
        outgoing=outgoing, author=actor, text=nfc(cleaned)[:5000], draft_version=draft.version if draft else None
    )
    audit_record(
        actor=actor,
        action="outgoing.comment",
        obj=outgoing,
        after={"comment": comment.pk, "draft_version": comment.draft_version},
    )
    return comment


@transaction.atomic
def outgoing_cancel(*, outgoing: OutgoingDocument, actor: Any, reason: str) -> OutgoingDocument:
    """The drafter or a leader of the agency drops a document before it is issued."""
    outgoing = locked(outgoing, actor=actor, action=Action.CANCEL)
    note = nfc(reason or "")[:500]
    if not note:
        raise ValidationFailed(_("Nhập lý do hủy văn bản."))
    before = snapshot(outgoing, AUDIT_FIELDS)
    outgoing.status = S.CANCELLED
    outgoing.note = note
    outgoing.save(update_fields=["status", "note", "updated_at"])
    audit(outgoing, action="cancel", actor=actor, before=before)
    return outgoing
