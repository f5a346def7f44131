from __future__ import annotations

import pytest

from cqs.catalog import selectors
from cqs.catalog.tests import factories
from cqs.core.errors import NotFoundOrForbidden

pytestmark = pytest.mark.django_db

NAMES = [
    ("1.004746", "Đăng ký khai sinh kết hợp đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"),
    ("1.004884", "Đăng ký lại khai sinh"),
    ("1.001695", "Đăng ký khai sinh có yếu tố nước ngoài"),
    ("1.001193", "Thủ tục đăng ký khai sinh"),
    ("1.000656", "Thủ tục đăng ký khai tử"),
    ("1.005040", "Đăng ký kết hôn"),
]


@pytest.fixture
def catalog(manager):  # type: ignore[no-untyped-def]
    for code, name in NAMES:
        factories.published(code=code, name=name, actor=manager)
    land = factories.field(code="DD", name="Đất đai")
    factories.published(
        code="2.000815",
        name="Cấp giấy chứng nhận quyền sử dụng đất lần đầu",
        actor=manager,
        field_obj=land,
        level="province",
        online_level="partial",
    )


@pytest.mark.parametrize(
    "query", ["dang ky khai sinh", "khai sinh", "đăng ký khai sinh", "ĐĂNG KÝ KHAI SINH", "thủ tục đăng ký khai sinh"]
)
def test_the_plain_procedure_comes_first(catalog, query):
    results = list(selectors.procedure_search(query=query))
    assert results[0].name == "Thủ tục đăng ký khai sinh"
    names = [p.name for p in results]
    assert "Đăng ký lại khai sinh" in names
    assert "Thủ tục đăng ký khai tử" not in names and "Đăng ký kết hôn" not in names


def test_ranking_puts_closer_names_higher(catalog):
    names = [p.name for p in selectors.procedure_search(query="khai sinh")]
    assert names.index("Đăng ký lại khai sinh") < names.index(NAMES[0][1])


@pytest.mark.parametrize("query", ["đất", "dat", "DAT", "quyen su dung dat", "Quyền sử dụng đất"])
def test_diacritics_and_d_stroke_do_not_matter(catalog, query):
    assert selectors.procedure_search(query=query).first().code == "2.000815"


def test_field_words_match_with_lower_rank(catalog):
    results = list(selectors.procedure_search(query="dat dai"))
    assert [p.code for p in results] == ["2.000815"]


def test_code_search(catalog):
    assert [p.code for p in selectors.procedure_search(query="1.001193")] == ["1.001193"]
    assert [p.code for p in selectors.procedure_search(query="2.0008")] == ["2.000815"]


def test_prefix_of_the_last_word(catalog):
    assert "1.005040" in [p.code for p in selectors.procedure_search(query="ket ho")]


def test_typo_falls_back_to_similar_names(catalog):
    results = [p.name for p in selectors.procedure_search(query="khai sinhh")]
    assert results and "khai sinh" in results[0]


def test_filters(catalog):
    assert [p.code for p in selectors.procedure_search(level="province")] == ["2.000815"]
    assert [p.code for p in selectors.procedure_search(field_code="DD")] == ["2.000815"]
    assert [p.code for p in selectors.procedure_search(online_level="partial")] == ["2.000815"]
    assert selectors.procedure_search(query="khai sinh", level="province").count() == 0
    assert selectors.level_counts() == {"province": 1, "commune": 6, "multi": 0}
    assert [(f.code, f.procedure_count) for f in selectors.field_list_with_counts()] == [("DD", 1), ("HT", 6)]
    assert selectors.catalog_figures() == {"total": 7, "full": 6, "partial": 1, "none": 0}


def test_agency_filter_and_counts(manager):
    a = factories.agency(name="UBND xã Mường Nhé")
    factories.published(code="1.001193", name="Thủ tục đăng ký khai sinh", actor=manager, agencies=[a])
    factories.published(code="1.000656", name="Thủ tục đăng ký khai tử", actor=manager)
    assert [p.code for p in selectors.procedure_search(agency_code=a.electronic_code)] == ["1.001193"]
    counts = {x.code: x.procedure_count for x in selectors.agency_list_with_counts()}
    assert counts[a.electronic_code] == 1


def test_unpublished_drafts_are_never_found(manager):
    from cqs.catalog import services

    services.procedure_create(
        code="1.000001",
        name="Thủ tục đăng ký khai sinh nháp",
        field=factories.field(),
        level="commune",
        online_level="none",
        actor=manager,
    )
    assert selectors.procedure_search(query="khai sinh").count() == 0
    with pytest.raises(NotFoundOrForbidden) as error:
        selectors.procedure_get_published(code="1.000001")
    assert error.value.message == "Không tìm thấy thủ tục."


def test_procedure_get_published_query_count(catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        procedure = selectors.procedure_get_published(code="1.001193")
        version = procedure.current_version
        assert [d.name for d in version.documents.all()]
        assert list(version.fees.all()) and list(version.form_fields.all()) and list(version.process_steps.all())
        assert [a.unit.name for a in version.agencies.all()]
        assert version.field.name == "Hộ tịch"
