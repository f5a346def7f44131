"""Receiving edXML packages (QCVN 102:2016): check, store, accept into the incoming register or refuse.

``edxml_receive`` is the service of the HTTP endpoint: an ``edXMLEnvelope`` goes to
``package_receive``, an ``edXML:Status`` to ``status_receive``.

A package is checked in this order: well-formed, complete and within the bounds this platform
keeps (``edxml.envelope_parse``: required elements, lengths, safe ids, dates, each attachment's
SHA-256 against the manifest), its XMLDSig signature made by the sending agency's certificate
chaining to a trusted root CA (this platform's or a partner's imported with
``exchange_trust_ca``), addressed to an agency of this platform, and every signed PDF inside
valid (``pdf_verify``), the main one signed.

What is kept of a refused package: nothing, unless its sender is proven (the signature holds)
and known (a declared exchange partner); then it is stored REFUSED with the reason and a status
02 goes back. Anything else refused is answered 400 with the reason and only logged. A package
that passes is stored RECEIVED (the agency's pending-electronic inbox) and a status 01 goes back
to a known partner. The same DocumentId received twice is the same message. A clerk of the
recipient agency then accepts it (it is entered in the incoming register, status 03) or refuses
it with a reason (status 02).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cqs.accounts.models import Role
from cqs.accounts.permissions import is_administrator
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.core.text import nfc
from cqs.documents.exchange import edxml, trust
from cqs.documents.exchange import outbox as exchange_outbox
from cqs.documents.exchange import recall as exchange_recall
from cqs.documents.incoming.authenticity import pdf_problem
from cqs.documents.incoming.services import IncomingFile, incoming_register
from cqs.documents.models import (
    DocumentType,
    ExchangeMessage,
    ExchangePartner,
    IncomingDocument,
    OutgoingDocument,
    Recipient,
    Urgency,
)
from cqs.documents.permissions import clerk_organ_ids, holds_role_at
from cqs.signing import ca
from cqs.signing.models import Certificate
from cqs.units.models import Agency

logger = logging.getLogger(__name__)

URGENCY_OF_PRIORITY = {"0": Urgency.NORMAL, "1": Urgency.URGENT, "2": Urgency.VERY_URGENT, "3": Urgency.FLASH}
# How far along a recipient is: a late status never moves it back (02 refused is final).
STATUS_RANK = {"01": 1, "03": 2, "04": 3, "05": 4, "06": 5, "02": 6, "13": 7, "15": 8, "16": 8}
_MESSAGE_FIELDS = ["state", "last_error", "incoming"]


def _max_bytes() -> int:
    return int(settings.CQS_EXCHANGE_MAX_BYTES)


def _lock_document_id(document_id: str) -> None:
    """Serialise the handling of one DocumentId so that a package sent twice at once is stored once."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"edxml:{document_id}"])


# ---------------------------------------------------------------------------------------------- receive


def _attachments_problem(envelope: edxml.Envelope) -> str:
    """Why the package's files fail the check every electronic document received passes, or ""."""
    for index, attachment in enumerate(envelope.attachments):
        problem, _checked = pdf_problem(
            name=attachment.name, data=attachment.data, main=index == 0, content_type=attachment.content_type
        )
        if problem:
            return problem
    return ""


def _addressee(envelope: edxml.Envelope) -> Agency | None:
    codes = [organ.organ_id for organ in envelope.header.to_organs]
    return Agency.objects.filter(electronic_code__in=codes, is_active=True).order_by("pk").first()


def _known_partner(organ_id: str) -> bool:
    return ExchangePartner.objects.filter(organ_id=organ_id, is_active=True).exists()


def _answer(*, agency: Agency, inbound: ExchangeMessage, code: str, note: str) -> None:
    """Queue status ``code`` back to the sender when it is a known partner and the agency can sign."""
    if not _known_partner(inbound.from_organ_id):
        return
    try:
        exchange_outbox.status_queue(agency=agency, inbound=inbound, code=code, note=note)
    except ValidationFailed as exc:
        logger.warning("edXML status %s for %s not sent: %s", code, inbound.document_id, exc.message)


@transaction.atomic
def package_receive(*, data: bytes) -> ExchangeMessage:
    """Store a received package: RECEIVED (status 01 back) or REFUSED with the reason (status 02 back).

    A package that fails before its sender is proven and known is refused with ``ValidationFailed``
    (code "refused") and nothing of it is stored.
    """
    try:
        envelope = edxml.envelope_parse(data, max_bytes=_max_bytes())
    except ValidationFailed as exc:
        raise trust.not_kept(exc.message) from exc
    sender = envelope.header.from_organ
    _lock_document_id(envelope.document_id)
    known = ExchangeMessage.objects.filter(
        direction=ExchangeMessage.Direction.IN,
        kind=ExchangeMessage.Kind.DOCUMENT,
        document_id=envelope.document_id,
    ).first()
    if known is not None:
        return known
    trust.sender_verify(data, sender=sender, document_id=envelope.document_id)
    agency = _addressee(envelope)
    if agency is None:
        codes = ", ".join(organ.organ_id for organ in envelope.header.to_organs)
        reason = f"Không có cơ quan nhận mã {codes} trên hệ thống này."
        raise trust.not_kept(reason, document_id=envelope.document_id, sender=sender.organ_id)
    reason = _attachments_problem(envelope)
    if reason and not _known_partner(sender.organ_id):
        raise trust.not_kept(reason, document_id=envelope.document_id, sender=sender.organ_id)
    message = exchange_outbox.message_store(
        direction=ExchangeMessage.Direction.IN,
        kind=ExchangeMessage.Kind.DOCUMENT,
        state=ExchangeMessage.State.REFUSED if reason else ExchangeMessage.State.RECEIVED,
        document_id=envelope.document_id,
        from_organ_id=sender.organ_id,
        to_organ_id=agency.electronic_code,
        data=data,
    )
    if reason:
        message.last_error = reason[:1000]
        message.save(update_fields=["last_error"])
    audit_record(
        actor=None,
        action="documents.exchange_refused" if reason else "documents.exchange_received",
        obj=message,
        after=snapshot(message, _MESSAGE_FIELDS),
    )
    _answer(agency=agency, inbound=message, code="02" if reason else "01", note=reason)
    return message


@transaction.atomic
def status_receive(*, data: bytes) -> ExchangeMessage:
    """A partner's signed status message about a package sent from here updates that recipient.

    A status that fails (unreadable, about a package not sent from here, its signature not proven)
    is refused with ``ValidationFailed`` and nothing of it is stored.
    """
    try:
        status = edxml.status_parse(data, max_bytes=_max_bytes())
    except ValidationFailed as exc:
        raise trust.not_kept(exc.message) from exc
    _lock_document_id(status.document_id)
    known = ExchangeMessage.objects.filter(
        direction=ExchangeMessage.Direction.IN, kind=ExchangeMessage.Kind.STATUS, document_id=status.document_id
    ).first()
    if known is not None:
        return known
    if status.code == exchange_recall.RECALL:
        return exchange_recall.recall_request_receive(status=status, data=data)
    sent = (
        ExchangeMessage.objects.select_related("recipient")
        .filter(
            direction=ExchangeMessage.Direction.OUT,
            kind=ExchangeMessage.Kind.DOCUMENT,
            document_id=status.response_for.document_id,
            to_organ_id=status.from_organ.organ_id,
        )
        .first()
    )
    if sent is None or sent.recipient is None:
        raise trust.not_kept(
            f"Không tìm thấy văn bản đã gửi cho cơ quan mã {status.from_organ.organ_id} "
            f"có mã gói tin «{status.response_for.document_id}».",
            document_id=status.document_id,
            sender=status.from_organ.organ_id,
        )
    trust.sender_verify(data, sender=status.from_organ, document_id=status.document_id)
    message = exchange_outbox.status_received_store(status=status, data=data, recipient=sent.recipient)
    audit_record(actor=None, action="documents.exchange_status_received", obj=message, after=snapshot(message))
    current = STATUS_RANK.get(sent.recipient.status_code, 0)
    if STATUS_RANK[status.code] >= current:
        exchange_outbox.status_apply(
            recipient=sent.recipient,
            code=status.code,
            note=status.description,
            at=status.timestamp.astimezone(dt.UTC),
            actor=None,
        )
    return message


def edxml_receive(*, data: bytes) -> ExchangeMessage:
    """The endpoint's service: a document package or a status message, told apart by the root element."""
    root = edxml.document_load(data, max_bytes=_max_bytes())
    if edxml.kind_of(root) == "status":
        return status_receive(data=data)
    return package_receive(data=data)


# ---------------------------------------------------------------------------------------------- clerk


def pending_packages(user: Any) -> QuerySet[ExchangeMessage]:
    """Packages received for the agencies where the user is a clerk, not yet accepted or refused."""
    return ExchangeMessage.objects.filter(
        direction=ExchangeMessage.Direction.IN,
        kind=ExchangeMessage.Kind.DOCUMENT,
        state=ExchangeMessage.State.RECEIVED,
        incoming__isnull=True,
        to_organ_id__in=clerk_organ_ids(user),
    ).order_by("created_at", "pk")


def package_read(message: ExchangeMessage, *, with_files: bool = True) -> edxml.Envelope:
    """The stored package; ``with_files=False`` for its header only (lists)."""
    with message.payload.open("rb") as handle:
        return edxml.envelope_parse(handle.read(), max_bytes=_max_bytes(), with_files=with_files)


def _pending_locked(message: ExchangeMessage, actor: Any) -> tuple[ExchangeMessage, Agency]:
    locked = ExchangeMessage.objects.select_for_update().filter(pk=message.pk).first()
    agency = Agency.objects.filter(electronic_code=locked.to_organ_id).first() if locked else None
    if (
        locked is None
        or agency is None
        or locked.direction != ExchangeMessage.Direction.IN
        or locked.kind != ExchangeMessage.Kind.DOCUMENT
        or not holds_role_at(actor, Role.CLERK, agency.pk)
    ):
        raise NotFoundOrForbidden("Không tìm thấy gói tin văn bản điện tử này.")
    if locked.state != ExchangeMessage.State.RECEIVED or locked.incoming_id is not None:
        current = "đã tiếp nhận" if locked.incoming_id else str(ExchangeMessage.State(locked.state).label).lower()
        raise InvalidTransition(
            f"Gói tin này {current}, không tiếp nhận hoặc từ chối lại được.", extra={"state": locked.state}
        )
    return locked, agency


def _document_type(envelope: edxml.Envelope) -> DocumentType:
    by_name = DocumentType.objects.filter(name__iexact=envelope.header.document_type, is_active=True).first()
    if by_name is not None:
        return by_name
    abbreviation = envelope.header.code_notation.split("-")[0]
    found = (
        DocumentType.objects.filter(abbreviation=abbreviation, is_active=True).first()
        or DocumentType.objects.filter(name="Công văn", is_active=True).first()
    )
    if found is None:
        raise ValidationFailed(
            _("Chưa có loại văn bản «%(type)s» hay «Công văn» để vào sổ văn bản này.")
            % {"type": envelope.header.document_type}
        )
    return found


@transaction.atomic
def package_accept(*, message: ExchangeMessage, actor: Any, note: str = "") -> IncomingDocument:
    """A clerk of the recipient agency enters the package in the incoming register; the sender gets 03."""
    message, agency = _pending_locked(message, actor)
    envelope = package_read(message)
    header = envelope.header
    files = [
        IncomingFile(name=attachment.name, data=attachment.data, kind="main" if index == 0 else "attachment")
        for index, attachment in enumerate(envelope.attachments)
    ]
    incoming = incoming_register(
        agency=agency,
        actor=actor,
        channel="electronic",
        sender_name=header.from_organ.name,
        sender_code=header.from_organ.organ_id,
        document_type=_document_type(envelope),
        subject=header.subject,
        code_number=header.code_number,
        code_notation=header.code_notation,
        document_date=header.promulgation_date,
        signer_name=header.signer_full_name,
        urgency=URGENCY_OF_PRIORITY.get(header.priority, Urgency.NORMAL),
        reply_due=header.due_date,
        files=files,
        received_at=message.created_at,
        note=note,
    )
    before = snapshot(message, _MESSAGE_FIELDS)
    message.incoming = incoming
    message.save(update_fields=["incoming", "updated_at"])
    audit_record(actor=actor, action="documents.exchange_accepted", obj=message, before=before, after=snapshot(message))
    exchange_outbox.report_on(inbound=message, agency=agency, code="03", note="", actor=actor)
    return incoming


@transaction.atomic
def package_refuse(*, message: ExchangeMessage, actor: Any, reason: str) -> ExchangeMessage:
    """A clerk of the recipient agency returns the package with a reason; the sender gets 02."""
    reason = nfc(reason or "").strip()
    if not reason:
        raise ValidationFailed("Chưa nhập lý do từ chối tiếp nhận văn bản.")
    if len(reason) > 500:
        raise ValidationFailed("Lý do từ chối không được dài quá 500 ký tự.")
    message, agency = _pending_locked(message, actor)
    before = snapshot(message, _MESSAGE_FIELDS)
    message.state = ExchangeMessage.State.REFUSED
    message.last_error = reason
    message.save(update_fields=["state", "last_error", "updated_at"])
    audit_record(actor=actor, action="documents.exchange_refused", obj=message, before=before, after=snapshot(message))
    exchange_outbox.report_on(inbound=message, agency=agency, code="02", note=reason, actor=actor)
    return message


# ---------------------------------------------------------------------------------------------- partners


def recipient_statuses(outgoing: OutgoingDocument) -> list[Recipient]:
    """The recipients of a document with their edXML status and the messages exchanged about it."""
    return list(outgoing.recipients.select_related("agency").prefetch_related("messages").order_by("pk"))


@transaction.atomic
def partner_ca_trust(*, pem: bytes, actor: Any) -> Certificate:
    """Trust a partner's root CA (a self-signed CA certificate, no key) for edXML and PDF signatures."""
    if not is_administrator(actor):
        raise NotFoundOrForbidden(_("Bạn không có quyền thực hiện thao tác này."))
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise ValidationFailed("Tệp không phải là chứng thư số PEM hợp lệ.") from exc
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca or cert.issuer != cert.subject:
        raise ValidationFailed("Chỉ nhập chứng thư CA gốc (tự ký, CA:TRUE) của cơ quan liên thông.")
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise ValidationFailed("Chữ ký của chứng thư CA gốc không hợp lệ.") from exc
    serial = format(cert.serial_number, "x")
    existing = Certificate.objects.filter(serial=serial).first()
    if existing is not None:
        return existing
    names = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    certificate = Certificate.objects.create(
        common_name=nfc(str(names[0].value)) if names else serial,
        kind=Certificate.Kind.CA,
        serial=serial,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        certificate_pem=ca.cert_pem(cert),
    )
    audit_record(actor=actor, action="documents.exchange_ca_trusted", obj=certificate, after={"serial": serial})
    return certificate
