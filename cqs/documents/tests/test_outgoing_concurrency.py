"""Issuing from several threads at once, each on its own database connection: numbers 1..N, no gap, no duplicate.

The documents are signed first, then every thread issues one at the same moment (a barrier);
one issue failing half-way must give its number back. A transactional test ends by emptying
every table, the document types the migrations seed included: ``serialized_rollback`` brings
them back before each test here, and the root conftest's ``_seeded_rows_back`` after each one,
for the tests that run next on the same (reused) database.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from cqs.core.errors import ValidationFailed
from cqs.core.sequences import sequence_last, year_period
from cqs.documents.exchange import outbox as exchange_outbox
from cqs.documents.models import OutgoingDocument, OutgoingStatus, Register
from cqs.documents.numbering import number_scope
from cqs.documents.outgoing import services as svc
from cqs.documents.tests.test_outgoing_support import build_world, signed

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def issue_all(documents: list[OutgoingDocument], clerk: Any) -> list[BaseException]:
    barrier = threading.Barrier(len(documents))
    errors: list[BaseException] = []
    lock = threading.Lock()

    def issue(document: OutgoingDocument) -> None:
        try:
            barrier.wait(timeout=60)
            svc.outgoing_issue(outgoing=document, actor=clerk)
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(document,)) for document in documents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return errors


def numbers() -> list[int]:
    return sorted(
        OutgoingDocument.objects.filter(status=OutgoingStatus.ISSUED).values_list("number", flat=True)  # type: ignore[arg-type]
    )


def outgoing_last(w: Any) -> int:
    """The last number of the agency's outgoing register of the issues' year."""
    year = OutgoingDocument.objects.filter(status=OutgoingStatus.ISSUED).values_list("year", flat=True).first()
    assert year is not None
    return sequence_last(scope=number_scope(Register.OUTGOING), agency_id=w.agency.pk, period=year_period(year))


def test_concurrent_issues_get_consecutive_numbers() -> None:
    w = build_world()
    count = 5
    documents = [signed(w) for _ in range(count)]
    assert issue_all(documents, w.clerk) == []
    assert numbers() == list(range(1, count + 1))
    codes = set(OutgoingDocument.objects.values_list("number", "notation"))
    assert len(codes) == count
    assert outgoing_last(w) == count


def test_a_failure_in_the_middle_leaves_no_gap(monkeypatch: Any) -> None:
    w = build_world()
    count = 4
    documents = [signed(w) for _ in range(count)]
    doomed = documents[1].pk
    dispatch = exchange_outbox.recipients_dispatch

    def dispatch_or_fail(*, outgoing: OutgoingDocument, actor: Any) -> None:
        if outgoing.pk == doomed:
            raise ValidationFailed("Không gửi được văn bản.")
        dispatch(outgoing=outgoing, actor=actor)

    monkeypatch.setattr(exchange_outbox, "recipients_dispatch", dispatch_or_fail)
    errors = issue_all(documents, w.clerk)
    assert [str(e) for e in errors] == ["Không gửi được văn bản."]
    assert numbers() == list(range(1, count))
    failed = OutgoingDocument.objects.get(pk=doomed)
    assert (failed.status, failed.number, failed.verification_code) == (OutgoingStatus.SIGNED, None, "")
    assert outgoing_last(w) == count - 1


def test_two_clerks_issuing_the_same_document_get_one_number() -> None:
    w = build_world()
    document = signed(w)
    errors = issue_all([document, document], w.clerk)
    assert [str(e) for e in errors] == ["Không thể phát hành: văn bản đang ở trạng thái «Đã phát hành»."]
    assert numbers() == [1]
