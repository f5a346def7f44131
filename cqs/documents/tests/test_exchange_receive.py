"""Receiving edXML packages: checks, refusals with status 02, accepting and refusing, status messages, pages."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.core.models import AuditEvent
from cqs.documents.exchange import edxml
from cqs.documents.exchange import outbox as exchange_outbox
from cqs.documents.exchange import receive as exchange
from cqs.documents.models import ExchangeMessage, ExchangePartner, IncomingDocument, Recipient
from cqs.documents.tests import factories
from cqs.documents.tests.exchange_support import a4_pdf, issued_outgoing
from cqs.signing import services
from cqs.signing.models import Certificate

pytestmark = pytest.mark.django_db


class World:
    """The home agency sends to Sở Tư pháp as if over the axis: both have organisation certificates."""

    def __init__(self, w: factories.DocumentsWorld, org_cert: Any, demo_ca: Any) -> None:
        self.w = w
        self.org_cert = org_cert
        services.certificate_issue(
            issuer=demo_ca[1],
            common_name="Sở Tư pháp",
            kind=Certificate.Kind.ORGANISATION,
            agency=w.other_agency,
            actor=None,
        )
        # Each side knows the other's endpoint (the relay is not run in these tests).
        ExchangePartner.objects.create(
            organ_id=w.other_agency.electronic_code, name=w.other_agency.name, endpoint="http://stp.example/edxml/"
        )
        ExchangePartner.objects.create(
            organ_id=w.agency.electronic_code, name=w.agency.name, endpoint="http://ubnd.example/edxml/"
        )
        self.outgoing = issued_outgoing(
            w,
            certificate=org_cert,
            recipients=[
                {
                    "channel": Recipient.Channel.EDXML,
                    "organ_id": w.other_agency.electronic_code,
                    "name": w.other_agency.name,
                }
            ],
        )
        exchange_outbox.recipients_dispatch(outgoing=self.outgoing, actor=w.clerk)
        self.sent = ExchangeMessage.objects.get(direction="out", kind="document")
        self.data = self.sent.payload.read()

    @property
    def recipient(self) -> Recipient:
        return self.outgoing.recipients.get()

    def statuses_out(self) -> list[ExchangeMessage]:
        return list(ExchangeMessage.objects.filter(direction="out", kind="status").order_by("pk"))


@pytest.fixture
def x(agency: Any, org_cert: Any, demo_ca: Any) -> World:
    return World(factories.documents_world(), org_cert, demo_ca)


def test_a_sound_package_is_received_and_01_goes_back(x: World) -> None:
    message = exchange.package_receive(data=x.data)
    assert (message.direction, message.state, message.incoming) == ("in", "received", None)
    assert message.to_organ_id == x.w.other_agency.electronic_code
    assert AuditEvent.objects.filter(action="documents.exchange_received", object_id=str(message.pk)).exists()
    [status] = x.statuses_out()
    assert (status.status_code, status.to_organ_id, status.state) == ("01", x.w.agency.electronic_code, "pending")
    # The sender takes the status message: its recipient shows 01.
    exchange.status_receive(data=status.payload.read())
    assert x.recipient.status_code == "01"


def test_the_same_package_twice_is_one_message(x: World) -> None:
    first = exchange.package_receive(data=x.data)
    again = exchange.package_receive(data=x.data)
    assert first.pk == again.pk
    assert ExchangeMessage.objects.filter(direction="in", kind="document").count() == 1
    assert len(x.statuses_out()) == 1


def _refused(x: World, data: bytes, reason: str, *, back: bool = True) -> None:
    """A package from a known partner whose signature holds, refused on a later check: kept REFUSED, 02 goes back."""
    message = exchange.package_receive(data=data)
    assert (message.state, message.last_error) == ("refused", reason)
    [status] = x.statuses_out()
    assert status.status_code == "02"
    payload = status.payload.read()
    assert edxml.status_parse(payload).description == reason
    if back:
        exchange.status_receive(data=payload)
        assert (x.recipient.status_code, x.recipient.status_note) == ("02", reason)


def _not_kept(x: World, data: bytes, reason: str, caplog: Any, settings: Any) -> None:
    """A refused package from a sender not known or not proven: nothing stored, no answer, a log line."""
    payloads = set((Path(settings.MEDIA_ROOT) / "edxml").rglob("*.xml"))
    with (
        caplog.at_level(logging.WARNING, logger="cqs.documents.exchange.receive"),
        pytest.raises(ValidationFailed) as error,
    ):
        exchange.package_receive(data=data)
    assert (error.value.code, error.value.message) == ("refused", reason)
    assert not ExchangeMessage.objects.filter(direction="in").exists()
    assert x.statuses_out() == []
    assert set((Path(settings.MEDIA_ROOT) / "edxml").rglob("*.xml")) == payloads
    assert any(reason in record.getMessage() and "not kept" in record.getMessage() for record in caplog.records)


def test_a_tampered_package_is_not_kept(x: World, caplog: Any, settings: Any) -> None:
    tampered = x.data.replace("chuyển đổi số".encode(), b"chuyen doi so")
    assert tampered != x.data
    _not_kept(
        x, tampered, "Chữ ký số của gói tin edXML không hợp lệ: nội dung đã bị thay đổi sau khi ký.", caplog, settings
    )


def test_an_attachment_that_does_not_match_its_digest_is_not_kept(x: World, caplog: Any, settings: Any) -> None:
    start = x.data.index(b'ContentId="cid:1">') + len(b'ContentId="cid:1">')
    end = x.data.index(b"<", start)
    other = base64.b64encode(a4_pdf()).decode().encode()
    _not_kept(
        x,
        x.data[:start] + other + x.data[end:],
        "Tệp «quyet-dinh.pdf» không toàn vẹn: mã băm SHA-256 không khớp với danh mục.",
        caplog,
        settings,
    )


def test_a_package_signed_under_an_untrusted_root_is_not_kept(
    x: World, demo_ca: Any, caplog: Any, settings: Any
) -> None:
    Certificate.objects.filter(pk=demo_ca[0].pk).update(revoked_at=timezone.now())
    _not_kept(x, x.data, "Chứng thư số ký gói tin edXML không thuộc CA gốc được tin cậy.", caplog, settings)


def test_a_package_for_an_agency_not_here_is_not_kept(x: World, caplog: Any, settings: Any) -> None:
    signing = exchange_outbox.signing_key_of(x.w.agency)
    envelope = exchange_outbox.envelope_of(
        x.outgoing, to=edxml.Organ(organ_id="000.00.00.H99", name="UBND tỉnh khác"), document_id="H40:lac-duong"
    )
    _not_kept(
        x,
        edxml.envelope_build(envelope, signing=signing),
        "Không có cơ quan nhận mã 000.00.00.H99 trên hệ thống này.",
        caplog,
        settings,
    )


def test_an_unsigned_main_document_is_refused(x: World) -> None:
    signing = exchange_outbox.signing_key_of(x.w.agency)
    envelope = exchange_outbox.envelope_of(
        x.outgoing, to=exchange_outbox.organ_of(x.w.other_agency), document_id="H40:unsigned"
    )
    unsigned = edxml.Envelope(
        document_id=envelope.document_id,
        header=envelope.header,
        attachments=(edxml.Attachment("cid:1", "du-thao.pdf", "application/pdf", a4_pdf()),),
    )
    _refused(
        x, edxml.envelope_build(unsigned, signing=signing), "Văn bản chính «du-thao.pdf» chưa được ký số.", back=False
    )


def test_a_refusal_from_a_sender_not_declared_as_partner_is_not_kept(x: World, caplog: Any, settings: Any) -> None:
    ExchangePartner.objects.filter(organ_id=x.w.agency.electronic_code).delete()
    signing = exchange_outbox.signing_key_of(x.w.agency)
    envelope = exchange_outbox.envelope_of(
        x.outgoing, to=exchange_outbox.organ_of(x.w.other_agency), document_id="H40:la"
    )
    unsigned = edxml.Envelope(
        document_id=envelope.document_id,
        header=envelope.header,
        attachments=(edxml.Attachment("cid:1", "du-thao.pdf", "application/pdf", a4_pdf()),),
    )
    _not_kept(
        x,
        edxml.envelope_build(unsigned, signing=signing),
        "Văn bản chính «du-thao.pdf» chưa được ký số.",
        caplog,
        settings,
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<a>", "Gói tin edXML không phải là XML hợp lệ"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            "Gói tin edXML không được chứa khai báo DOCTYPE hoặc ENTITY.",
        ),
        (
            b"<x xmlns='urn:other'/>",
            "Gói tin không thuộc không gian tên edXML http://www.mic.gov.vn/TBT/QCVN_102_2016.",
        ),
        (b"", "Gói tin edXML rỗng."),
    ],
)
def test_unreadable_packages_are_refused_and_nothing_is_stored(x: World, data: bytes, reason: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        exchange.edxml_receive(data=data)
    assert error.value.message.startswith(reason)
    assert not ExchangeMessage.objects.filter(direction="in").exists()


def test_the_clerk_accepts_a_package_into_the_incoming_register_and_03_goes_back(x: World) -> None:
    message = exchange.package_receive(data=x.data)
    clerk = x.w.outsider  # holds the clerk role at Sở Tư pháp
    with pytest.raises(NotFoundOrForbidden):
        exchange.package_accept(message=message, actor=x.w.clerk)  # the sender's clerk
    incoming = exchange.package_accept(message=message, actor=clerk)
    assert isinstance(incoming, IncomingDocument)
    assert (incoming.agency, incoming.channel, incoming.sender_code) == (
        x.w.other_agency,
        "electronic",
        x.w.agency.electronic_code,
    )
    assert (incoming.code_number, incoming.code_notation, incoming.urgency) == ("05", "QĐ-UBND", "urgent")
    assert incoming.subject == x.outgoing.subject and incoming.document_type.name == "Quyết định"
    assert [f.name for f in incoming.files.all()] == ["quyet-dinh.pdf"]
    message.refresh_from_db()
    assert message.incoming == incoming
    assert [s.status_code for s in x.statuses_out()] == ["01", "03"]
    with pytest.raises(InvalidTransition) as error:
        exchange.package_accept(message=message, actor=clerk)
    assert error.value.message == "Gói tin này đã tiếp nhận, không tiếp nhận hoặc từ chối lại được."
    for status in x.statuses_out():
        exchange.status_receive(data=status.payload.read())
    assert x.recipient.status_code == "03"


def test_a_late_status_never_moves_the_recipient_back(x: World) -> None:
    message = exchange.package_receive(data=x.data)
    exchange.package_accept(message=message, actor=x.w.outsider)
    arrived, accepted = x.statuses_out()
    exchange.status_receive(data=accepted.payload.read())
    exchange.status_receive(data=arrived.payload.read())
    assert x.recipient.status_code == "03"
    assert ExchangeMessage.objects.filter(direction="in", kind="status").count() == 2


def test_the_clerk_refuses_with_a_reason(x: World) -> None:
    message = exchange.package_receive(data=x.data)
    with pytest.raises(ValidationFailed) as error:
        exchange.package_refuse(message=message, actor=x.w.outsider, reason="  ")
    assert error.value.message == "Chưa nhập lý do từ chối tiếp nhận văn bản."
    exchange.package_refuse(message=message, actor=x.w.outsider, reason="Gửi nhầm cơ quan")
    message.refresh_from_db()
    assert (message.state, message.last_error) == ("refused", "Gửi nhầm cơ quan")
    status = x.statuses_out()[-1]
    assert status.status_code == "02"
    exchange.status_receive(data=status.payload.read())
    assert (x.recipient.status_code, x.recipient.status_note) == ("02", "Gửi nhầm cơ quan")
    with pytest.raises(InvalidTransition) as transition:
        exchange.package_accept(message=message, actor=x.w.outsider)
    assert transition.value.message == "Gói tin này đã từ chối, không tiếp nhận hoặc từ chối lại được."


def test_a_status_about_an_unknown_package_or_forged_is_refused(x: World) -> None:
    exchange.package_receive(data=x.data)
    status = x.statuses_out()[0].payload.read()
    forged = status.replace(x.sent.document_id.encode(), b"H40:khong-co")
    with pytest.raises(ValidationFailed) as error:
        exchange.status_receive(data=forged)
    assert error.value.message == (
        f"Không tìm thấy văn bản đã gửi cho cơ quan mã {x.w.other_agency.electronic_code} có mã gói tin «H40:khong-co»."
    )
    tampered = status.replace(b"<edXML:StatusCode>01<", b"<edXML:StatusCode>06<")
    with pytest.raises(ValidationFailed) as signature:
        exchange.status_receive(data=tampered)
    assert signature.value.message == "Chữ ký số của gói tin edXML không hợp lệ: nội dung đã bị thay đổi sau khi ký."
    assert x.recipient.status_code == ""


def test_trusting_a_partner_root_ca(x: World, demo_ca: Any) -> None:
    with pytest.raises(ValidationFailed) as error:
        exchange.partner_ca_trust(pem=x.org_cert.certificate_pem.encode(), actor=None)
    assert error.value.message == "Chỉ nhập chứng thư CA gốc (tự ký, CA:TRUE) của cơ quan liên thông."
    with pytest.raises(ValidationFailed) as garbage:
        exchange.partner_ca_trust(pem=b"not a pem", actor=None)
    assert garbage.value.message == "Tệp không phải là chứng thư số PEM hợp lệ."
    assert exchange.partner_ca_trust(pem=demo_ca[0].certificate_pem.encode(), actor=None) == demo_ca[0]


# ---------------------------------------------------------------------------------------------- HTTP


def _post(client: Any, data: bytes, content_type: str = "application/xml") -> Any:
    return client.post(reverse("documents:edxml_receive"), data=data, content_type=content_type)


def test_endpoint_acknowledges_a_package_in_json(client: Any, x: World) -> None:
    response = _post(client, x.data)
    assert response.status_code == 200
    assert response.json() == {"code": "01", "message": "Đã nhận gói tin văn bản.", "document_id": x.sent.document_id}


def test_endpoint_refuses_broken_packages_with_a_vietnamese_reason(client: Any, x: World, settings: Any) -> None:
    assert _post(client, x.data, "application/json").json()["message"] == (
        "Gói tin edXML phải gửi với Content-Type application/xml."
    )
    response = _post(client, b"<a>")
    assert response.status_code == 400
    assert response.json()["message"].startswith("Gói tin edXML không phải là XML hợp lệ")
    tampered = _post(client, x.data.replace("chuyển đổi số".encode(), b"chuyen doi so"))
    assert tampered.status_code == 400
    assert json.loads(tampered.content)["message"] == (
        "Chữ ký số của gói tin edXML không hợp lệ: nội dung đã bị thay đổi sau khi ký."
    )
    settings.CQS_EXCHANGE_MAX_BYTES = 1000
    assert _post(client, x.data).status_code == 413
    assert client.get(reverse("documents:edxml_receive")).status_code == 405


def test_endpoint_answers_a_flood_from_one_address_with_429(client: Any, x: World, settings: Any) -> None:
    settings.CQS_EXCHANGE_RATE_PER_MINUTE = 3
    minute = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    with time_machine.travel(minute + dt.timedelta(seconds=15), tick=False):
        assert [_post(client, b"<a>").status_code for _ in range(3)] == [400, 400, 400]
        flooded = _post(client, x.data)
        assert (flooded.status_code, flooded["Retry-After"]) == (429, "45")
        assert flooded.json()["message"] == "Gửi quá nhiều gói tin trong một phút; hãy gửi lại sau."
        assert not ExchangeMessage.objects.filter(document_id=x.sent.document_id, direction="in").exists()
        other = client.post(
            reverse("documents:edxml_receive"), data=x.data, content_type="application/xml", REMOTE_ADDR="10.0.0.9"
        )
        assert other.status_code == 200
    with time_machine.travel(minute + dt.timedelta(minutes=1), tick=False):
        assert _post(client, b"<a>").status_code == 400  # a new minute, a new count


@pytest.fixture
def pages(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


def test_clerk_pages_list_accept_and_refuse(client: Any, x: World, pages: None) -> None:
    message = exchange.package_receive(data=x.data)
    client.force_login(x.w.outsider)
    listing = client.get(reverse("documents:exchange_pending"))
    assert listing.status_code == 200
    assert x.outgoing.subject in listing.content.decode()
    detail = client.get(reverse("documents:exchange_package", args=[message.pk]))
    assert "05/QĐ-UBND" in detail.content.decode()
    file = client.get(reverse("documents:exchange_package_file", args=[message.pk, 1]))
    assert file["Content-Type"] == "application/pdf" and file.content.startswith(b"%PDF-")
    refused = client.post(reverse("documents:exchange_refuse", args=[message.pk]), {"reason": ""}, follow=True)
    assert "Chưa nhập lý do từ chối tiếp nhận văn bản." in refused.content.decode()
    accepted = client.post(reverse("documents:exchange_accept", args=[message.pk]))
    incoming = IncomingDocument.objects.get()
    assert accepted.status_code == 302
    assert accepted["Location"] == reverse("documents:incoming_detail", args=[incoming.pk])
    assert client.get(reverse("documents:exchange_package", args=[message.pk])).status_code == 404


def test_who_may_not_see_the_pending_packages(client: Any, x: World, pages: None, citizen: Any) -> None:
    message = exchange.package_receive(data=x.data)
    urls = [
        reverse("documents:exchange_package", args=[message.pk]),
        reverse("documents:exchange_package_file", args=[message.pk, 1]),
    ]
    client.force_login(x.w.clerk)  # a clerk, but of the sending agency
    assert x.outgoing.subject not in client.get(reverse("documents:exchange_pending")).content.decode()
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(reverse("documents:exchange_accept", args=[message.pk])).status_code == 404
    client.force_login(x.w.leader)  # not a clerk
    assert client.get(reverse("documents:exchange_pending")).status_code == 404
    client.force_login(citizen)
    assert client.get(reverse("documents:exchange_pending")).status_code == 404
    client.logout()
    assert client.get(reverse("documents:exchange_pending")).status_code == 302
    message.refresh_from_db()
    assert (message.state, message.incoming) == ("received", None)


def test_accepting_an_internal_delivery_updates_the_sender_at_once(agency: Any, org_cert: Any, demo_ca: Any) -> None:
    w = factories.documents_world()
    outgoing = issued_outgoing(
        w,
        certificate=org_cert,
        recipients=[{"channel": Recipient.Channel.INTERNAL, "agency": w.other_agency, "name": w.other_agency.name}],
    )
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    [message] = exchange.pending_packages(w.outsider)
    assert list(exchange.pending_packages(w.clerk)) == []
    incoming = exchange.package_accept(message=message, actor=w.outsider)
    recipient = outgoing.recipients.get()
    assert (recipient.status_code, recipient.delivered_incoming) == ("03", incoming)
    assert not ExchangeMessage.objects.filter(kind="status").exists()  # nothing travels: same platform
    assert [r.status_code for r in exchange.recipient_statuses(outgoing)] == ["03"]
