"""Rate limits counted in PostgreSQL: the same for every process, per key, per window."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.http import HttpRequest, HttpResponse

from cqs.core.models import RateCounter
from cqs.core.ratelimit import RateLimited, rate_check, rate_hit, rate_limited

T0 = dt.datetime(2026, 5, 4, 8, 0, 20, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_counts_per_key_and_window_and_says_how_long_to_wait() -> None:
    with time_machine.travel(T0, tick=False):
        verdicts = [rate_hit("lookup", "1.2.3.4", limit=3, window_seconds=60) for _ in range(4)]
        assert [v.allowed for v in verdicts] == [True, True, True, False]
        assert [v.count for v in verdicts] == [1, 2, 3, 4]
        assert verdicts[-1].retry_after == 40
        assert rate_hit("lookup", "5.6.7.8", limit=3, window_seconds=60).allowed
        assert rate_hit("register", "1.2.3.4", limit=3, window_seconds=60).allowed
    with time_machine.travel(T0 + dt.timedelta(seconds=40), tick=False):
        assert rate_hit("lookup", "1.2.3.4", limit=3, window_seconds=60).count == 1


@pytest.mark.django_db
def test_no_address_is_stored_in_clear_and_zero_means_no_limit() -> None:
    rate_hit("lookup", "198.51.100.23", limit=5, window_seconds=60)
    assert not RateCounter.objects.filter(key__contains="198.51").exists()
    assert RateCounter.objects.get().count == 1
    assert all(rate_hit("lookup", "x", limit=0, window_seconds=60).allowed for _ in range(3))
    assert RateCounter.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_from_several_connections_are_all_counted() -> None:
    errors: list[BaseException] = []

    def hammer() -> None:
        try:
            for _ in range(25):
                rate_hit("lookup", "203.0.113.1", limit=1000, window_seconds=3600)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    with time_machine.travel(T0, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
    assert RateCounter.objects.get().count == 100


@pytest.mark.django_db
def test_pages_get_a_vietnamese_429_with_retry_after(rf: Any) -> None:
    @rate_limited("demo", limit=lambda: 1)
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    request = rf.get("/", REMOTE_ADDR="192.0.2.1")
    with time_machine.travel(T0, tick=False):
        assert view(request).status_code == 200
        refused = view(request)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"
    assert "Bạn đã gửi quá nhiều yêu cầu. Vui lòng thử lại sau 40 giây." in refused.content.decode()


@pytest.mark.django_db
def test_rate_check_raises_for_the_api(rf: Any) -> None:
    request = rf.get("/", REMOTE_ADDR="192.0.2.2")
    with time_machine.travel(T0, tick=False):
        rate_check(request, "api", limit=1)
        with pytest.raises(RateLimited) as caught:
            rate_check(request, "api", limit=1)
    assert caught.value.status == 429
    assert caught.value.as_dict()["detail"] == {"retry_after": 40}
