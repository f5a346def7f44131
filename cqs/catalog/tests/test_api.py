from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from cqs.catalog.models import Procedure
from cqs.catalog.tests import factories
from cqs.catalog.tests.test_exchange import payload, procedure

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """An API token for the user (officials' browser sessions need TOTP, tokens do not)."""
    from cqs.accounts.models import ApiToken
    from cqs.accounts.selectors import token_digest

    token = f"test-token-{user.pk}"
    ApiToken.objects.create(
        user=user,
        name="test",
        digest=token_digest(token),
        prefix=token[:8],
        expires_at=timezone.now() + timedelta(days=1),
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def catalog(manager):  # type: ignore[no-untyped-def]
    factories.published(code="1.001193", name="Thủ tục đăng ký khai sinh", actor=manager)
    factories.published(code="1.004884", name="Đăng ký lại khai sinh", actor=manager)
    factories.published(code="1.005040", name="Đăng ký kết hôn", actor=manager, online_level="partial")


def test_list_search_and_pagination(client, catalog):
    response = client.get("/api/v1/procedures", {"q": "dang ky khai sinh", "page_size": 1})
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["page_size"]) == (2, 1, 1)
    first = body["results"][0]
    assert first["code"] == "1.001193" and first["name"] == "Thủ tục đăng ký khai sinh"
    assert first["field"] == "Hộ tịch" and first["online_level"] == "full"
    assert first["processing_time_unit"] == "working_days" and "1.001193" in first["url"]
    second = client.get("/api/v1/procedures", {"q": "dang ky khai sinh", "page_size": 1, "page": 2}).json()
    assert [r["code"] for r in second["results"]] == ["1.004884"]
    beyond = client.get("/api/v1/procedures", {"page": 9}).json()
    assert beyond["count"] == 3 and beyond["results"] == []
    assert client.get("/api/v1/procedures", {"online_level": "partial"}).json()["count"] == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page_size": 101}, "Tham số page_size phải là số nguyên từ 1 đến 100."),
        ({"page_size": "abc"}, "Tham số page_size phải là số nguyên từ 1 đến 100."),
        ({"page": 0}, "Tham số page phải là số nguyên từ 1 trở lên."),
        ({"page": "-1"}, "Tham số page phải là số nguyên từ 1 trở lên."),
        ({"level": "district"}, "Tham số level phải là một trong: province, commune, multi."),
        ({"online_level": "x"}, "Tham số online_level phải là một trong: full, partial, none."),
        ({"q": "x" * 201}, "Từ khoá dài tối đa 200 ký tự."),
    ],
)
def test_bad_parameters_are_422_in_vietnamese(client, catalog, params, message):
    response = client.get("/api/v1/procedures", params)
    assert response.status_code == 422
    assert response.json()["message"] == message


@pytest.mark.parametrize("query", ["'", "\\", "%_", "a:*|!", "đ&đ", "(((", "1.", "...", "thủ tục"])
def test_odd_queries_never_fail(client, catalog, query):
    assert client.get("/api/v1/procedures", {"q": query}).status_code in (200, 422)


def test_a_nul_byte_is_refused_before_the_api(client, catalog):
    assert client.get("/api/v1/procedures", {"q": "a\x00b"}).status_code == 400


def test_detail_and_404(client, catalog):
    response = client.get("/api/v1/procedures/1.001193")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Thủ tục đăng ký khai sinh" and body["version"] == 1
    assert body["decision"]["number"] == "1234/QĐ-UBND" and body["effective_from"] == "2025-07-01"
    assert [d["name"] for d in body["documents"]] == ["Tờ khai đăng ký khai sinh"]
    assert body["fees"][0]["amount"] == 0 and len(body["form_fields"]) == 2 and len(body["process_steps"]) == 3
    assert len(body["agencies"]) == 1
    missing = client.get("/api/v1/procedures/9.999999")
    assert missing.status_code == 404 and missing.json()["message"] == "Không tìm thấy thủ tục."


def test_fields(client, catalog):
    assert client.get("/api/v1/fields").json() == [{"code": "HT", "name": "Hộ tịch", "procedure_count": 3}]


def test_list_query_count(client, catalog, django_assert_max_num_queries):
    # A first search: the catalogue revision, then the search; asked again, the revision only (test_revision_cache).
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/procedures", {"q": "khai sinh"}).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/procedures").status_code == 200


def test_import_is_for_catalog_managers_only(client, manager):
    body = json.dumps(payload(procedure())).encode()
    anonymous = client.post("/api/v1/catalog/import", body, content_type="application/json")
    assert anonymous.status_code == 401
    client.force_login(factories.citizen())
    assert client.post("/api/v1/catalog/import", body, content_type="application/json").status_code == 404
    assert client.get("/api/v1/catalog/export").status_code == 404
    specialist = bearer(factories.official(role="specialist"))
    assert client.post("/api/v1/catalog/import", body, content_type="application/json", **specialist).status_code == 404
    assert Procedure.objects.count() == 0


def test_manager_imports_and_exports(client, manager):
    factories.agency(code="000.01.01.H40")
    auth = bearer(manager)
    body = json.dumps(payload(procedure())).encode()
    response = client.post("/api/v1/catalog/import?publish=true", body, content_type="application/json", **auth)
    assert response.status_code == 200, response.content
    assert response.json()["versions_published"] == 1
    assert client.get("/api/v1/procedures/1.001193").status_code == 200
    exported = client.get("/api/v1/catalog/export", {"codes": "1.001193"}, **auth).json()
    assert [p["code"] for p in exported["procedures"]] == ["1.001193"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{oops", 422, "invalid_json"),  # not JSON at all: the input policy of every API answers first
        (b"\xff\xfe", 422, "invalid_json"),
        (b"", 400, "validation_failed"),
        (b"[]", 400, "validation_failed"),
        (b'{"procedures": 5}', 400, "validation_failed"),
        (b'{"procedures": [null, 1, "x"]}', 400, "validation_failed"),
    ],
)
def test_malformed_import_is_4xx_not_500(client, manager, body, status, code):
    response = client.post("/api/v1/catalog/import", body, content_type="application/json", **bearer(manager))
    assert response.status_code == status
    assert response.json()["code"] == code
