"""The public catalogue answers kept per catalogue revision: every write path shows on the next request."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from cqs.catalog import exchange, services
from cqs.catalog.models import Procedure
from cqs.catalog.revision_cache import RevisionCache
from cqs.catalog.search import catalog_changed, catalog_revision
from cqs.catalog.tests import factories
from cqs.catalog.tests.test_exchange import payload, procedure
from cqs.units import services as unit_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(manager):  # type: ignore[no-untyped-def]
    factories.published(code="1.001193", name="Thủ tục đăng ký khai sinh", actor=manager)
    factories.published(code="1.005040", name="Đăng ký kết hôn", actor=manager, online_level="partial")


def codes(client, **params):  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/procedures", params)
    assert response.status_code == 200
    return [r["code"] for r in response.json()["results"]]


# ---------------------------------------------------------------- the cache itself


def test_built_once_per_key_and_revision(db):
    cache = RevisionCache()
    built: list[str] = []

    def build(text: str):  # type: ignore[no-untyped-def]
        return lambda: built.append(text) or text

    assert cache.get_or_build(("a",), build("A")) == "A"
    assert cache.get_or_build(("a",), build("A again")) == "A"
    assert cache.get_or_build(("b",), build("B")) == "B"
    assert built == ["A", "B"]
    catalog_changed()
    assert cache.get_or_build(("a",), build("A after")) == "A after"
    assert len(cache) == 1  # the old revision's answers are dropped


def test_bounded_by_entries_and_size_least_recently_used_first(db):
    cache = RevisionCache(max_entries=3, max_size=10)
    for key in "abc":
        cache.get_or_build((key,), lambda key=key: key * 2)
    cache.get_or_build(("a",), lambda: "never")  # a is now the most recently used
    cache.get_or_build(("d",), lambda: "dd")
    assert len(cache) == 3
    assert cache.get_or_build(("b",), lambda: "rebuilt") == "rebuilt"  # b was the oldest: dropped
    assert cache.get_or_build(("e",), lambda: "x" * 11) == "x" * 11  # larger than the whole cache: not kept
    assert cache.get_or_build(("e",), lambda: "small") == "small"
    cache.get_or_build(("f",), lambda: "123456789")
    assert len(cache) == 1  # 9 characters of 10: everything else had to go


def test_two_processes_agree_through_the_database(catalog, client, manager):
    """Two caches stand for two processes: both see a change on their next request, without being told."""
    first, second = RevisionCache(), RevisionCache()
    for cache in (first, second):
        assert cache.get_or_build(("codes",), lambda: ",".join(Procedure.objects.values_list("code", flat=True))) == (
            "1.001193,1.005040"
        )
    services.procedure_unpublish(procedure=Procedure.objects.get(code="1.005040"), actor=manager, reason="Bãi bỏ")
    for cache in (first, second):
        assert cache.get_or_build(("codes",), lambda: "rebuilt") == "rebuilt"


@pytest.mark.django_db(transaction=True)
def test_the_revision_is_read_from_the_database_by_every_connection(manager):
    """A committed change moves the revision another connection (another process) reads."""
    other = connections.create_connection("default")
    try:

        def revision_elsewhere() -> str:
            with other.cursor() as cursor:
                cursor.execute("SELECT revision || '.' || xmin FROM catalog_catalogstate WHERE id = 1")
                row = cursor.fetchone()
            return str(row[0]) if row else ""

        before = revision_elsewhere()
        factories.published(code="1.001193", name="Thủ tục đăng ký khai sinh", actor=manager)
        after = revision_elsewhere()
        assert after != before and catalog_revision().startswith(after)
    finally:
        other.close()


# ---------------------------------------------------------------- every write path, seen on the next API request


def test_a_new_procedure_shows_at_once(catalog, client, manager):
    assert codes(client, q="ket hon") == ["1.005040"]
    factories.published(code="1.000894", name="Đăng ký kết hôn có yếu tố nước ngoài", actor=manager)
    assert codes(client, q="ket hon") == ["1.005040", "1.000894"]


def test_a_new_version_in_force_shows_at_once(catalog, client, manager):
    assert codes(client, q="ket hon") == ["1.005040"]
    version = services.version_create_draft(procedure=Procedure.objects.get(code="1.005040"), actor=manager)
    services.version_update(version=version, actor=manager, data={"name": "Đăng ký lại việc kết hôn"})
    services.version_check(version=version, actor=manager)
    services.version_publish(
        version=version,
        actor=manager,
        decision_number="99/QĐ-UBND",
        decision_date=dt.date.today(),
        effective_from=dt.date.today(),
    )
    body = client.get("/api/v1/procedures", {"q": "ket hon"}).json()
    assert [r["name"] for r in body["results"]] == ["Đăng ký lại việc kết hôn"]


def test_the_daily_activation_shows_at_once(catalog, client, manager):
    version = services.version_create_draft(procedure=Procedure.objects.get(code="1.005040"), actor=manager)
    services.version_update(version=version, actor=manager, data={"name": "Đăng ký kết hôn lưu động"})
    services.version_check(version=version, actor=manager)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    services.version_publish(
        version=version,
        actor=manager,
        decision_number="7/QĐ-UBND",
        decision_date=dt.date.today(),
        effective_from=tomorrow,
    )
    assert codes(client, q="luu dong") == []
    with time_machine.travel(dt.datetime.combine(tomorrow, dt.time(0, 10)).astimezone(), tick=False):
        assert services.catalog_activate_due() == 1
        assert codes(client, q="luu dong") == ["1.005040"]


def test_an_import_shows_at_once(catalog, client, manager):
    assert set(codes(client)) == {"1.001193", "1.005040"}
    exchange.catalog_import_json(
        payload=payload(procedure("1.000656", "Thủ tục đăng ký khai tử")), actor=manager, publish=True
    )
    assert set(codes(client)) == {"1.001193", "1.005040", "1.000656"}


def test_a_withdrawal_shows_at_once(catalog, client, manager):
    assert codes(client, q="khai sinh") == ["1.001193"]
    services.procedure_unpublish(procedure=Procedure.objects.get(code="1.001193"), actor=manager, reason="Bãi bỏ")
    assert codes(client, q="khai sinh") == []
    assert client.get("/thu-tuc/", {"q": "khai sinh"}).content.count(b"1.001193") == 0


def test_an_agency_change_shows_at_once(manager, client):
    commune = factories.agency(code="000.01.01.H40")
    factories.published(code="1.001193", name="Thủ tục đăng ký khai sinh", actor=manager, agencies=[commune])
    assert codes(client, agency="000.01.01.H40") == ["1.001193"]
    unit_services.agency_update(agency=commune, actor=manager, electronic_code="000.02.01.H40")
    assert codes(client, agency="000.01.01.H40") == []
    assert codes(client, agency="000.02.01.H40") == ["1.001193"]


# ---------------------------------------------------------------- what a request costs and what it leaves


def test_a_repeated_anonymous_search_is_one_query_and_no_session(catalog, client):
    first = client.get("/api/v1/procedures", {"q": "khai sinh"})
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/api/v1/procedures", {"q": "khai sinh"})
    assert again.content == first.content
    assert [q["sql"] for q in queries.captured_queries] == [queries.captured_queries[0]["sql"]]
    assert "catalog_catalogstate" in queries.captured_queries[0]["sql"]
    assert "sessionid" not in again.cookies and again["Content-Type"] == "application/json; charset=utf-8"
    assert again["Cache-Control"] == "private, no-store"


def test_queries_and_filters_do_not_collide(catalog, client):
    assert codes(client, q="khai sinh") == ["1.001193"]
    assert codes(client, q="ket hon") == ["1.005040"]
    assert codes(client, q="ket hon", online_level="full") == []
    assert codes(client, q="ket hon", page_size=1, page=2) == []
    assert client.get("/api/v1/procedures", {"q": "ket hon", "page_size": 1}).json()["page_size"] == 1


@pytest.mark.parametrize("query", ["đăng ký khai sinh", "dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "Dang ky Khai Sinh"])
def test_search_with_and_without_diacritics(catalog, client, query):
    codes(client, q="dang ky")  # another answer already kept
    assert codes(client, q=query) == ["1.001193"]
    assert codes(client, q=query) == ["1.001193"]
