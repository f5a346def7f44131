"""Dispatching issued documents, status reports and the outbox relay of the edXML exchange."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests
from django.utils import timezone

from cqs.core.errors import InvalidTransition, ValidationFailed
from cqs.core.models import AuditEvent
from cqs.documents.exchange import edxml, trust, xmldsig
from cqs.documents.exchange import outbox as exchange_outbox
from cqs.documents.models import ExchangeMessage, ExchangePartner, IncomingDocument, OutgoingStatus, Recipient
from cqs.documents.tests import factories
from cqs.documents.tests.exchange_support import issued_outgoing

pytestmark = pytest.mark.django_db

PARTNER_ID = "000.00.00.H42"


@pytest.fixture
def w(agency: Any) -> factories.DocumentsWorld:
    return factories.documents_world()


def internal(w: factories.DocumentsWorld) -> dict[str, Any]:
    return {"channel": Recipient.Channel.INTERNAL, "agency": w.other_agency, "name": w.other_agency.name}


def external() -> dict[str, Any]:
    return {"channel": Recipient.Channel.EDXML, "organ_id": PARTNER_ID, "name": "UBND tỉnh Hà Tĩnh"}


class FakeResponse:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status_code = status
        self._body = body
        self.text = str(body)

    def json(self) -> dict[str, Any]:
        return self._body


class Posts(list[Any]):
    """Every POST the relay made; ``answers`` are given in order, then 200."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[Any] = []

    def __call__(self, url: str, *, data: bytes, headers: dict[str, str], timeout: float) -> Any:
        self.append((url, data, headers, timeout))
        answer = self.answers.pop(0) if self.answers else FakeResponse(200, {"code": "01"})
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def posts(monkeypatch: pytest.MonkeyPatch) -> Posts:
    fake = Posts()
    monkeypatch.setattr(exchange_outbox.requests, "post", fake)
    return fake


def test_internal_recipient_finds_the_signed_package_in_its_inbox_at_once(w: Any, org_cert: Any) -> None:
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[internal(w)])
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    message = ExchangeMessage.objects.get()
    assert (message.direction, message.kind, message.state) == ("in", "document", "received")
    assert message.to_organ_id == w.other_agency.electronic_code
    assert message.from_organ_id == w.agency.electronic_code
    data = message.payload.read()
    envelope = edxml.envelope_parse(data)
    assert envelope.document_id == message.document_id
    assert (envelope.header.code_number, envelope.header.code_notation) == ("05", "QĐ-UBND")
    assert envelope.header.subject == outgoing.subject
    assert envelope.header.signer_full_name == "Nguyễn Văn Chủ Tịch"
    assert envelope.header.priority == "1"
    assert envelope.attachments[0].name == "quyet-dinh.pdf"
    signer = xmldsig.signature_verify(data, trusted_roots=trust.trusted_roots(), organ_name=w.agency.name)
    assert signer.serial_number == int(org_cert.serial, 16)
    recipient = outgoing.recipients.get()
    assert recipient.status_code == "01" and recipient.sent_at is not None
    assert AuditEvent.objects.filter(action="documents.recipient_sent", object_id=str(recipient.pk)).exists()


def test_a_classified_document_never_leaves_electronically(w: Any, org_cert: Any) -> None:
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[internal(w)], secrecy="confidential")
    with pytest.raises(ValidationFailed) as error:
        exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    assert error.value.message == (
        "Văn bản mật không được gửi qua trục liên thông điện tử; chỉ gửi bản giấy theo quy định."
    )
    assert not ExchangeMessage.objects.exists()
    assert outgoing.recipients.get().sent_at is None


def test_a_classified_document_goes_on_paper(w: Any, org_cert: Any) -> None:
    paper = {"channel": Recipient.Channel.PAPER, "name": "Lưu: VT"}
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[paper], secrecy="secret")
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    assert outgoing.recipients.get().sent_at is not None
    assert not ExchangeMessage.objects.exists()


def test_only_an_issued_document_is_dispatched(w: Any, org_cert: Any) -> None:
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[internal(w)])
    outgoing.status = OutgoingStatus.SIGNED
    outgoing.save()
    with pytest.raises(InvalidTransition) as error:
        exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    assert error.value.message == "Chỉ gửi văn bản đã phát hành; văn bản đang ở trạng thái «Đã ký, chờ phát hành»."


def test_an_agency_without_organisation_certificate_cannot_sign_packages(w: Any, org_cert: Any) -> None:
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[internal(w)])
    org_cert.revoked_at = timezone.now()
    org_cert.save()
    with pytest.raises(ValidationFailed) as error:
        exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    assert error.value.message == (
        "Cơ quan «UBND tỉnh Nghệ An» chưa có chứng thư số tổ chức còn hiệu lực để ký gói tin edXML."
    )


def test_an_external_recipient_needs_a_known_partner(w: Any, org_cert: Any) -> None:
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[external()])
    with pytest.raises(ValidationFailed) as error:
        exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    assert error.value.message == "Chưa có địa chỉ liên thông của cơ quan «UBND tỉnh Hà Tĩnh» (mã 000.00.00.H42)."


def test_external_recipient_is_queued_then_relayed(w: Any, org_cert: Any, posts: Any) -> None:
    ExchangePartner.objects.create(organ_id=PARTNER_ID, name="UBND tỉnh Hà Tĩnh", endpoint="http://ht.example/edxml/")
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[external()])
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    message = ExchangeMessage.objects.get()
    assert (message.direction, message.state, message.to_organ_id) == ("out", "pending", PARTNER_ID)
    assert outgoing.recipients.get().sent_at is None

    assert exchange_outbox.outbox_relay() == 1
    url, data, headers, timeout = posts[0]
    assert timeout == 10
    assert url == "http://ht.example/edxml/" and headers["Content-Type"].startswith("application/xml")
    assert edxml.envelope_parse(data).document_id == message.document_id
    message.refresh_from_db()
    assert (message.state, message.attempts, message.next_attempt_at) == ("sent", 1, None)
    assert outgoing.recipients.get().sent_at is not None
    assert exchange_outbox.outbox_relay() == 0
    assert len(posts) == 1


def test_a_failed_send_is_retried_later_with_backoff(w: Any, org_cert: Any, posts: Any) -> None:
    ExchangePartner.objects.create(organ_id=PARTNER_ID, name="UBND tỉnh Hà Tĩnh", endpoint="http://ht.example/edxml/")
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[external()])
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    posts.answers.extend([requests.ConnectionError("down"), FakeResponse(503, {"message": "bận"})])

    before = timezone.now()
    assert exchange_outbox.outbox_relay() == 0
    message = ExchangeMessage.objects.get()
    assert (message.state, message.attempts) == ("failed", 1)
    assert message.last_error == "Không kết nối được tới http://ht.example/edxml/: ConnectionError"
    assert message.next_attempt_at is not None
    assert dt.timedelta(seconds=29) < message.next_attempt_at - before < dt.timedelta(seconds=40)
    assert exchange_outbox.outbox_relay() == 0  # not due yet
    assert len(posts) == 1

    ExchangeMessage.objects.update(next_attempt_at=timezone.now())
    assert exchange_outbox.outbox_relay() == 0
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == ("failed", 2, "HTTP 503: bận")
    assert message.next_attempt_at - timezone.now() > dt.timedelta(seconds=50)

    ExchangeMessage.objects.update(next_attempt_at=timezone.now())
    assert exchange_outbox.outbox_relay() == 1
    message.refresh_from_db()
    assert message.state == "sent"


def test_retries_stop_after_the_last_attempt(w: Any, org_cert: Any, posts: Any, settings: Any) -> None:
    settings.CQS_EXCHANGE_MAX_ATTEMPTS = 1
    ExchangePartner.objects.create(organ_id=PARTNER_ID, name="UBND tỉnh Hà Tĩnh", endpoint="http://ht.example/edxml/")
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[external()])
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    posts.answers.append(FakeResponse(500, {"message": "lỗi"}))
    exchange_outbox.outbox_relay()
    message = ExchangeMessage.objects.get()
    assert (message.state, message.next_attempt_at) == ("failed", None)


def test_a_package_the_partner_refuses_is_not_retried_and_the_recipient_shows_02(
    w: Any, org_cert: Any, posts: Any
) -> None:
    ExchangePartner.objects.create(organ_id=PARTNER_ID, name="UBND tỉnh Hà Tĩnh", endpoint="http://ht.example/edxml/")
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[external()])
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    posts.answers.append(FakeResponse(400, {"code": "validation_failed", "message": "Chữ ký không hợp lệ."}))
    exchange_outbox.outbox_relay()
    message = ExchangeMessage.objects.get()
    assert (message.state, message.next_attempt_at, message.last_error) == ("refused", None, "Chữ ký không hợp lệ.")
    recipient = outgoing.recipients.get()
    assert (recipient.status_code, recipient.status_note) == ("02", "Chữ ký không hợp lệ.")


def _incoming_from(message: ExchangeMessage, w: Any) -> IncomingDocument:
    incoming = IncomingDocument.objects.create(
        agency=w.other_agency,
        year=2026,
        number=1,
        received_at=timezone.now(),
        channel="electronic",
        sender_name=w.agency.name,
        document_type=w.doc_type_decision,
        subject="x",
        registered_by=w.outsider,
    )
    message.incoming = incoming
    message.save()
    return incoming


def test_status_report_of_an_internal_delivery_updates_the_sender_recipient(w: Any, org_cert: Any) -> None:
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[internal(w)])
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    incoming = _incoming_from(ExchangeMessage.objects.get(), w)
    exchange_outbox.status_report(incoming=incoming, code="04", note="Giao Phòng Tư pháp", actor=w.outsider)
    recipient = outgoing.recipients.get()
    assert (recipient.status_code, recipient.status_note) == ("04", "Giao Phòng Tư pháp")
    assert AuditEvent.objects.filter(action="documents.recipient_status", object_id=str(recipient.pk)).exists()


def test_status_report_rejects_unknown_codes_and_ignores_paper_documents(w: Any, org_cert: Any) -> None:
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[internal(w)])
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    message = ExchangeMessage.objects.get()
    incoming = _incoming_from(message, w)
    with pytest.raises(ValidationFailed) as error:
        exchange_outbox.status_report(incoming=incoming, code="01", actor=w.outsider)
    assert error.value.message == "Mã trạng thái edXML «01» không được báo về nơi gửi."
    message.incoming = None
    message.save()
    exchange_outbox.status_report(incoming=incoming, code="06", actor=w.outsider)
    assert outgoing.recipients.get().status_code == "01"


def test_status_report_to_an_external_sender_queues_a_signed_status(w: Any, org_cert: Any, demo_ca: Any) -> None:
    from cqs.signing import services
    from cqs.signing.models import Certificate

    services.certificate_issue(
        issuer=demo_ca[1], common_name="STP", kind=Certificate.Kind.ORGANISATION, agency=w.other_agency, actor=None
    )
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[internal(w)])
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    inbound = ExchangeMessage.objects.get()
    inbound.recipient = None  # as if it had come over HTTP
    inbound.save()
    incoming = _incoming_from(inbound, w)
    exchange_outbox.status_report(incoming=incoming, code="03", actor=w.outsider)
    status = ExchangeMessage.objects.get(kind="status")
    assert (status.direction, status.state, status.status_code) == ("out", "pending", "03")
    assert status.to_organ_id == w.agency.electronic_code
    data = status.payload.read()
    parsed = edxml.status_parse(data)
    assert parsed.response_for.document_id == inbound.document_id
    assert parsed.staff_name == "Võ Văn Ngoài"
    xmldsig.signature_verify(data, trusted_roots=trust.trusted_roots(), organ_name=w.other_agency.name)


def test_exchange_relay_command_sends_what_is_due(w: Any, org_cert: Any, posts: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    ExchangePartner.objects.create(organ_id=PARTNER_ID, name="UBND tỉnh Hà Tĩnh", endpoint="http://ht.example/edxml/")
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[external()])
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    out = StringIO()
    call_command("exchange_relay", stdout=out)
    assert out.getvalue() == "Đã gửi 1 gói tin edXML.\n"
    assert ExchangeMessage.objects.get().state == "sent"


def test_a_status_the_agency_cannot_sign_is_recorded_not_blocking(w: Any, org_cert: Any) -> None:
    outgoing = issued_outgoing(w, certificate=org_cert, recipients=[internal(w)])
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    inbound = ExchangeMessage.objects.get()
    inbound.recipient = None  # as if it had come over HTTP; Sở Tư pháp has no organisation certificate
    inbound.save()
    incoming = _incoming_from(inbound, w)
    exchange_outbox.status_report(incoming=incoming, code="04", actor=w.outsider)
    assert not ExchangeMessage.objects.filter(kind="status").exists()
    event = AuditEvent.objects.get(action="documents.exchange_status_not_sent")
    assert event.after == {
        "code": "04",
        "reason": "Cơ quan «Sở Tư pháp tỉnh Nghệ An» chưa có chứng thư số tổ chức còn hiệu lực để ký gói tin edXML.",
    }
