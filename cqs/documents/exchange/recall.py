"""Recalling an issued document from its electronic recipients (edXML status 13, answered by 15 or 16).

The sender's clerk asks for the document back with a reason (``outgoing_recall``): each recipient
on the platform or on the exchange axis that has it and has not refused it gets a signed status
message 13 about the package it received (over HTTP for a partner, straight into its inbox here
for an agency on the platform). The recipient's clerk finds the request in ``recall_requests`` and
answers (``recall_answer``): agreeing (15) takes the document out of the register (returned to the
sender) or out of the pending packages; refusing (16) keeps it and says why. The answer travels
back like any status and updates the sender's recipient row.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.accounts.models import Role
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.core.text import nfc
from cqs.documents.exchange import edxml, trust
from cqs.documents.exchange import outbox as exchange_outbox
from cqs.documents.incoming import transitions as incoming_transitions
from cqs.documents.incoming.transitions import Action as IncomingAction
from cqs.documents.models import (
    ExchangeMessage,
    IncomingDocument,
    OutgoingDocument,
    Recipient,
)
from cqs.documents.outgoing import transitions as outgoing_transitions
from cqs.documents.outgoing.transitions import Action as OutgoingAction
from cqs.documents.outgoing.transitions import recallable_recipients
from cqs.documents.permissions import (
    clerk_organ_ids,
    holds_role_at,
    locked_if_visible,
    outgoing_visible_to,
)
from cqs.units.models import Agency

RECALL, RECALL_AGREED, RECALL_REFUSED = "13", "15", "16"
REASON_MAX = 500
_MESSAGE_FIELDS = ["state", "last_error", "incoming"]


def _reason(text: str, empty: str) -> str:
    reason = nfc(text or "").strip()
    if not reason:
        raise ValidationFailed(empty)
    if len(reason) > REASON_MAX:
        raise ValidationFailed(_("Lý do không được dài quá %(n)d ký tự.") % {"n": REASON_MAX})
    return reason


def _package_of(recipient: Recipient) -> ExchangeMessage | None:
    """The document package the recipient got: outbound to a partner, inbound for an agency on the platform."""
    direction = (
        ExchangeMessage.Direction.OUT if recipient.channel == Recipient.Channel.EDXML else ExchangeMessage.Direction.IN
    )
    return (
        ExchangeMessage.objects.filter(recipient=recipient, direction=direction, kind=ExchangeMessage.Kind.DOCUMENT)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def outgoing_recall(*, outgoing: OutgoingDocument, actor: Any, reason: str) -> list[Recipient]:
    """The clerk (or a leader) of the issuing agency asks every electronic recipient to give the document back."""
    outgoing = locked_if_visible(outgoing_visible_to(actor), outgoing, not_found=_("Không tìm thấy văn bản."))
    outgoing_transitions.guard(actor, OutgoingAction.RECALL, outgoing)
    agency = outgoing.agency
    reason = _reason(reason, _("Chưa nhập lý do lấy lại văn bản."))
    recipients = list(recallable_recipients(outgoing).select_for_update())
    staff = getattr(actor, "full_name", "") or ""
    for recipient in recipients:
        package = _package_of(recipient)
        if package is None:
            continue
        if recipient.channel == Recipient.Channel.EDXML:
            exchange_outbox.status_send(
                agency=agency,
                package=package,
                to_organ_id=recipient.organ_id,
                code=RECALL,
                note=reason,
                staff_name=staff,
                recipient=recipient,
            )
        else:
            _request_here(agency=agency, package=package, reason=reason, staff=staff)
        exchange_outbox.status_apply(recipient=recipient, code=RECALL, note=reason, at=timezone.now(), actor=actor)
    audit_record(
        actor=actor,
        action="documents.outgoing_recall",
        obj=outgoing,
        after={"reason": reason, "recipients": [r.pk for r in recipients]},
    )
    return recipients


def _request_here(*, agency: Agency, package: ExchangeMessage, reason: str, staff: str) -> ExchangeMessage:
    """The recall request for an agency on this platform: a signed status message put straight into its inbox."""
    document_id, data = exchange_outbox.status_signed(
        agency=agency, package=package, to_organ_id=package.to_organ_id, code=RECALL, note=reason, staff_name=staff
    )
    return exchange_outbox.message_store(
        direction=ExchangeMessage.Direction.IN,
        kind=ExchangeMessage.Kind.STATUS,
        state=ExchangeMessage.State.RECEIVED,
        document_id=document_id,
        from_organ_id=agency.electronic_code,
        to_organ_id=package.to_organ_id,
        data=data,
        status_code=RECALL,
        incoming=package.incoming,
        responds_to=package,
    )


def recall_request_receive(*, status: edxml.Status, data: bytes) -> ExchangeMessage:
    """A partner's signed request (13) to give back a package it sent here: kept for the clerk to answer."""
    package = (
        ExchangeMessage.objects.filter(
            direction=ExchangeMessage.Direction.IN,
            kind=ExchangeMessage.Kind.DOCUMENT,
            document_id=status.response_for.document_id,
            from_organ_id=status.from_organ.organ_id,
        )
        .order_by("pk")
        .first()
    )
    if package is None:
        raise trust.not_kept(
            _("Không tìm thấy văn bản cơ quan mã %(organ)s đã gửi có mã gói tin «%(id)s».")
            % {"organ": status.from_organ.organ_id, "id": status.response_for.document_id},
            document_id=status.document_id,
            sender=status.from_organ.organ_id,
        )
    trust.sender_verify(data, sender=status.from_organ, document_id=status.document_id)
    request = exchange_outbox.status_received_store(
        status=status, data=data, incoming=package.incoming, responds_to=package
    )
    audit_record(actor=None, action="documents.exchange_recall_received", obj=request, after=snapshot(request))
    return request


def recall_requests(user: Any) -> QuerySet[ExchangeMessage]:
    """Requests to give documents back, not yet answered, to the agencies where the user is a clerk."""
    return (
        ExchangeMessage.objects.filter(
            direction=ExchangeMessage.Direction.IN,
            kind=ExchangeMessage.Kind.STATUS,
            status_code=RECALL,
            state=ExchangeMessage.State.RECEIVED,
            to_organ_id__in=clerk_organ_ids(user),
        )
        .select_related("responds_to", "incoming")
        .order_by("created_at", "pk")
    )


def recall_reason(request: ExchangeMessage) -> str:
    """What the sender wrote in its request (the status message's description)."""
    with request.payload.open("rb") as handle:
        return edxml.status_parse(handle.read(), max_bytes=settings.CQS_EXCHANGE_MAX_BYTES).description


@transaction.atomic
def recall_answer(*, request: ExchangeMessage, actor: Any, agree: bool, reason: str = "") -> ExchangeMessage:
    """The recipient's clerk answers a recall: 15 gives the document back, 16 keeps it (with a reason)."""
    locked = ExchangeMessage.objects.select_for_update().filter(pk=request.pk).first()
    agency = Agency.objects.filter(electronic_code=locked.to_organ_id).first() if locked else None
    if (
        locked is None
        or agency is None
        or locked.responds_to_id is None
        or not (locked.direction == ExchangeMessage.Direction.IN and locked.status_code == RECALL)
        or not holds_role_at(actor, Role.CLERK, agency.pk)
    ):
        raise NotFoundOrForbidden(_("Không tìm thấy đề nghị lấy lại văn bản này."))
    if locked.state != ExchangeMessage.State.RECEIVED:
        raise InvalidTransition(_("Đề nghị lấy lại văn bản này đã được trả lời."), extra={"state": locked.state})
    note = (
        nfc(reason or "").strip()[:REASON_MAX]
        if agree
        else _reason(reason, _("Chưa nhập lý do không đồng ý cho lấy lại văn bản."))
    )
    package = (
        ExchangeMessage.objects.select_for_update(of=("self",))
        .select_related("recipient")
        .get(pk=locked.responds_to_id)
    )
    if agree:
        _give_back(package, actor=actor, reason=recall_reason(locked))
    before = snapshot(locked, _MESSAGE_FIELDS)
    locked.state = ExchangeMessage.State.ANSWERED
    locked.save(update_fields=["state", "updated_at"])
    code = RECALL_AGREED if agree else RECALL_REFUSED
    audit_record(
        actor=actor,
        action="documents.exchange_recall_answered",
        obj=locked,
        before=before,
        after={**snapshot(locked, _MESSAGE_FIELDS), "code": code, "note": note},
    )
    exchange_outbox.report_on(inbound=package, agency=agency, code=code, note=note, actor=actor)
    return locked


def _give_back(package: ExchangeMessage, *, actor: Any, reason: str) -> None:
    """The package leaves the pending list, or its incoming document is marked returned to the sender."""
    note = _("Nơi gửi đã lấy lại văn bản: %(reason)s") % {"reason": reason}
    if package.incoming_id is None:
        if package.state == ExchangeMessage.State.RECEIVED:
            before = snapshot(package, _MESSAGE_FIELDS)
            package.state = ExchangeMessage.State.REFUSED
            package.last_error = note[:1000]
            package.save(update_fields=["state", "last_error", "updated_at"])
            audit_record(
                actor=actor, action="documents.exchange_recalled", obj=package, before=before, after=snapshot(package)
            )
        return
    incoming = IncomingDocument.objects.select_for_update().get(pk=package.incoming_id)
    if not incoming_transitions.allows(IncomingAction.GIVE_BACK, incoming):
        return  # already returned to its sender
    incoming_transitions.guard(actor, IncomingAction.GIVE_BACK, incoming)
    before = snapshot(incoming, ["status", "return_reason"])
    incoming.status = incoming_transitions.target(IncomingAction.GIVE_BACK, incoming)
    incoming.return_reason = note[:500]
    incoming.save(update_fields=["status", "return_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="incoming.recalled",
        obj=incoming,
        before=before,
        after=snapshot(incoming, ["status", "return_reason"]),
    )
