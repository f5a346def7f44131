"""One numbering mechanism: numbers from 1 per scope, agency and period, gap-free and unique under concurrency."""

from __future__ import annotations

import datetime as dt
import threading
import time
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from cqs.core.models import Sequence
from cqs.core.sequences import (
    day_period,
    sequence_last,
    sequence_next,
    sequences_raise,
    sequences_read,
    year_period,
)

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def agencies(count: int) -> list[int]:
    """``count`` agencies' ids (built through the app registry: the units app sits above core)."""
    unit_model, agency_model = apps.get_model("units", "AdministrativeUnit"), apps.get_model("units", "Agency")
    unit = unit_model.objects.create(
        code="99001", name="Xã Thử", level="commune", division_type="xã", search_name="xa thu"
    )
    return [
        agency_model.objects.create(
            electronic_code=f"000.{n:02d}.98.H99",
            name=f"UBND xã Thử {n}",
            kind="commune_committee",
            unit=unit,
            search_name=f"ubnd xa thu {n}",
        ).pk
        for n in range(count)
    ]


def take(scope: str, agency_id: int, period: str) -> int:
    with transaction.atomic():
        return sequence_next(scope=scope, agency_id=agency_id, period=period)


def at_once(calls: list[Callable[[], int]]) -> tuple[list[int], list[BaseException]]:
    """Run the calls in threads, each on its own connection, released together; their numbers and errors."""
    barrier = threading.Barrier(len(calls))
    numbers: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], int]) -> None:
        try:
            barrier.wait(timeout=30)
            number = call()
            with lock:
                numbers.append(number)
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(numbers), errors


@pytest.mark.django_db
def test_numbers_run_from_1_and_each_scope_agency_and_period_counts_alone() -> None:
    first, second = agencies(2)
    assert [take("code", first, "2026-12-07") for _ in range(3)] == [1, 2, 3]
    assert take("code", first, "2026-12-08") == 1
    assert take("code", second, "2026-12-07") == 1
    assert take("register", first, "2026-12-07") == 1
    assert take("register", first, "2026") == 1
    assert sequence_last(scope="code", agency_id=first, period="2026-12-07") == 3
    assert sequence_last(scope="code", agency_id=second, period="2026-12-09") == 0
    assert Sequence.objects.count() == 5


@pytest.mark.django_db
def test_a_rolled_back_transaction_gives_its_number_back() -> None:
    (agency,) = agencies(1)
    assert take("number", agency, "2026") == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        assert sequence_next(scope="number", agency_id=agency, period="2026") == 2
        raise RuntimeError("the document could not be issued")
    assert sequence_last(scope="number", agency_id=agency, period="2026") == 1
    assert take("number", agency, "2026") == 2
    with pytest.raises(RuntimeError), transaction.atomic():
        assert sequence_next(scope="number", agency_id=agency, period="2027") == 1
        raise RuntimeError("the first of the year could not be issued")
    assert not Sequence.objects.filter(period="2027").exists()


@pytest.mark.django_db(transaction=True)
def test_a_number_is_taken_only_inside_the_transaction_that_uses_it() -> None:
    (agency,) = agencies(1)
    with pytest.raises(RuntimeError, match="inside the transaction"):
        sequence_next(scope="number", agency_id=agency, period="2026")
    assert not Sequence.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_transactions_get_consecutive_numbers_and_a_failed_one_gives_its_number_back() -> None:
    (agency,) = agencies(1)
    count = 8

    def taker(fail: bool) -> Callable[[], int]:
        def call() -> int:
            with transaction.atomic():
                number = sequence_next(scope="code", agency_id=agency, period="2026-12-07")
                time.sleep(0.05)  # the others queue on the counter meanwhile
                if fail:
                    raise RuntimeError("the filing failed")
                return number

        return call

    numbers, errors = at_once([taker(fail=n == 3) for n in range(count)])
    assert [str(e) for e in errors] == ["the filing failed"]
    assert numbers == list(range(1, count))
    assert sequence_last(scope="code", agency_id=agency, period="2026-12-07") == count - 1


@pytest.mark.django_db(transaction=True)
def test_a_waiting_transaction_gets_the_number_the_creator_of_the_counter_gave_back() -> None:
    (agency,) = agencies(1)
    taken = threading.Event()
    results: dict[str, Any] = {}

    def creator() -> None:
        try:
            with transaction.atomic():
                results["creator"] = sequence_next(scope="code", agency_id=agency, period="2026-12-07")
                taken.set()
                time.sleep(0.3)  # the waiter blocks on the new, uncommitted counter
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        finally:
            connection.close()

    def waiter() -> None:
        try:
            taken.wait(timeout=30)
            results["waiter"] = take("code", agency, "2026-12-07")
        finally:
            connection.close()

    threads = [threading.Thread(target=creator), threading.Thread(target=waiter)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == {"creator": 1, "waiter": 1}
    assert sequence_last(scope="code", agency_id=agency, period="2026-12-07") == 1


@pytest.mark.django_db
def test_a_bulk_raise_lifts_counters_never_lowers_them_and_creates_the_missing() -> None:
    first, second = agencies(2)
    for _ in range(5):
        take("code", first, "2026-12-07")
    take("code", first, "2026-12-08")
    sequences_raise(
        {
            ("code", first, "2026-12-07"): 3,  # lower than 5: stays 5
            ("code", first, "2026-12-08"): 40,
            ("code", second, "2026-12-08"): 7,
            ("document_outgoing", second, "2026"): 12,
        }
    )
    sequences_raise({})
    assert sequences_read(scopes=["code"]) == {
        ("code", first, "2026-12-07"): 5,
        ("code", first, "2026-12-08"): 40,
        ("code", second, "2026-12-08"): 7,
    }
    assert sequences_read(scopes=["code", "document_outgoing"], since="2026-12-08") == {
        ("code", first, "2026-12-08"): 40,
        ("code", second, "2026-12-08"): 7,
    }
    assert sequences_read(scopes=["document_outgoing"]) == {("document_outgoing", second, "2026"): 12}
    assert take("code", first, "2026-12-08") == 41
    assert take("document_outgoing", second, "2026") == 13


def test_periods_are_days_and_years_in_the_office_time_zone() -> None:
    # 00:30 on 1 January 2027 in Hà Nội is still 31 December 2026 in UTC.
    moment = dt.datetime(2027, 1, 1, 0, 30, tzinfo=VN)
    assert moment.astimezone(dt.UTC).date() == dt.date(2026, 12, 31)
    assert (day_period(moment), year_period(moment)) == ("2027-01-01", "2027")
    assert (day_period(dt.date(2026, 3, 9)), year_period(dt.date(2026, 3, 9)), year_period(2026)) == (
        "2026-03-09",
        "2026",
        "2026",
    )


@pytest.mark.django_db
def test_a_period_that_is_neither_a_day_nor_a_year_is_refused() -> None:
    (agency,) = agencies(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        sequence_next(scope="code", agency_id=agency, period="7/12/2026")
