"""The move of the numberings into ``core.Sequence`` on a database with data: back to the old tables, and forward again.

Dossier codes and document numbers had tables of their own, register rows (form 07) were the register's
maximum. Migrating back puts the counters into the old tables; migrating forward brings them, and the
register's maxima per receiving agency and year of receipt (in the office's time zone), into
``core.Sequence`` as they were.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cqs.catalog.tests import factories as catalog_factories
from cqs.core.dbroles import app_role_name, owner_connection, role_grants
from cqs.core.models import Sequence
from cqs.core.sequences import sequences_raise
from cqs.dossiers.codes import CODE_SCOPE, REGISTER_SCOPE
from cqs.dossiers.tests.factories import World
from cqs.dossiers.tests.factories_dsvc import accepted, at

BEFORE_SEQUENCES = [
    ("core", "0006_audit_event_mac_fill"),
    ("dossiers", "0007_declaration_confirmations"),
    ("documents", "0007_copy_document_types"),
]


def sequences() -> set[tuple[str, int, str, int]]:
    return set(Sequence.objects.values_list("scope", "agency_id", "period", "last"))


def migrate(targets: list[tuple[str, str]] | None = None) -> Any:
    """Migrate to ``targets`` (every app's latest when none) as the owner, then grant the application's role its
    rights as ``migrate`` does (no other post-migrate work: content types stay as the test found them)."""
    with owner_connection():
        executor = MigrationExecutor(connection)
        targets = targets or executor.loader.graph.leaf_nodes()
        executor.migrate(targets)
        role = app_role_name()
        if role is not None:
            with connection.cursor() as cursor:
                role_grants(cursor, role)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_numbers_go_back_to_the_old_tables_and_come_again(w: World) -> None:
    with time_machine.travel(at(2027, 12, 31, 16, 0), tick=False):
        rows_2027 = [accepted(w).register_row for _ in range(2)]
    with time_machine.travel(at(2028, 1, 1, 0, 30), tick=False):  # still 31 December in UTC
        first_of_2028 = accepted(w)
    assert (rows_2027, first_of_2028.register_row) == ([1, 2], 1)
    other = catalog_factories.agency()
    sequences_raise(
        {("document_outgoing", w.agency.pk, "2027"): 12, ("document_incoming_classified", other.pk, "2028"): 3}
    )
    before = sequences()
    assert before == {
        (CODE_SCOPE, w.agency.pk, "2027-12-31", 2),
        (CODE_SCOPE, w.agency.pk, "2028-01-01", 1),
        (REGISTER_SCOPE, w.agency.pk, "2027", 2),
        (REGISTER_SCOPE, w.agency.pk, "2028", 1),
        ("document_outgoing", w.agency.pk, "2027", 12),
        ("document_incoming_classified", other.pk, "2028", 3),
    }

    old = migrate(BEFORE_SEQUENCES)
    codes = old.get_model("dossiers", "DossierSequence").objects.values_list("agency_id", "day", "last")
    assert set(codes) == {(w.agency.pk, dt.date(2027, 12, 31), 2), (w.agency.pk, dt.date(2028, 1, 1), 1)}
    numbers = old.get_model("documents", "NumberSequence").objects.values_list("agency_id", "year", "register", "last")
    assert set(numbers) == {(w.agency.pk, 2027, "outgoing", 12), (other.pk, 2028, "incoming_classified", 3)}
    assert "core_sequence" not in connection.introspection.table_names()

    migrate()
    assert sequences() == before
    with time_machine.travel(at(2028, 1, 2, 9, 0), tick=False):
        dossier = accepted(w)
    assert (dossier.code[-11:], dossier.register_row) == ("280102-0001", 2)
