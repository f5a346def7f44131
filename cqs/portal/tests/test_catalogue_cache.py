"""The search page's content is kept per catalogue revision: never anyone's own data, never another language's."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from cqs.catalog.tests import factories as catalog_factories
from cqs.portal.tests.factories import birth_registration, field_create

pytestmark = pytest.mark.django_db

LIST = reverse("portal:procedures")


@pytest.fixture
def catalog():  # type: ignore[no-untyped-def]
    return birth_registration(field=field_create("HT", "Hộ tịch"))


def test_a_signed_in_citizens_page_leaks_nothing_to_the_next_visitor(catalog):
    citizen = catalog_factories.citizen()
    signed_in = Client()
    signed_in.force_login(citizen)
    mine = signed_in.get(LIST, {"q": "khai sinh"}).content.decode()
    assert "Trần Thị Dân" in mine and reverse("accounts:logout") in mine

    anonymous = Client()
    theirs = anonymous.get(LIST, {"q": "khai sinh"}).content.decode()
    assert "1.001193" in theirs
    assert "Trần Thị Dân" not in theirs and reverse("accounts:logout") not in theirs
    # Each page carries its own CSRF token (the one of its own visitor), never the cached one of another.
    token = 'name="csrfmiddlewaretoken" value="'
    assert theirs.count(token) == 1 and mine.count(token) == 2
    assert theirs.split(token)[1][:64] not in mine


def test_languages_do_not_collide(catalog):
    vietnamese = Client().get(LIST, {"q": "khai sinh"}).content.decode()
    english_client = Client()
    english_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = english_client.get(LIST, {"q": "khai sinh"}).content.decode()
    assert "Lọc theo lĩnh vực, cấp, cơ quan, mức độ" in vietnamese
    assert "Filter by sector, level, agency, online level" in english
    assert "Lọc theo lĩnh vực, cấp, cơ quan, mức độ" not in english
    assert Client().get(LIST, {"q": "khai sinh"}).content.decode().count("Lọc theo lĩnh vực") == 1


def test_queries_and_pages_do_not_collide(client, catalog):
    assert "1.001193" in client.get(LIST, {"q": "khai sinh"}).content.decode()
    assert "1.001193" not in client.get(LIST, {"q": "ket hon"}).content.decode()
    assert "1.001193" not in client.get(LIST, {"q": "khai sinh", "cap": "province"}).content.decode()
    assert "1.001193" in client.get(LIST, {"q": "khai sinh", "trang": "2"}).content.decode()  # past the end: the last


@pytest.mark.parametrize("query", ["đăng ký khai sinh", "dang ky khai sinh"])
def test_search_with_and_without_diacritics(client, catalog, query):
    client.get(LIST, {"q": "dang ky"})
    html = client.get(LIST, {"q": query}).content.decode()
    assert "1.001193" in html and f"“{query}”" in html
