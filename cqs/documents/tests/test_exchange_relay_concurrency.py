"""Several relays at once never send a message twice (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection

from cqs.documents.exchange import edxml
from cqs.documents.exchange import outbox as exchange_outbox
from cqs.documents.models import ExchangeMessage, ExchangePartner, Recipient
from cqs.documents.tests import factories
from cqs.documents.tests.exchange_support import issued_outgoing

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class SlowOk:
    status_code = 200
    text = "{}"

    def json(self) -> dict[str, str]:
        return {"code": "01"}


def test_concurrent_relays_send_each_message_once(
    agency: Any, org_cert: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.CQS_EXCHANGE_RELAY_ON_COMMIT = False
    w = factories.documents_world()
    ExchangePartner.objects.create(organ_id="000.00.00.H42", name="UBND tỉnh Hà Tĩnh", endpoint="http://ht.example/")
    recipient = {"channel": Recipient.Channel.EDXML, "organ_id": "000.00.00.H42", "name": "UBND tỉnh Hà Tĩnh"}
    for number in range(1, 7):
        outgoing = issued_outgoing(w, certificate=org_cert, recipients=[recipient], number=number)
        exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=w.clerk)
    assert ExchangeMessage.objects.filter(state="pending").count() == 6

    sent: list[str] = []
    lock = threading.Lock()

    def post(url: str, *, data: bytes, headers: dict[str, str], timeout: float) -> SlowOk:
        time.sleep(0.2)  # long enough for the other relays to reach the same rows
        with lock:
            sent.append(edxml.envelope_parse(data).document_id)
        return SlowOk()

    monkeypatch.setattr(exchange_outbox.requests, "post", post)
    delivered: list[int] = []

    def relay() -> None:
        try:
            delivered.append(exchange_outbox.outbox_relay())
        finally:
            connection.close()

    threads = [threading.Thread(target=relay) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(sent) == sorted(ExchangeMessage.objects.values_list("document_id", flat=True))
    assert len(sent) == len(set(sent)) == 6
    assert sum(delivered) == 6
    assert len([n for n in delivered if n]) > 1  # the work was shared, not serialised behind one lock
    assert set(ExchangeMessage.objects.values_list("state", "attempts")) == {("sent", 1)}
