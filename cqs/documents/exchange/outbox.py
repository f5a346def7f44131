"""Sending documents and status messages between agencies (edXML, QCVN 102:2016): dispatch, status, relay.

- ``recipients_dispatch``: an issued document goes to each of its recipients. An agency on this
  platform finds the edXML package in its pending-electronic inbox at once (an inbound
  ``ExchangeMessage``, same package format as over HTTP); an agency reached over the exchange axis
  gets an outbound message queued here and POSTed to its endpoint after the transaction commits;
  a paper recipient is marked sent. A classified document never leaves electronically.
- ``status_report``: the receiving agency tells the sender what became of a document it received
  electronically (03 accepted, 04 assigned, 05 processing, 06 completed, 02 refused…).
- ``outbox_relay``: POSTs due outbound messages, each row locked ``FOR UPDATE SKIP LOCKED`` so
  several relays never send one twice; failures are retried with exponential backoff
  (``attempts``, ``next_attempt_at``) up to ``CQS_EXCHANGE_MAX_ATTEMPTS``.

A package is sent by a background job deferred in the transaction that queued it
(``CQS_EXCHANGE_RELAY_ON_COMMIT``, short timeout ``CQS_EXCHANGE_TIMEOUT``); whatever fails there is
retried by the relay the worker runs every minute (``cqs.documents.tasks``, docs/worker.md), or by
hand with ``manage.py exchange_relay``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import InvalidTransition, ValidationFailed
from cqs.documents.exchange import edxml
from cqs.documents.models import (
    DocumentFile,
    ExchangeMessage,
    ExchangePartner,
    IncomingDocument,
    OutgoingDocument,
    OutgoingStatus,
    Recipient,
    Secrecy,
    Urgency,
)
from cqs.documents.numbering import place_name
from cqs.signing import ca
from cqs.signing.selectors import certificate_of_agency
from cqs.signing.signers import chain_of
from cqs.units.models import Agency

CLASSIFIED_REFUSED = "Văn bản mật không được gửi qua trục liên thông điện tử; chỉ gửi bản giấy theo quy định."
PRIORITY_OF_URGENCY = {Urgency.NORMAL: "0", Urgency.URGENT: "1", Urgency.VERY_URGENT: "2", Urgency.FLASH: "3"}
REPORTABLE_CODES = frozenset({"02", "03", "04", "05", "06", "15", "16"})
_RECIPIENT_FIELDS = ["status_code", "status_at", "status_note", "sent_at", "delivered_incoming"]
_MESSAGE_FIELDS = ["state", "attempts", "next_attempt_at", "last_error", "status_code", "incoming"]


def organ_of(agency: Agency) -> edxml.Organ:
    return edxml.Organ(
        organ_id=agency.electronic_code,
        name=agency.name,
        address=agency.address,
        email=agency.email,
        telephone=agency.phone,
    )


def signing_key_of(agency: Agency) -> edxml.SigningKey:
    """The agency's organisation key and certificate chain, to sign its edXML messages."""
    certificate = certificate_of_agency(agency)
    if certificate is None:
        raise ValidationFailed(
            f"Cơ quan «{agency.name}» chưa có chứng thư số tổ chức còn hiệu lực để ký gói tin edXML."
        )
    if not certificate.private_key_pem:
        raise ValidationFailed(
            "Khoá bí mật của chứng thư số cơ quan không được lưu trên hệ thống, chưa ký được gói tin edXML."
        )
    chain = [certificate, *(c for c in chain_of(certificate) if c.issuer_id is not None)]
    return edxml.SigningKey(
        key=ca.key_decrypt(certificate.private_key_pem),
        chain=tuple(ca.cert_load(c.certificate_pem) for c in chain),
    )


def document_id_new(organ_id: str) -> str:
    return f"{organ_id}:{uuid.uuid4().hex}"


def message_store(
    *,
    direction: str,
    kind: str,
    state: str,
    document_id: str,
    from_organ_id: str,
    to_organ_id: str,
    data: bytes,
    status_code: str = "",
    recipient: Recipient | None = None,
    incoming: IncomingDocument | None = None,
    responds_to: ExchangeMessage | None = None,
) -> ExchangeMessage:
    """One stored edXML message; an outbound PENDING one is due at once."""
    message = ExchangeMessage(
        direction=direction,
        kind=kind,
        state=state,
        document_id=document_id,
        from_organ_id=from_organ_id,
        to_organ_id=to_organ_id,
        status_code=status_code,
        sha256=hashlib.sha256(data).hexdigest(),
        recipient=recipient,
        incoming=incoming,
        responds_to=responds_to,
        next_attempt_at=timezone.now() if state == ExchangeMessage.State.PENDING else None,
    )
    # Named by its digest, never by the sender's DocumentId (which must not choose a path here).
    message.payload.save(f"{message.sha256[:32]}.xml", ContentFile(data), save=False)
    message.save()
    return message


def status_received_store(
    *,
    status: edxml.Status,
    data: bytes,
    recipient: Recipient | None = None,
    incoming: IncomingDocument | None = None,
    responds_to: ExchangeMessage | None = None,
) -> ExchangeMessage:
    """A status message received from a proven sender, stored as it came."""
    return message_store(
        direction=ExchangeMessage.Direction.IN,
        kind=ExchangeMessage.Kind.STATUS,
        state=ExchangeMessage.State.RECEIVED,
        document_id=status.document_id,
        from_organ_id=status.from_organ.organ_id,
        to_organ_id=status.to_organ_id,
        data=data,
        status_code=status.code,
        recipient=recipient,
        incoming=incoming,
        responds_to=responds_to,
    )


def _main_files(outgoing: OutgoingDocument) -> list[DocumentFile]:
    files = list(outgoing.files.all())
    signed = [f for f in files if f.kind == DocumentFile.Kind.SIGNED]
    main = signed or [f for f in files if f.kind == DocumentFile.Kind.MAIN]
    if not main:
        raise ValidationFailed("Văn bản chưa có tệp văn bản đã ký để gửi liên thông.")
    newest = max(main, key=lambda f: (f.version, f.pk))
    return [newest, *(f for f in files if f.kind == DocumentFile.Kind.ATTACHMENT)]


def _attachments(outgoing: OutgoingDocument) -> tuple[edxml.Attachment, ...]:
    attachments = []
    for index, document_file in enumerate(_main_files(outgoing), start=1):
        with document_file.file.open("rb") as handle:
            data = handle.read()
        attachments.append(
            edxml.Attachment(
                content_id=f"cid:{index}",
                name=document_file.name,
                content_type=document_file.content_type,
                data=data,
                description=str(DocumentFile.Kind(document_file.kind).label),
            )
        )
    return tuple(attachments)


def _response_for(outgoing: OutgoingDocument) -> edxml.ResponseFor | None:
    """The package a reply answers, when the document it replies to came by exchange."""
    if outgoing.reply_to_id is None:
        return None
    inbound = (
        ExchangeMessage.objects.filter(
            incoming_id=outgoing.reply_to_id, direction=ExchangeMessage.Direction.IN, kind=ExchangeMessage.Kind.DOCUMENT
        )
        .order_by("pk")
        .first()
    )
    if inbound is None or outgoing.reply_to is None:
        return None
    return edxml.ResponseFor(
        organ_id=inbound.from_organ_id,
        document_id=inbound.document_id,
        code=outgoing.reply_to.code,
        promulgation_date=outgoing.reply_to.document_date,
    )


def envelope_of(outgoing: OutgoingDocument, *, to: edxml.Organ, document_id: str) -> edxml.Envelope:
    """The edXML envelope of an issued document for one recipient."""
    if outgoing.number is None or outgoing.issued_at is None:
        raise InvalidTransition("Văn bản chưa được phát hành, chưa gửi liên thông được.")
    signer = outgoing.signer
    header = edxml.MessageHeader(
        from_organ=organ_of(outgoing.agency),
        to_organs=(to,),
        code_number=f"{outgoing.number:02d}",
        code_notation=outgoing.notation,
        place=place_name(outgoing.agency),
        promulgation_date=timezone.localdate(outgoing.issued_at),
        document_type=outgoing.document_type.name,
        subject=outgoing.subject,
        signer_full_name=(signer.full_name if signer is not None else "") or "—",
        signer_position=outgoing.signer_position,
        signer_competence=outgoing.signing_authority,
        response_for=_response_for(outgoing),
        priority=PRIORITY_OF_URGENCY.get(Urgency(outgoing.urgency), "0"),
        promulgation_amount=outgoing.copies,
        page_amount=outgoing.page_count,
    )
    return edxml.Envelope(
        document_id=document_id,
        header=header,
        attachments=_attachments(outgoing),
        traces=(edxml.Trace(organ_id=outgoing.agency.electronic_code, timestamp=timezone.now()),),
    )


def _recipient_agency(recipient: Recipient) -> Agency:
    agency = recipient.agency or Agency.objects.filter(electronic_code=recipient.organ_id, is_active=True).first()
    if agency is None:
        raise ValidationFailed(f"Nơi nhận «{recipient.name}» không phải là cơ quan trên hệ thống.")
    return agency


@transaction.atomic
def recipients_dispatch(*, outgoing: OutgoingDocument, actor: Any) -> None:
    """Send an issued document to its recipients not yet sent to (internal at once, edXML queued, paper marked)."""
    outgoing = (
        OutgoingDocument.objects.select_for_update(of=("self",))
        .select_related("agency", "document_type", "signer")
        .get(pk=outgoing.pk)
    )
    if outgoing.status != OutgoingStatus.ISSUED:
        raise InvalidTransition(
            f"Chỉ gửi văn bản đã phát hành; văn bản đang ở trạng thái «{OutgoingStatus(outgoing.status).label}».",
            extra={"status": outgoing.status},
        )
    recipients = list(outgoing.recipients.select_for_update().filter(sent_at__isnull=True).order_by("pk"))
    electronic = [r for r in recipients if r.channel != Recipient.Channel.PAPER]
    if electronic and outgoing.secrecy != Secrecy.NORMAL:
        raise ValidationFailed(CLASSIFIED_REFUSED, code="classified")
    signing = signing_key_of(outgoing.agency) if electronic else None
    now = timezone.now()
    queued: list[int] = []
    for recipient in recipients:
        before = snapshot(recipient, _RECIPIENT_FIELDS)
        if recipient.channel == Recipient.Channel.PAPER:
            recipient.sent_at = now
            recipient.save(update_fields=["sent_at"])
        elif recipient.channel == Recipient.Channel.INTERNAL:
            assert signing is not None
            target = _recipient_agency(recipient)
            document_id = document_id_new(outgoing.agency.electronic_code)
            data = edxml.envelope_build(
                envelope_of(outgoing, to=organ_of(target), document_id=document_id), signing=signing
            )
            message_store(
                direction=ExchangeMessage.Direction.IN,
                kind=ExchangeMessage.Kind.DOCUMENT,
                state=ExchangeMessage.State.RECEIVED,
                document_id=document_id,
                from_organ_id=outgoing.agency.electronic_code,
                to_organ_id=target.electronic_code,
                data=data,
                recipient=recipient,
            )
            recipient.sent_at = now
            recipient.status_code = "01"
            recipient.status_at = now
            recipient.status_note = edxml.STATUS_CODES["01"]
            recipient.save(update_fields=["sent_at", "status_code", "status_at", "status_note"])
        else:
            assert signing is not None
            if not recipient.organ_id:
                raise ValidationFailed(f"Nơi nhận «{recipient.name}» chưa có mã định danh cơ quan để gửi liên thông.")
            if not ExchangePartner.objects.filter(organ_id=recipient.organ_id, is_active=True).exists():
                raise ValidationFailed(
                    f"Chưa có địa chỉ liên thông của cơ quan «{recipient.name}» (mã {recipient.organ_id})."
                )
            to = edxml.Organ(organ_id=recipient.organ_id, name=recipient.name)
            document_id = document_id_new(outgoing.agency.electronic_code)
            data = edxml.envelope_build(envelope_of(outgoing, to=to, document_id=document_id), signing=signing)
            message = message_store(
                direction=ExchangeMessage.Direction.OUT,
                kind=ExchangeMessage.Kind.DOCUMENT,
                state=ExchangeMessage.State.PENDING,
                document_id=document_id,
                from_organ_id=outgoing.agency.electronic_code,
                to_organ_id=recipient.organ_id,
                data=data,
                recipient=recipient,
            )
            queued.append(message.pk)
            continue
        audit_record(
            actor=actor, action="documents.recipient_sent", obj=recipient, before=before, after=snapshot(recipient)
        )
    if queued:
        audit_record(
            actor=actor,
            action="documents.exchange_queued",
            obj=outgoing,
            after={"messages": queued},
        )
        relay_defer(queued)


def status_apply(*, recipient: Recipient, code: str, note: str, at: dt.datetime, actor: Any) -> None:
    """The sending side records what a recipient reported (status code, time, note), audited."""
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    before = snapshot(recipient, _RECIPIENT_FIELDS)
    recipient.status_code = code
    recipient.status_at = at
    recipient.status_note = (note or edxml.STATUS_CODES.get(code, ""))[:500]
    recipient.save(update_fields=["status_code", "status_at", "status_note"])
    audit_record(
        actor=actor,
        action="documents.recipient_status",
        obj=recipient,
        before=before,
        after=snapshot(recipient, _RECIPIENT_FIELDS),
    )


def status_queue(
    *,
    agency: Agency,
    inbound: ExchangeMessage,
    code: str,
    note: str,
    staff_name: str = "",
) -> ExchangeMessage:
    """A signed status message about ``inbound`` from ``agency`` to the sender, queued in the outbox."""
    return status_send(
        agency=agency,
        package=inbound,
        to_organ_id=inbound.from_organ_id,
        code=code,
        note=note,
        staff_name=staff_name,
        incoming=inbound.incoming,
    )


def status_signed(
    *, agency: Agency, package: ExchangeMessage, to_organ_id: str, code: str, note: str, staff_name: str = ""
) -> tuple[str, bytes]:
    """(DocumentId, signed XML) of a status message from ``agency`` to ``to_organ_id`` about ``package``."""
    document_id = document_id_new(agency.electronic_code)
    status = edxml.Status(
        document_id=document_id,
        from_organ=organ_of(agency),
        to_organ_id=to_organ_id,
        response_for=edxml.ResponseFor(organ_id=package.from_organ_id, document_id=package.document_id),
        code=code,
        description=note or edxml.STATUS_CODES[code],
        timestamp=timezone.now(),
        staff_name=staff_name,
    )
    return document_id, edxml.status_build(status, signing=signing_key_of(agency))


def status_send(
    *,
    agency: Agency,
    package: ExchangeMessage,
    to_organ_id: str,
    code: str,
    note: str,
    staff_name: str = "",
    recipient: Recipient | None = None,
    incoming: IncomingDocument | None = None,
) -> ExchangeMessage:
    """A signed status message from ``agency`` to ``to_organ_id`` about the document package ``package``, queued."""
    document_id, data = status_signed(
        agency=agency, package=package, to_organ_id=to_organ_id, code=code, note=note, staff_name=staff_name
    )
    message = message_store(
        direction=ExchangeMessage.Direction.OUT,
        kind=ExchangeMessage.Kind.STATUS,
        state=ExchangeMessage.State.PENDING,
        document_id=document_id,
        from_organ_id=agency.electronic_code,
        to_organ_id=to_organ_id,
        data=data,
        status_code=code,
        recipient=recipient,
        incoming=incoming,
        responds_to=package,
    )
    relay_defer([message.pk])
    return message


def report_on(*, inbound: ExchangeMessage, agency: Agency, code: str, note: str, actor: Any) -> None:
    """Tell the sender of ``inbound`` the new status: directly when it is here, else by a queued message."""
    if inbound.recipient_id is not None:
        assert inbound.recipient is not None
        status_apply(recipient=inbound.recipient, code=code, note=note, at=timezone.now(), actor=actor)
        if code == "03" and inbound.incoming_id is not None:
            Recipient.objects.filter(pk=inbound.recipient_id).update(delivered_incoming_id=inbound.incoming_id)
        return
    try:
        message = status_queue(
            agency=agency, inbound=inbound, code=code, note=note, staff_name=getattr(actor, "full_name", "") or ""
        )
    except ValidationFailed as exc:
        # The agency cannot sign (no usable organisation certificate): the handling goes on, the gap is recorded.
        audit_record(
            actor=actor,
            action="documents.exchange_status_not_sent",
            obj=inbound,
            after={"code": code, "reason": exc.message},
        )
        return
    audit_record(actor=actor, action="documents.exchange_status_queued", obj=message, after=snapshot(message))


@transaction.atomic
def status_report(*, incoming: IncomingDocument, code: str, note: str = "", actor: Any) -> None:
    """When ``incoming`` came by exchange, tell its sender the new status (edXML StatusCode)."""
    if code not in REPORTABLE_CODES:
        raise ValidationFailed(f"Mã trạng thái edXML «{code}» không được báo về nơi gửi.")
    inbound = (
        ExchangeMessage.objects.select_related("recipient")
        .filter(incoming=incoming, direction=ExchangeMessage.Direction.IN, kind=ExchangeMessage.Kind.DOCUMENT)
        .order_by("pk")
        .first()
    )
    if inbound is None:
        return
    report_on(inbound=inbound, agency=incoming.agency, code=code, note=note, actor=actor)


# ---------------------------------------------------------------------------------------------- relay


def relay_defer(ids: Sequence[int]) -> None:
    """Defer the job that sends ``ids``, in the current transaction (it runs only if the transaction commits)."""
    if settings.CQS_EXCHANGE_RELAY_ON_COMMIT:
        from cqs.documents.tasks import exchange_messages_send

        exchange_messages_send.defer(message_ids=list(ids))


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min… at most 6 hours."""
    return min(dt.timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), dt.timedelta(hours=6))


def _reason(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        return str(body.get("message") or body)[:500]
    return str(body)[:500]


def _deliver(message: ExchangeMessage) -> None:
    before = snapshot(message, _MESSAGE_FIELDS)
    now = timezone.now()
    message.attempts += 1
    partner = ExchangePartner.objects.filter(organ_id=message.to_organ_id, is_active=True).first()
    refused = False
    error = ""
    if partner is None:
        error = f"Chưa có địa chỉ liên thông của cơ quan mã {message.to_organ_id}."
    else:
        with message.payload.open("rb") as handle:
            data = handle.read()
        try:
            response = requests.post(
                partner.endpoint,
                data=data,
                headers={"Content-Type": "application/xml; charset=utf-8", "Accept": "application/json"},
                timeout=settings.CQS_EXCHANGE_TIMEOUT,
            )
        except requests.RequestException as exc:
            error = f"Không kết nối được tới {partner.endpoint}: {exc.__class__.__name__}"
        else:
            if 200 <= response.status_code < 300:
                error = ""
            elif 400 <= response.status_code < 500 and response.status_code not in (408, 429):
                refused = True
                error = _reason(response)
            else:
                error = f"HTTP {response.status_code}: {_reason(response)}"
    if not error:
        message.state = ExchangeMessage.State.SENT
        message.next_attempt_at = None
        message.last_error = ""
        if message.recipient_id is not None and message.kind == ExchangeMessage.Kind.DOCUMENT:
            Recipient.objects.filter(pk=message.recipient_id).update(sent_at=now)
        action = "documents.exchange_sent"
    elif refused:
        message.state = ExchangeMessage.State.REFUSED
        message.next_attempt_at = None
        message.last_error = error[:1000]
        action = "documents.exchange_refused_by_partner"
    else:
        message.state = ExchangeMessage.State.FAILED
        message.last_error = error[:1000]
        message.next_attempt_at = (
            now + backoff(message.attempts) if message.attempts < settings.CQS_EXCHANGE_MAX_ATTEMPTS else None
        )
        action = "documents.exchange_send_failed"
    message.save(update_fields=["state", "attempts", "next_attempt_at", "last_error", "updated_at"])
    audit_record(actor=None, action=action, obj=message, before=before, after=snapshot(message, _MESSAGE_FIELDS))
    if refused and message.recipient is not None and message.kind == ExchangeMessage.Kind.DOCUMENT:
        status_apply(recipient=message.recipient, code="02", note=error, at=now, actor=None)


def outbox_relay(*, limit: int = 100, ids: Sequence[int] | None = None) -> int:
    """Send up to ``limit`` due outbound messages; returns how many were delivered.

    Each message is locked ``FOR UPDATE SKIP LOCKED`` in its own transaction while it is sent,
    so concurrent relays share the queue and none sends a message twice.
    """
    delivered = 0
    for _ in range(limit):
        with transaction.atomic():
            due = ExchangeMessage.objects.select_for_update(skip_locked=True, of=("self",)).filter(
                direction=ExchangeMessage.Direction.OUT,
                state__in=[ExchangeMessage.State.PENDING, ExchangeMessage.State.FAILED],
                next_attempt_at__lte=timezone.now(),
            )
            if ids is not None:
                due = due.filter(pk__in=list(ids))
            message = due.select_related("recipient").order_by("next_attempt_at", "pk").first()
            if message is None:
                break
            _deliver(message)
            delivered += message.state == ExchangeMessage.State.SENT
    return delivered
