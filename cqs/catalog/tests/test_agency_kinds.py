"""Procedures carried out by every agency of a kind (``agency_kinds``), not by a frozen list of agencies."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from cqs.catalog import selectors, services
from cqs.catalog.models import Procedure, ProcedureVersion
from cqs.catalog.tests import factories
from cqs.core.errors import ValidationFailed
from cqs.units.models import Agency

pytestmark = pytest.mark.django_db

COMMUNE = Agency.Kind.COMMUNE_COMMITTEE
DEPARTMENT = Agency.Kind.DEPARTMENT


@pytest.fixture
def communes(manager):  # type: ignore[no-untyped-def]
    return [factories.agency(code=f"000.{i:02d}.31.H40", name=f"UBND xã Số {i}") for i in (1, 2)]


@pytest.fixture
def catalog(manager, communes):  # type: ignore[no-untyped-def]
    justice = factories.agency(code="000.00.10.H40", name="Sở Tư pháp", kind=DEPARTMENT)
    factories.published(code="1.001193", name="Thủ tục đăng ký khai sinh", actor=manager, agency_kinds=[COMMUNE])
    factories.published(code="1.000656", name="Thủ tục đăng ký khai tử", actor=manager, agency_kinds=[COMMUNE])
    factories.published(
        code="2.000001", name="Cấp phiếu lý lịch tư pháp", actor=manager, level="province", agencies=[justice]
    )
    return justice


def _codes(**filters: str) -> list[str]:
    return sorted(p.code for p in selectors.procedure_search(**filters))


def test_filter_by_a_commune_committee_finds_the_commune_procedures(catalog, communes):
    for commune in communes:
        assert _codes(agency_code=commune.electronic_code) == ["1.000656", "1.001193"]
    assert _codes(agency_code="*commune_committee") == ["1.000656", "1.001193"]
    assert _codes(agency_code=catalog.electronic_code) == ["2.000001"]
    assert _codes(agency_code="*department") == []
    assert _codes(agency_code="*nothing") == []
    assert _codes(agency_code="999.99.99.H99") == []
    # With a query too, ranking unchanged.
    assert [p.code for p in selectors.procedure_search(query="khai sinh", agency_code=communes[0].electronic_code)] == [
        "1.001193"
    ]
    # No link rows: the versions name the kind.
    assert not ProcedureVersion.agencies.through.objects.filter(agency__kind=COMMUNE).exists()


def test_a_commune_created_after_publication_is_covered_and_an_inactive_one_is_not(catalog, communes):
    newcomer = factories.agency(code="000.03.31.H40", name="UBND phường Mới")
    assert _codes(agency_code=newcomer.electronic_code) == ["1.000656", "1.001193"]
    communes[0].is_active = False
    communes[0].save()
    assert _codes(agency_code=communes[0].electronic_code) == []


def test_agency_facet_has_one_entry_per_kind_and_counts_like_the_filter(catalog, communes, manager):
    # The department also does everything "every department" does.
    factories.published(
        code="2.000002", name="Chứng thực bản sao", actor=manager, level="province", agency_kinds=[DEPARTMENT]
    )
    facets = {f.code: f for f in selectors.agency_list_with_counts()}
    group = facets["*commune_committee"]
    assert (group.name, group.agency_count, group.procedure_count, group.is_group) == (
        "UBND xã, phường, đặc khu",
        2,
        2,
        True,
    )
    assert (facets["*department"].agency_count, facets["*department"].procedure_count) == (1, 1)
    justice = facets[catalog.electronic_code]
    assert (justice.name, justice.procedure_count, justice.is_group) == ("Sở Tư pháp", 2, False)
    assert justice.procedure_count == len(_codes(agency_code=catalog.electronic_code))
    # Individual commune committees are not listed one by one.
    assert not any(f.code == c.electronic_code for c in communes for f in facets.values())
    assert list(facets)[:2] == ["*department", "*commune_committee"]  # groups first, in the order of the kinds


def test_facets_are_cached_until_the_catalog_changes(catalog, manager, django_assert_num_queries):
    first = selectors.catalog_facets()
    assert first.levels == {"province": 1, "commune": 2, "multi": 0}
    assert [(f.code, f.procedure_count) for f in first.fields] == [("HT", 3)]
    with django_assert_num_queries(2):  # the revision, then the shared cache (a table) under it
        assert selectors.catalog_facets() == first
    factories.published(code="1.000894", name="Thủ tục đăng ký kết hôn", actor=manager, agency_kinds=[COMMUNE])
    after = selectors.catalog_facets()
    assert after.levels["commune"] == 3
    assert {f.code: f.procedure_count for f in after.agencies}["*commune_committee"] == 3
    services.procedure_unpublish(procedure=Procedure.objects.get(code="1.000894"), actor=manager, reason="Thử")
    assert selectors.catalog_facets().levels["commune"] == 2


def test_version_update_takes_agency_kinds_and_a_new_draft_copies_them(manager, communes):
    _procedure, version = services.procedure_create(
        code="1.000001",
        name="Thủ tục thử",
        field=factories.field(),
        level="commune",
        online_level="none",
        actor=manager,
    )
    with pytest.raises(ValidationFailed) as error:
        services.version_update(version=version, actor=manager, data={"agency_kinds": ["commune_committee", "xa"]})
    assert error.value.message == "Không có loại cơ quan “xa”."
    assert "cơ quan thực hiện" in selectors.version_completeness(version=version)
    services.version_update(
        version=version, actor=manager, data={"agency_kinds": ["commune_service_centre", "commune_committee"]}
    )
    version.refresh_from_db()
    assert version.agency_kinds == ["commune_committee", "commune_service_centre"]  # the order of the kinds
    assert "cơ quan thực hiện" not in selectors.version_completeness(version=version)
    published = factories.published(code="1.000002", name="Thủ tục khác", actor=manager, agency_kinds=[COMMUNE])
    draft = services.version_create_draft(procedure=published, actor=manager)
    assert draft.agency_kinds == [COMMUNE]
    assert published.agency_kinds == [COMMUNE]  # denormalised on the procedure


def test_data_migration_turns_links_to_every_agency_of_a_kind_into_the_kind(manager, communes):
    migration = importlib.import_module("cqs.catalog.migrations.0003_agency_links_to_agency_kinds")
    merged = factories.agency(code="000.09.31.H40", name="UBND xã Cũ", is_active=False)
    justice = factories.agency(code="000.00.10.H40", name="Sở Tư pháp", kind=DEPARTMENT)
    every = factories.published(
        code="1.001193", name="Thủ tục đăng ký khai sinh", actor=manager, agencies=[*communes, merged, justice]
    )
    some = factories.published(code="1.000656", name="Thủ tục đăng ký khai tử", actor=manager, agencies=[communes[0]])
    migration.links_to_kinds(apps, None)
    every.refresh_from_db()
    version = ProcedureVersion.objects.get(pk=every.current_version_id)
    assert version.agency_kinds == [COMMUNE] and every.agency_kinds == [COMMUNE]
    # The department is the only one of its kind: it stays a link, as do partial lists.
    assert list(version.agencies.all()) == [justice]
    some_version = ProcedureVersion.objects.get(pk=some.current_version_id)
    assert some_version.agency_kinds == [] and list(some_version.agencies.all()) == [communes[0]]
    migration.kinds_to_links(apps, None)
    assert set(version.agencies.all()) == {*communes, justice}
