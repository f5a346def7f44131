"""Writes on outgoing documents (văn bản đi, Decree 30/2020/NĐ-CP): drafting, review, signature, issue.

A specialist of the drafting department drafts (metadata, recipients, PDF versions, annexes),
submits it to an ordered chain of reviewers, then to the leader chosen as signer, who signs it
with their personal certificate; a clerk (văn thư) issues it: the system gives the number of
the agency's outgoing register (the classified register for a classified document), the symbol,
the organisation's signature over the leader's, a verification code, and dispatches it to the
recipients. Every action locks the row of a document the actor may see, asks the rule book
(``outgoing.transitions.guard``: who first, so a stranger learns nothing, then the state and the
once-only rules; a refusal names them) and is audited.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.accounts.models import Role
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.text import fold, nfc
from cqs.core.uploads import PDF, check_upload
from cqs.documents import numbering
from cqs.documents.exchange import outbox as exchange_outbox
from cqs.documents.models import (
    Department,
    DepartmentMember,
    DocumentComment,
    DocumentFile,
    DocumentType,
    ExchangePartner,
    IncomingDocument,
    OutgoingDocument,
    OutgoingStatus,
    Recipient,
    ReviewStep,
    Secrecy,
    SigningAuthority,
    Urgency,
)
from cqs.documents.outgoing import transitions
from cqs.documents.outgoing.selectors import issued_late, latest_file
from cqs.documents.outgoing.transitions import Action, current_round, current_step
from cqs.documents.permissions import (
    agencies_with_role,
    holds_role_at,
    incoming_visible_to,
    locked_if_visible,
    outgoing_visible_to,
)
from cqs.documents.search import index as search
from cqs.documents.search.services import document_file_extract_text
from cqs.signing.models import VerifiableDocument
from cqs.signing.pdf import next_field_name, pdf_sign
from cqs.signing.selectors import certificate_of_agency, certificate_of_user
from cqs.signing.services import verifiable_register, verification_code_new
from cqs.units.models import Agency

S = OutgoingStatus
MAX_COPIES = 999
_AUDIT_FIELDS = [
    "status",
    "drafting_department",
    "document_type",
    "subject",
    "urgency",
    "secrecy",
    "signer",
    "signing_authority",
    "signer_position",
    "copies",
    "keeping_department",
    "reply_to",
    "number",
    "year",
    "register",
    "notation",
    "issued_at",
    "issued_by",
    "signed_at",
    "verification_code",
    "note",
]


@dataclass(frozen=True)
class RecipientSpec:
    """One "Nơi nhận": an agency on this platform (internal), an exchange partner (edxml, by organ ID), or paper."""

    channel: str
    agency: Agency | None = None
    organ_id: str = ""
    name: str = ""


# ---------------------------------------------------------------- the guard


def _locked(outgoing: OutgoingDocument | int, *, actor: Any, action: Action) -> OutgoingDocument:
    """The document's row locked, if the actor may see it (a stranger learns nothing), once the rule book allows."""
    found = locked_if_visible(outgoing_visible_to(actor), outgoing, not_found=_("Không tìm thấy văn bản."))
    transitions.guard(actor, action, found)
    return found


def _audit(outgoing: OutgoingDocument, *, action: str, actor: Any, before: dict[str, Any], **extra: Any) -> None:
    after = snapshot(outgoing, _AUDIT_FIELDS)
    after.update(extra)
    audit_record(actor=actor, action=f"outgoing.{action}", obj=outgoing, before=before, after=after)


def _text(value: str, *, limit: int) -> str:
    return nfc(value or "")[:limit]


# ---------------------------------------------------------------- metadata and recipients


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
    cleaned_subject = _text(subject, limit=1000)
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
        signer_position=_text(signer_position, limit=150),
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
                name=_text(spec.name, limit=300) or spec.agency.name,
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
            name = _text(spec.name, limit=300) or (spec.agency.name if spec.agency is not None else "")
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
    for row in rows:
        row.outgoing = outgoing
    Recipient.objects.bulk_create(rows)
    _audit(outgoing, action="create", actor=actor, before={}, recipients=[r.name for r in rows])
    search.outgoing_index(outgoing.pk)
    return outgoing


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
    outgoing = _locked(outgoing, actor=actor, action=Action.UPDATE)
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
    before = snapshot(outgoing, _AUDIT_FIELDS)
    before["recipients"] = list(outgoing.recipients.values_list("name", flat=True))
    for name, value in meta.__dict__.items():
        setattr(outgoing, name, value)
    outgoing.save()
    outgoing.recipients.all().delete()
    for row in rows:
        row.outgoing = outgoing
    Recipient.objects.bulk_create(rows)
    _audit(outgoing, action="update", actor=actor, before=before, recipients=[r.name for r in rows])
    search.outgoing_index(outgoing.pk)
    return outgoing


# ---------------------------------------------------------------- files and comments


def _store(
    outgoing: OutgoingDocument,
    *,
    kind: str,
    version: int,
    name: str,
    data: bytes,
    actor: Any,
    same_text_as: DocumentFile | None = None,
) -> DocumentFile:
    """A PDF of the document; its text and pages are read (within limits), or those of ``same_text_as`` kept.

    A signed copy reads like the draft it signs: it takes the draft's text and page count.
    """
    digest = hashlib.sha256(data).hexdigest()
    item = DocumentFile(
        outgoing=outgoing,
        kind=kind,
        version=version,
        name=name,
        content_type="application/pdf",
        size=len(data),
        sha256=digest,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if same_text_as is not None:
        item.text, item.page_count, item.text_problem = (
            same_text_as.text,
            same_text_as.page_count,
            same_text_as.text_problem,
        )
    item.file.save(f"{kind}-{digest[:16]}.pdf", ContentFile(data), save=False)
    item.save()
    if same_text_as is None:
        item = document_file_extract_text(file_id=item.pk)
    return item


def _checked_pdf(upload: Any, *, label: str) -> tuple[str, bytes]:
    checked = check_upload(upload, allowed={PDF}, max_bytes=settings.CQS_ATTACHMENT_MAX_BYTES, label=label)
    return checked.filename, checked.content


@transaction.atomic
def outgoing_draft_upload(*, outgoing: OutgoingDocument, actor: Any, upload: Any) -> DocumentFile:
    """A new version of the draft (PDF, checked by its content), indexed for search."""
    outgoing = _locked(outgoing, actor=actor, action=Action.UPLOAD_DRAFT)
    name, data = _checked_pdf(upload, label=_("dự thảo văn bản"))
    last = outgoing.files.filter(kind=DocumentFile.Kind.DRAFT).aggregate(v=Max("version"))["v"] or 0
    item = _store(
        outgoing,
        kind=DocumentFile.Kind.DRAFT,
        version=last + 1,
        name=name,
        data=data,
        actor=actor,
    )
    before = snapshot(outgoing, ["status"])
    outgoing.save(update_fields=["updated_at"])
    _audit(outgoing, action="upload_draft", actor=actor, before=before, version=item.version, sha256=item.sha256)
    return item


@transaction.atomic
def outgoing_attachment_add(*, outgoing: OutgoingDocument, actor: Any, upload: Any) -> DocumentFile:
    """An annex in a separate PDF file; it gets the organisation's signature at the top right when issued."""
    outgoing = _locked(outgoing, actor=actor, action=Action.ATTACH)
    name, data = _checked_pdf(upload, label=_("phụ lục"))
    item = _store(
        outgoing,
        kind=DocumentFile.Kind.ATTACHMENT,
        version=1,
        name=name,
        data=data,
        actor=actor,
    )
    _audit(outgoing, action="attach", actor=actor, before={}, file=item.name, sha256=item.sha256)
    return item


@transaction.atomic
def outgoing_attachment_remove(*, outgoing: OutgoingDocument, actor: Any, file_id: int) -> OutgoingDocument:
    outgoing = _locked(outgoing, actor=actor, action=Action.DETACH)
    item = outgoing.files.filter(pk=file_id, kind=DocumentFile.Kind.ATTACHMENT).first()
    if item is None:
        raise NotFoundOrForbidden(_("Không tìm thấy phụ lục."))
    name = item.name
    item.delete()
    _audit(outgoing, action="detach", actor=actor, before={"file": name})
    search.outgoing_index(outgoing.pk)
    return outgoing


@transaction.atomic
def outgoing_comment(*, outgoing: OutgoingDocument, actor: Any, text: str) -> DocumentComment:
    """A comment of the drafter, a reviewer or the signer, on the latest draft version."""
    outgoing = _locked(outgoing, actor=actor, action=Action.COMMENT)
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


# ---------------------------------------------------------------- review


@transaction.atomic
def outgoing_submit_for_review(*, outgoing: OutgoingDocument, actor: Any, reviewers: Sequence[Any]) -> OutgoingDocument:
    """A new round of review by ``reviewers`` in order; none: straight to the signer."""
    outgoing = _locked(outgoing, actor=actor, action=Action.SUBMIT)
    seen: set[int] = set()
    for reviewer in reviewers:
        if reviewer.pk == outgoing.drafter_id:
            raise ValidationFailed(_("Người soạn thảo không tự cho ý kiến dự thảo của mình."))
        if reviewer.pk == outgoing.signer_id:
            raise ValidationFailed(_("Người ký không nằm trong danh sách cho ý kiến; dự thảo đến người ký sau cùng."))
        if outgoing.agency_id not in agencies_with_role(reviewer):
            raise ValidationFailed(
                _("%(name)s không phải cán bộ của cơ quan ban hành.") % {"name": reviewer.full_name or reviewer}
            )
        if reviewer.pk in seen:
            raise ValidationFailed(
                _("%(name)s có tên hai lần trong danh sách cho ý kiến.") % {"name": reviewer.full_name or reviewer}
            )
        seen.add(reviewer.pk)
    before = snapshot(outgoing, _AUDIT_FIELDS)
    round_number = current_round(outgoing) + 1
    ReviewStep.objects.bulk_create(
        [
            ReviewStep(outgoing=outgoing, order=position, reviewer=reviewer, round=round_number)
            for position, reviewer in enumerate(reviewers, start=1)
        ]
    )
    outgoing.status = S.IN_REVIEW if reviewers else S.AWAITING_SIGNATURE
    outgoing.save(update_fields=["status", "updated_at"])
    _audit(
        outgoing, action="submit", actor=actor, before=before, round=round_number, reviewers=[r.pk for r in reviewers]
    )
    return outgoing


@transaction.atomic
def outgoing_review(*, outgoing: OutgoingDocument, actor: Any, approve: bool, comment: str = "") -> OutgoingDocument:
    """The current reviewer agrees (to the next reviewer, or to the signer) or returns the draft to the drafter."""
    outgoing = _locked(outgoing, actor=actor, action=Action.REVIEW)
    step = current_step(outgoing)
    assert step is not None  # the rule book lets only the reviewer whose turn it is review
    note = nfc(comment or "")[:5000]
    if not approve and not note:
        raise ValidationFailed(_("Nhập lý do trả lại dự thảo."))
    before = snapshot(outgoing, _AUDIT_FIELDS)
    step.decision = ReviewStep.Decision.APPROVED if approve else ReviewStep.Decision.RETURNED
    step.comment = note
    step.decided_at = timezone.now()
    step.save(update_fields=["decision", "comment", "decided_at"])
    if not approve:
        outgoing.status = S.RETURNED
    elif current_step(outgoing) is None:
        outgoing.status = S.AWAITING_SIGNATURE
    outgoing.save(update_fields=["status", "updated_at"])
    _audit(outgoing, action="review", actor=actor, before=before, step=step.pk, decision=step.decision)
    return outgoing


@transaction.atomic
def outgoing_return(*, outgoing: OutgoingDocument, actor: Any, reason: str) -> OutgoingDocument:
    """The signer sends the draft back to the drafter instead of signing it."""
    outgoing = _locked(outgoing, actor=actor, action=Action.RETURN)
    note = nfc(reason or "")[:5000]
    if not note:
        raise ValidationFailed(_("Nhập lý do trả lại dự thảo."))
    before = snapshot(outgoing, _AUDIT_FIELDS)
    draft = latest_file(outgoing, DocumentFile.Kind.DRAFT)
    DocumentComment.objects.create(
        outgoing=outgoing, author=actor, text=note, draft_version=draft.version if draft else None
    )
    outgoing.status = S.RETURNED
    outgoing.save(update_fields=["status", "updated_at"])
    _audit(outgoing, action="return", actor=actor, before=before, reason=note)
    return outgoing


# ---------------------------------------------------------------- signature and issue


def _file_bytes(item: DocumentFile) -> bytes:
    with item.file.open("rb") as handle:
        return bytes(handle.read())


def _signer_title(outgoing: OutgoingDocument) -> str:
    return " ".join(part for part in (outgoing.signing_authority, outgoing.signer_position) if part)


@transaction.atomic
def outgoing_sign(*, outgoing: OutgoingDocument, actor: Any) -> OutgoingDocument:
    """The designated leader signs the latest draft with their personal certificate."""
    outgoing = _locked(outgoing, actor=actor, action=Action.SIGN)
    draft = latest_file(outgoing, DocumentFile.Kind.DRAFT)
    if draft is None:
        raise ValidationFailed(_("Chưa có dự thảo văn bản (PDF) để ký."))
    certificate = certificate_of_user(actor)
    if certificate is None:
        raise ValidationFailed(_("Bạn chưa có chứng thư số cá nhân còn hiệu lực để ký văn bản."))
    pdf = _file_bytes(draft)
    title = _signer_title(outgoing)
    signed = pdf_sign(
        pdf=pdf,
        certificate=certificate,
        reason=_("Ký ban hành văn bản"),
        location=numbering.place_name(outgoing.agency),
        field_name=next_field_name(pdf),
        placement="signature",
        extra_lines=[title] if title else [],
    )
    before = snapshot(outgoing, _AUDIT_FIELDS)
    item = _store(
        outgoing,
        kind=DocumentFile.Kind.SIGNED,
        version=draft.version,
        name=draft.name,
        data=signed,
        actor=actor,
        same_text_as=draft,
    )
    outgoing.signed_at = timezone.now()
    outgoing.status = S.SIGNED
    outgoing.page_count = min(draft.page_count or outgoing.page_count, 32767)
    outgoing.save(update_fields=["signed_at", "status", "page_count", "updated_at"])
    _audit(outgoing, action="sign", actor=actor, before=before, file=item.pk, certificate=certificate.serial)
    search.outgoing_index(outgoing.pk)
    return outgoing


@transaction.atomic
def outgoing_issue(*, outgoing: OutgoingDocument, actor: Any) -> OutgoingDocument:
    """The clerk issues the signed document: number and symbol, the organisation's signature, dispatch.

    One transaction: a failure anywhere (no organisation certificate, a broken file, a refused
    dispatch) rolls everything back, the number included, so the register keeps no gap.
    """
    outgoing = _locked(outgoing, actor=actor, action=Action.ISSUE)
    signed = latest_file(outgoing, DocumentFile.Kind.SIGNED)
    if signed is None:
        raise ValidationFailed(_("Không tìm thấy bản đã ký của văn bản."))
    if not outgoing.recipients.exists():
        raise ValidationFailed(_("Văn bản chưa có nơi nhận."))
    certificate = certificate_of_agency(outgoing.agency)
    if certificate is None:
        raise ValidationFailed(_("Cơ quan chưa có chứng thư số của tổ chức còn hiệu lực để ký phát hành văn bản."))
    before = snapshot(outgoing, _AUDIT_FIELDS)
    now = timezone.now()
    register = numbering.outgoing_register(outgoing.secrecy)
    outgoing.year = timezone.localdate(now).year
    outgoing.register = register
    outgoing.number = numbering.number_next(agency=outgoing.agency, year=outgoing.year, register=register)
    outgoing.notation = numbering.notation_for(
        document_type=outgoing.document_type, agency=outgoing.agency, drafting_department=outgoing.drafting_department
    )
    place = numbering.place_name(outgoing.agency)
    pdf = _file_bytes(signed)
    final = pdf_sign(
        pdf=pdf,
        certificate=certificate,
        reason=_("Phát hành văn bản"),
        location=place,
        field_name=next_field_name(pdf),
        placement="seal",
        extra_lines=[f"Số: {outgoing.code}", f"Ngày: {timezone.localdate(now):%d/%m/%Y}"],
    )
    main = _store(
        outgoing,
        kind=DocumentFile.Kind.SIGNED,
        version=signed.version,
        name=f"{outgoing.code.replace('/', '-')}.pdf",
        data=final,
        actor=actor,
        same_text_as=signed,
    )
    for annex in outgoing.files.filter(kind=DocumentFile.Kind.ATTACHMENT):
        data = _file_bytes(annex)
        stamped = pdf_sign(
            pdf=data,
            certificate=certificate,
            reason=_("Phát hành phụ lục kèm văn bản"),
            location=place,
            field_name=next_field_name(data),
            placement="top_right",
            extra_lines=[f"Kèm theo văn bản số {outgoing.code}"],
        )
        digest = hashlib.sha256(stamped).hexdigest()
        annex.file.save(f"attachment-{digest[:16]}.pdf", ContentFile(stamped), save=False)
        annex.sha256, annex.size = digest, len(stamped)
        annex.save(update_fields=["file", "sha256", "size", "updated_at"])
    code = verification_code_new()
    verifiable_register(
        code=code,
        pdf=final,
        title=f"{outgoing.code} — {outgoing.subject}",
        source=VerifiableDocument.Source.OUTGOING_DOCUMENT,
        agency=outgoing.agency,
        actor=actor,
        restricted=outgoing.secrecy != Secrecy.NORMAL,
        entitled_agencies=[
            outgoing.agency,
            *(r.agency for r in outgoing.recipients.select_related("agency") if r.agency is not None),
        ],
    )
    outgoing.verification_code = code
    outgoing.issued_at = now
    outgoing.issued_by = actor
    outgoing.status = S.ISSUED
    outgoing.save()
    _audit(outgoing, action="issue", actor=actor, before=before, file=main.pk, late=issued_late(outgoing))
    search.outgoing_index(outgoing.pk)
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=actor)
    return outgoing


@transaction.atomic
def outgoing_cancel(*, outgoing: OutgoingDocument, actor: Any, reason: str) -> OutgoingDocument:
    """The drafter or a leader of the agency drops a document before it is issued."""
    outgoing = _locked(outgoing, actor=actor, action=Action.CANCEL)
    note = nfc(reason or "")[:500]
    if not note:
        raise ValidationFailed(_("Nhập lý do hủy văn bản."))
    before = snapshot(outgoing, _AUDIT_FIELDS)
    outgoing.status = S.CANCELLED
    outgoing.note = note
    outgoing.save(update_fields=["status", "note", "updated_at"])
    _audit(outgoing, action="cancel", actor=actor, before=before)
    return outgoing
