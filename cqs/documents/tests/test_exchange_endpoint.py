"""The edXML endpoint's answers: a package that can never succeed is a 400 with its reason (never 503 "send again
later"), nothing of it stored; a chunked body without Content-Length is read within the size limit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cqs.documents.exchange import edxml
from cqs.documents.exchange import outbox as exchange_outbox
from cqs.documents.exchange.views import edxml_receive
from cqs.documents.models import ExchangeMessage
from cqs.documents.tests.test_exchange_receive import World, x

__all__ = ["x"]

pytestmark = pytest.mark.django_db
URL = "/lien-thong/edxml/"


def _post(client: Any, data: bytes) -> Any:
    return client.post(reverse("documents:edxml_receive"), data=data, content_type="application/xml")


def _signed(x: World, **changes: Any) -> bytes:
    """A package of the sender (the home agency), signed, with ``changes`` to its envelope or header."""
    envelope = exchange_outbox.envelope_of(
        x.outgoing, to=exchange_outbox.organ_of(x.w.other_agency), document_id="000.00.00.H40:moi"
    )
    header_changes = {
        k: v for k, v in changes.items() if k in {f.name for f in dataclasses.fields(edxml.MessageHeader)}
    }
    envelope_changes = {k: v for k, v in changes.items() if k not in header_changes}
    envelope = dataclasses.replace(
        envelope, header=dataclasses.replace(envelope.header, **header_changes), **envelope_changes
    )
    return edxml.envelope_build(envelope, signing=exchange_outbox.signing_key_of(x.w.agency))


def _payloads(settings: Any) -> set[Path]:
    return set((Path(settings.MEDIA_ROOT) / "edxml").rglob("*.xml"))


def _nothing_stored(settings: Any, before: set[Path]) -> None:
    assert not ExchangeMessage.objects.filter(direction="in").exists()
    assert _payloads(settings) == before


NEVER = [
    (
        {"document_id": "000.00.00.H40:" + "a" * 120},
        "Mã gói tin (DocumentId) dài quá 100 ký tự.",
    ),
    ({"document_id": "../../media/edxml/x"}, "Mã gói tin (DocumentId) «../../media/edxml/x» chứa ký tự không hợp lệ."),
    ({"document_id": "H40/2026/05"}, "Mã gói tin (DocumentId) «H40/2026/05» chứa ký tự không hợp lệ."),
    (
        {"from_organ": edxml.Organ(organ_id="H" * 50, name="UBND tỉnh Nghệ An")},
        "Mã định danh nơi gửi dài quá 40 ký tự.",
    ),
    (
        {"to_organs": (edxml.Organ(organ_id="000.00.12.H40/../x", name="Sở Tư pháp tỉnh Nghệ An"),)},
        "Mã định danh nơi nhận «000.00.12.H40/../x» chứa ký tự không hợp lệ.",
    ),
    ({"subject": "Trích yếu " * 120}, "Trích yếu dài quá 1000 ký tự."),
    ({"code_number": "1" * 25}, "Số văn bản dài quá 20 ký tự."),
    ({"code_notation": "QĐ-" + "U" * 70}, "Ký hiệu văn bản dài quá 60 ký tự."),
    ({"signer_full_name": "Nguyễn " * 40}, "Người ký dài quá 200 ký tự."),
    ({"promulgation_date": dt.date(1800, 1, 1)}, "Ngày ban hành «1800/01/01» nằm ngoài khoảng năm 1900–2100."),
    ({"due_date": dt.date(9999, 12, 31)}, "Hạn trả lời «9999/12/31» nằm ngoài khoảng năm 1900–2100."),
]


@pytest.mark.parametrize(("changes", "reason"), NEVER)
def test_a_package_that_can_never_succeed_is_a_400_and_is_not_kept(
    client: Any, x: World, settings: Any, changes: dict[str, Any], reason: str
) -> None:
    before = _payloads(settings)
    response = _post(client, _signed(x, **changes))
    assert response.status_code == 400, response.content
    assert response.json()["message"] == reason
    _nothing_stored(settings, before)


def test_an_attachment_name_too_long_is_a_400(client: Any, x: World, settings: Any) -> None:
    sound = _signed(x)
    envelope = edxml.envelope_parse(sound)
    renamed = dataclasses.replace(envelope.attachments[0], name="quyet-dinh-" + "x" * 300 + ".pdf")
    data = edxml.envelope_build(
        dataclasses.replace(envelope, attachments=(renamed,)), signing=exchange_outbox.signing_key_of(x.w.agency)
    )
    before = _payloads(settings)
    response = _post(client, data)
    assert (response.status_code, response.json()["message"]) == (400, "Tên tệp dài quá 255 ký tự.")
    _nothing_stored(settings, before)


@pytest.mark.parametrize("amount", ["²", "١٢", "99999999999999999999"])
def test_an_amount_that_is_not_a_small_number_is_a_400(client: Any, x: World, settings: Any, amount: str) -> None:
    data = _signed(x).replace(b"<edXML:PageAmount>2<", f"<edXML:PageAmount>{amount}<".encode())
    before = _payloads(settings)
    response = _post(client, data)
    assert response.status_code == 400
    assert response.json()["message"] == f"Số trang «{amount}» phải là số nguyên dương, tối đa 5 chữ số."
    _nothing_stored(settings, before)


def test_a_status_that_can_never_succeed_is_a_400(client: Any, x: World, settings: Any) -> None:
    signing = exchange_outbox.signing_key_of(x.w.other_agency)
    status = edxml.Status(
        document_id="000.00.12.H40:" + "b" * 120,
        from_organ=exchange_outbox.organ_of(x.w.other_agency),
        to_organ_id=x.w.agency.electronic_code,
        response_for=edxml.ResponseFor(organ_id=x.w.agency.electronic_code, document_id=x.sent.document_id),
        code="03",
        description="Đã tiếp nhận",
        timestamp=timezone.now(),
    )
    too_long = _post(client, edxml.status_build(status, signing=signing))
    assert (too_long.status_code, too_long.json()["message"]) == (400, "Mã gói tin (DocumentId) dài quá 100 ký tự.")
    ancient = dataclasses.replace(
        status,
        document_id="000.00.12.H40:cu",
        timestamp=dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))),
    )
    answer = _post(client, edxml.status_build(ancient, signing=signing))
    assert answer.status_code == 400
    assert answer.json()["message"] == "Thời điểm «0001-01-01T00:00:00+14:00» nằm ngoài khoảng năm 1900–2100."
    assert not ExchangeMessage.objects.filter(direction="in").exists()
    assert x.recipient.status_code == ""


def _chunked(data: bytes) -> Any:
    """A request as a WSGI server hands over a chunked body: no Content-Length, the body decoded in ``wsgi.input``."""
    environ = {"CONTENT_TYPE": "application/xml", "HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(data)}
    return RequestFactory().generic("POST", URL, REMOTE_ADDR="10.1.2.3", **environ)


def test_a_chunked_body_without_content_length_is_read(x: World) -> None:
    response = edxml_receive(_chunked(x.data))
    assert response.status_code == 200, response.content
    assert ExchangeMessage.objects.filter(direction="in", document_id=x.sent.document_id, state="received").exists()


def test_a_chunked_body_over_the_limit_is_413_without_reading_it_all(x: World, settings: Any) -> None:
    settings.CQS_EXCHANGE_MAX_BYTES = 1000
    request = _chunked(x.data)
    response = edxml_receive(request)
    assert response.status_code == 413
    assert request.META["wsgi.input"].tell() <= 1001
    assert not ExchangeMessage.objects.filter(direction="in").exists()


def test_a_declared_length_over_the_limit_is_413_before_reading(x: World, settings: Any) -> None:
    settings.CQS_EXCHANGE_MAX_BYTES = 1000
    request = RequestFactory().generic("POST", URL, data=x.data, content_type="application/xml")
    response = edxml_receive(request)
    assert response.status_code == 413
    assert not request.META["wsgi.input"].read_started


def test_an_empty_body_is_a_400(x: World) -> None:
    request = RequestFactory().generic("POST", URL, CONTENT_TYPE="application/xml", CONTENT_LENGTH="0")
    response = edxml_receive(request)
    assert (response.status_code, json.loads(response.content)["message"]) == (400, "Gói tin edXML rỗng.")
