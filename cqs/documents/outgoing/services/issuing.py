"""The leader's signature and the clerk's issuing: number, symbol, date in place, the organisation's seal, dispatch.

The number and the issue date go where the document writes them (its "Số:" line and its date
line, found on the draft's first page by the worker after the upload, or at signing if not yet:
``DocumentFile.places``), although
they are given after the leader has signed (Decree 30 numbers an electronic document when it is
issued). Before signing, the draft gets empty read-only text fields over those places and the
empty signature field of the seal, and the leader's signature certifies it allowing form filling
and signing only; issuing fills the fields, then the organisation signs its field
(``cqs.signing.pdf_fields``). Both signatures stay valid. A draft without those places still
issues, with the number and the date in the seal's box only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.core.audit import snapshot
from cqs.core.errors import ValidationFailed
from cqs.documents import numbering
from cqs.documents.exchange import outbox as exchange_outbox
from cqs.documents.models import (
    DocumentFile,
    OutgoingDocument,
    Secrecy,
)
from cqs.documents.outgoing.selectors import issued_late, latest_file
from cqs.documents.outgoing.services.common import AUDIT_FIELDS, S, audit, file_bytes, locked, store_file
from cqs.documents.outgoing.transitions import Action
from cqs.documents.search import index as search
from cqs.documents.search.services import document_file_text_read
from cqs.signing.models import VerifiableDocument
from cqs.signing.pdf import next_field_name, pdf_sign
from cqs.signing.pdf_fields import TextField, pdf_fields_add, pdf_fields_fill, text_width
from cqs.signing.selectors import certificate_of_agency, certificate_of_user
from cqs.signing.services import verifiable_register, verification_code_new

NUMBER_FIELD, DATE_FIELD = "so_ky_hieu", "ngay_ban_hanh"
LEADER_FIELD, SEAL_FIELD = "Signature1", "Signature2"
SEAL_LINES = 2  # "Số: 05/QĐ-UBND", "Ngày: 05/03/2026" under the seal
WIDEN_MAX = 40.0  # points a place may grow on each side to hold the longest number or date


def _signer_title(outgoing: OutgoingDocument) -> str:
    return " ".join(part for part in (outgoing.signing_authority, outgoing.signer_position) if part)


def _widened(box: list[float], widest: str) -> tuple[float, float, float, float]:
    """The place's box, grown evenly on both sides (the lines are centred) to hold ``widest`` on one line."""
    x0, y0, x1, y1, size = box
    missing = text_width(widest, size) + 4 - (x1 - x0)
    grow = min(max(missing / 2, 0.0), WIDEN_MAX)
    return x0 - grow, y0, x1 + grow, y1


def _fields(outgoing: OutgoingDocument, places: dict[str, list[float]]) -> list[TextField]:
    """The text fields over the draft's places, each wide enough for the longest text it may get."""
    notation = numbering.notation_for(
        document_type=outgoing.document_type, agency=outgoing.agency, drafting_department=outgoing.drafting_department
    )
    fields = []
    if "number" in places:
        box = places["number"]
        fields.append(TextField(NUMBER_FIELD, _widened(box, f"Số: 9999/{notation}"), box[4]))
    if "date" in places:
        box = places["date"]
        multiline = box[3] - box[1] > 2 * box[4]  # the date wraps onto a second line in the draft
        widest = numbering.date_line(numbering.place_name(outgoing.agency), dt.date(2099, 12, 28))
        shape = (box[0], box[1], box[2], box[3]) if multiline else _widened(box, widest)
        fields.append(TextField(DATE_FIELD, shape, box[4], italic=True, multiline=multiline))
    return fields


def _prepared(outgoing: OutgoingDocument, draft: DocumentFile, pdf: bytes) -> tuple[bytes, str, bool]:
    """(the PDF the leader signs, the field the leader signs, whether the signature certifies the draft)."""
    if next_field_name(pdf) != LEADER_FIELD:
        return pdf, next_field_name(pdf), False  # a draft signed already: no certification, no fields
    prepared = pdf_fields_add(pdf, _fields(outgoing, draft.places or {}), seal_field=SEAL_FIELD, seal_lines=SEAL_LINES)
    return prepared, LEADER_FIELD, True


@transaction.atomic
def outgoing_sign(*, outgoing: OutgoingDocument, actor: Any) -> OutgoingDocument:
    """The designated leader signs the latest draft with their personal certificate."""
    outgoing = locked(outgoing, actor=actor, action=Action.SIGN)
    draft = latest_file(outgoing, DocumentFile.Kind.DRAFT)
    if draft is None:
        raise ValidationFailed(_("Chưa có dự thảo văn bản (PDF) để ký."))
    draft = document_file_text_read(file_id=draft.pk) or draft  # its places, if the worker has not read it yet
    certificate = certificate_of_user(actor)
    if certificate is None:
        raise ValidationFailed(_("Bạn chưa có chứng thư số cá nhân còn hiệu lực để ký văn bản."))
    pdf, field_name, certify = _prepared(outgoing, draft, file_bytes(draft))
    title = _signer_title(outgoing)
    signed = pdf_sign(
        pdf=pdf,
        certificate=certificate,
        reason=_("Ký ban hành văn bản"),
        location=numbering.place_name(outgoing.agency),
        field_name=field_name,
        placement="signature",
        extra_lines=[title] if title else [],
        certify=certify,
    )
    before = snapshot(outgoing, AUDIT_FIELDS)
    item = store_file(
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
    audit(outgoing, action="sign", actor=actor, before=before, file=item.pk, certificate=certificate.serial)
    search.outgoing_index(outgoing.pk)
    return outgoing


@transaction.atomic
def outgoing_issue(*, outgoing: OutgoingDocument, actor: Any) -> OutgoingDocument:
    """The clerk issues the signed document: number and symbol, the organisation's signature, dispatch.

    One transaction: a failure anywhere (no organisation certificate, a broken file, a refused
    dispatch) rolls everything back, the number included, so the register keeps no gap.
    """
    outgoing = locked(outgoing, actor=actor, action=Action.ISSUE)
    signed = latest_file(outgoing, DocumentFile.Kind.SIGNED)
    if signed is None:
        raise ValidationFailed(_("Không tìm thấy bản đã ký của văn bản."))
    if not outgoing.recipients.exists():
        raise ValidationFailed(_("Văn bản chưa có nơi nhận."))
    certificate = certificate_of_agency(outgoing.agency)
    if certificate is None:
        raise ValidationFailed(_("Cơ quan chưa có chứng thư số của tổ chức còn hiệu lực để ký phát hành văn bản."))
    before = snapshot(outgoing, AUDIT_FIELDS)
    now = timezone.now()
    register = numbering.outgoing_register(outgoing.secrecy)
    outgoing.year = timezone.localdate(now).year
    outgoing.register = register
    outgoing.number = numbering.number_next(agency=outgoing.agency, year=outgoing.year, register=register)
    outgoing.notation = numbering.notation_for(
        document_type=outgoing.document_type, agency=outgoing.agency, drafting_department=outgoing.drafting_department
    )
    place = numbering.place_name(outgoing.agency)
    day = timezone.localdate(now)
    pdf = pdf_fields_fill(
        file_bytes(signed),
        {NUMBER_FIELD: f"Số: {outgoing.code}", DATE_FIELD: numbering.date_line(place, day)},
    )
    final = pdf_sign(
        pdf=pdf,
        certificate=certificate,
        reason=_("Phát hành văn bản"),
        location=place,
        field_name=next_field_name(pdf),
        placement="seal",
        extra_lines=[f"Số: {outgoing.code}", f"Ngày: {day:%d/%m/%Y}"],
    )
    main = store_file(
        outgoing,
        kind=DocumentFile.Kind.SIGNED,
        version=signed.version,
        name=f"{outgoing.code.replace('/', '-')}.pdf",
        data=final,
        actor=actor,
        same_text_as=signed,
    )
    for annex in outgoing.files.filter(kind=DocumentFile.Kind.ATTACHMENT):
        data = file_bytes(annex)
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
    audit(outgoing, action="issue", actor=actor, before=before, file=main.pk, late=issued_late(outgoing))
    search.outgoing_index(outgoing.pk)
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=actor)
    return outgoing
