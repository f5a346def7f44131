"""The bulk loader of documents, tiny: numbers without gaps, search columns as the services write them."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

import pytest
from django.db import connection

from cqs.accounts.models import Role, RoleAssignment
from cqs.core.sequences import sequence_last, year_period
from cqs.demo.documents_scale import documents_scale_load
from cqs.documents.models import DocumentFile, IncomingDocument, OutgoingDocument, Recipient
from cqs.documents.numbering import number_scope
from cqs.documents.search import index as search
from cqs.documents.search.selectors import SearchFilters, document_search

pytestmark = pytest.mark.django_db


def _vector(table: str, pk: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT search_text, search_vector::text FROM {table} WHERE id = %s", [pk])  # noqa: S608
        row = cursor.fetchone()
    return str(row[0]), str(row[1])


def test_a_tiny_load_is_consistent_and_searchable(agency: Any) -> None:
    out = io.StringIO()
    result = documents_scale_load(
        incoming=400, outgoing=100, stdout=out, chunk=120, drop_indexes=False, background=False
    )
    assert (result.incoming, result.outgoing) == (400, 100)
    assert IncomingDocument.objects.count() == 400 and OutgoingDocument.objects.count() == 100
    assert Recipient.objects.count() == result.recipients >= 100
    assert DocumentFile.objects.count() == result.files > 50  # about 30 % carry extracted text
    assert "400 văn bản đến, 100 văn bản đi" in out.getvalue()

    # Numbers run from 1 without a gap per agency, year and register, and the sequences know the last one.
    numbers: dict[tuple[int, Any, str], list[Any]] = defaultdict(list)
    for model in (IncomingDocument, OutgoingDocument):
        for key_agency, year, register, number in model.objects.values_list("agency_id", "year", "register", "number"):
            numbers[(key_agency, year, register)].append(number)
    for key, found in numbers.items():
        assert sorted(found) == list(range(1, len(found) + 1)), key
        last = sequence_last(scope=number_scope(key[2]), agency_id=key[0], period=year_period(key[1]))
        assert last == len(found), key

    # The loader's search columns are exactly what the indexing functions of the services write.
    with_text = DocumentFile.objects.filter(incoming__isnull=False).values_list("incoming_id", flat=True)[:5]
    without = IncomingDocument.objects.filter(files__isnull=True).values_list("pk", flat=True)[:5]
    for pk in [*with_text, *without]:
        loaded = _vector("documents_incomingdocument", pk)
        search.incoming_index(pk)
        assert _vector("documents_incomingdocument", pk) == loaded
    for pk in OutgoingDocument.objects.values_list("pk", flat=True)[:10]:
        loaded = _vector("documents_outgoingdocument", pk)
        search.outgoing_index(pk)
        assert _vector("documents_outgoingdocument", pk) == loaded

    # A leader of the agency finds a loaded document by words of its file text, without diacritics.
    leader = RoleAssignment.objects.get(agency=agency, role=Role.LEADER).user
    document = IncomingDocument.objects.filter(agency=agency, files__isnull=False).first()
    assert document is not None
    words = " ".join(document.files.get().text.split("\n")[1].split()[:4])
    page = document_search(user=leader, filters=SearchFilters(query=words))
    assert page.hits
