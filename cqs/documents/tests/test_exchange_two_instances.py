"""Two running instances of the platform exchange a document over HTTP, end to end (edXML, QCVN 102:2016).

Agency A (UBND tỉnh Nghệ An) is this test process; agency B (UBND tỉnh Hà Tĩnh) is a second
instance in a subprocess (``peer``). Each side trusts the other's root CA and knows the other's
endpoint.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import transaction

from conftest import worker_run
from cqs.documents.exchange import outbox as exchange_outbox
from cqs.documents.exchange import recall as exchange_recall
from cqs.documents.models import ExchangeMessage, Recipient
from cqs.documents.tests import factories
from cqs.documents.tests.exchange_support import issued_outgoing
from cqs.documents.tests.peer import PEER_CLERK, PEER_ID, PEER_NAME, Peer, eventually

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TAMPERED_REASON = "Chữ ký số của gói tin edXML không hợp lệ: nội dung đã bị thay đổi sau khi ký."


def _send(w: factories.DocumentsWorld, certificate: Any, *, number: int) -> Any:
    return issued_outgoing(
        w,
        certificate=certificate,
        number=number,
        recipients=[{"channel": Recipient.Channel.EDXML, "organ_id": PEER_ID, "name": PEER_NAME}],
    )


def _recipient(outgoing: Any) -> Recipient:
    return Recipient.objects.get(outgoing=outgoing)


def test_a_document_goes_to_the_second_instance_and_its_statuses_come_back(
    agency_a: factories.DocumentsWorld, org_cert: Any, peer: Peer
) -> None:
    outgoing = _send(agency_a, org_cert, number=7)
    with transaction.atomic():
        exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=agency_a.clerk)
    worker_run()
    # Relayed by the job deferred with the dispatch: B answered 200 and its worker sent back 01 (arrived).
    sent = ExchangeMessage.objects.get(direction="out", kind="document")
    assert (sent.state, sent.attempts) == ("sent", 1)
    eventually(lambda: _recipient(outgoing).status_code == "01")
    assert _recipient(outgoing).sent_at is not None

    # B's clerk accepts it into B's incoming register; 03 comes back to A.
    out = peer.manage("exchange_accept", sent.document_id, f"--clerk={PEER_CLERK}")
    assert re.match(r"Đã tiếp nhận, số đến \d+/\d{4} ", out), out  # B is shared by the tests of the session
    eventually(lambda: _recipient(outgoing).status_code == "03")
    statuses = ExchangeMessage.objects.filter(direction="in", kind="status").order_by("pk")
    assert [s.status_code for s in statuses] == ["01", "03"]
    assert {s.from_organ_id for s in statuses} == {PEER_ID}


def test_a_tampered_package_is_refused_by_the_second_instance_with_02_and_the_reason(
    agency_a: factories.DocumentsWorld, org_cert: Any, settings: Any, peer: Peer
) -> None:
    settings.CQS_EXCHANGE_RELAY_ON_COMMIT = False
    outgoing = _send(agency_a, org_cert, number=8)
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=agency_a.clerk)
    message = ExchangeMessage.objects.get(direction="out", kind="document")
    data = message.payload.read()
    message.payload.close()
    tampered = data.replace("chuyển đổi số".encode(), b"chuyen doi so")
    assert tampered != data
    with message.payload.open("wb") as handle:
        handle.write(tampered)

    assert exchange_outbox.outbox_relay() == 0
    message.refresh_from_db()
    assert (message.state, message.last_error, message.next_attempt_at) == ("refused", TAMPERED_REASON, None)
    recipient = _recipient(outgoing)
    assert (recipient.status_code, recipient.status_note) == ("02", TAMPERED_REASON)
    # B kept nothing of a package whose sender it could not prove (its 400 told A the reason).
    kept = (
        "from cqs.documents.models import ExchangeMessage; "
        f"print(ExchangeMessage.objects.filter(document_id='{message.document_id}').count())"
    )
    assert peer.manage("shell", "-c", kept).split()[-1] == "0"


RECALL_REASON = "Văn bản ban hành nhầm phụ lục, sẽ ban hành lại."
B_AGREES = f"""
from cqs.accounts.models import User
from cqs.documents.exchange import recall as exchange_recall
clerk = User.objects.get(username="{PEER_CLERK}")
request = exchange_recall.recall_requests(clerk).get()
assert exchange_recall.recall_reason(request) == "{RECALL_REASON}"
exchange_recall.recall_answer(request=request, actor=clerk, agree=True)
print(type(request).objects.get(pk=request.responds_to_id).state)
"""


def test_a_recall_reaches_the_second_instance_and_its_answer_comes_back(
    agency_a: factories.DocumentsWorld, org_cert: Any, peer: Peer
) -> None:
    outgoing = _send(agency_a, org_cert, number=9)
    with transaction.atomic():
        exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=agency_a.clerk)
    worker_run()
    eventually(lambda: _recipient(outgoing).status_code == "01")
    with transaction.atomic():
        exchange_recall.outgoing_recall(outgoing=outgoing, actor=agency_a.clerk, reason=RECALL_REASON)
    worker_run()
    request = ExchangeMessage.objects.get(direction="out", kind="status", status_code="13")
    assert (request.state, request.to_organ_id) == ("sent", PEER_ID)
    # B's clerk agrees: the package leaves B's pending list and 15 comes back to A.
    assert peer.manage("shell", "-c", B_AGREES).split()[-1] == "refused"
    eventually(lambda: _recipient(outgoing).status_code == "15")
