"""The document search and registers read from a streaming replica when there is one; writes stay on the primary.

A real hot standby of the embedded PostgreSQL (``pg_basebackup -R``, see ``cqs.core.tests.streaming_replica``):
with its replay paused, a document registered on the primary is not yet found by the search page,
which reads the standby, while the primary already has it; once replayed, the page finds it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cqs.core.dbrouters import REPLICA, reading_from_replica
from cqs.core.tests.streaming_replica import Pair, replica_pair
from cqs.documents.models import IncomingDocument
from cqs.documents.search.selectors import SearchFilters, document_search
from cqs.documents.tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

SUBJECT = "Về việc phòng chống cơn bão số 9 trên địa bàn tỉnh"


@pytest.fixture
def pair(settings: Any) -> Iterator[Pair]:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    with replica_pair() as running:
        yield running


def _found(client: Client) -> bool:
    response = client.get(reverse("documents:search"), {"q": "phong chong bao so 9"})
    assert response.status_code == 200
    return "cơn <mark>bão</mark> <mark>số</mark> <mark>9</mark> trên địa bàn tỉnh" in response.content.decode()


def test_the_search_page_reads_the_replica_and_writes_stay_on_the_primary(pair: Pair) -> None:
    w = factories.documents_world()
    pair.replayed()
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)
    assert IncomingDocument.objects.db == "default"
    with reading_from_replica():
        assert IncomingDocument.objects.db == REPLICA
        assert IncomingDocument.objects.select_for_update().db == "default"

    pair.replay(paused=True)
    try:
        factories.incoming(w, subject=SUBJECT)
        # The session written by this login is read back from the primary, though the standby has not seen it.
        client = Client()
        client.force_login(w.leader)
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            assert not _found(client)
        assert any("documents_" in query["sql"] for query in on_replica.captured_queries)
        # The primary already has it: pages that show what their user just wrote read there.
        hits = document_search(user=w.leader, filters=SearchFilters(query="phong chong bao so 9")).hits
        assert [hit.document.subject for hit in hits] == [SUBJECT]
    finally:
        pair.replay(paused=False)
    pair.replayed()
    assert _found(client)


def test_the_registers_read_the_replica(pair: Pair) -> None:
    w = factories.documents_world()
    pair.replayed()
    client = Client()
    client.force_login(w.clerk)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get(reverse("documents:register_incoming")).status_code == 200
    assert any("documents_incomingdocument" in query["sql"] for query in on_replica.captured_queries)
