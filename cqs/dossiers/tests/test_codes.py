"""Dossier codes: ``<deciding agency code>-YYMMDD-[AA]XXXX``, a daily sequence per agency, unique under load."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection

from cqs.catalog.tests import factories as catalog_factories
from cqs.core.errors import ApplicationError
from cqs.core.models import Sequence
from cqs.dossiers import services
from cqs.dossiers.codes import CODE_SCOPE, dossier_code_new
from cqs.dossiers.models import Dossier
from cqs.dossiers.tests.factories import World, filing
from cqs.dossiers.tests.factories_dsvc import at, submitted


def test_code_is_agency_code_date_and_four_digit_sequence(w: World) -> None:
    with time_machine.travel(at(2027, 3, 1, 9, 0), tick=False):
        first = submitted(w)
        second = submitted(w)
    assert first.code == f"{w.agency.electronic_code}-270301-0001"
    assert second.code == f"{w.agency.electronic_code}-270301-0002"


def test_system_owner_digits_come_before_the_sequence(w: World, settings: Any) -> None:
    settings.CQS_DOSSIER_SYSTEM_OWNER = "01"
    with time_machine.travel(at(2027, 3, 1, 9, 0), tick=False):
        dossier = submitted(w)
    assert dossier.code == f"{w.agency.electronic_code}-270301-010001"


def test_sequence_restarts_each_day(w: World) -> None:
    with time_machine.travel(at(2027, 3, 1, 16, 0), tick=False):
        monday = [submitted(w).code for _ in range(2)]
    with time_machine.travel(at(2027, 3, 2, 8, 0), tick=False):
        tuesday = submitted(w).code
    assert [c[-11:] for c in monday] == ["270301-0001", "270301-0002"]
    assert tuesday.endswith("-270302-0001")


def test_the_day_is_the_day_in_vietnam_not_utc(w: World) -> None:
    # 00:30 on 2 March in Hà Nội is still 1 March in UTC.
    with time_machine.travel(at(2027, 3, 2, 0, 30), tick=False):
        assert submitted(w).code.endswith("-270302-0001")


def test_sequence_restarts_per_deciding_agency(w: World) -> None:
    other = catalog_factories.agency()
    moment = at(2027, 3, 1, 9, 0)
    assert dossier_code_new(agency=w.agency, at=moment).endswith("-270301-0001")
    assert dossier_code_new(agency=w.agency, at=moment).endswith("-270301-0002")
    assert dossier_code_new(agency=other, at=moment) == f"{other.electronic_code}-270301-0001"
    assert set(Sequence.objects.values_list("scope", "agency_id", "period", "last")) == {
        (CODE_SCOPE, w.agency.pk, "2027-03-01", 2),
        (CODE_SCOPE, other.pk, "2027-03-01", 1),
    }


def test_a_refused_filing_takes_no_number(w: World) -> None:
    with time_machine.travel(at(2027, 3, 1, 9, 0), tick=False):
        with pytest.raises(ApplicationError):
            submitted(w, form_data={})
        assert not Sequence.objects.exists()
        assert submitted(w).code.endswith("-270301-0001")


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_distinct_consecutive_codes(w: World) -> None:
    count = 8
    barrier = threading.Barrier(count)
    codes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit() -> None:
        try:
            application = filing(w)
            barrier.wait(timeout=30)
            dossier = services.dossier_submit_online(applicant=w.citizen, filing=application)
            with lock:
                codes.append(dossier.code)
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(set(codes)) == count
    assert sorted(int(code[-4:]) for code in codes) == list(range(1, count + 1))
    prefix = re.escape(w.agency.electronic_code)
    assert all(re.fullmatch(rf"{prefix}-\d{{6}}-\d{{4}}", code) for code in codes)
    assert Dossier.objects.count() == count
    assert list(Sequence.objects.values_list("scope", "agency_id", "last")) == [(CODE_SCOPE, w.agency.pk, count)]
