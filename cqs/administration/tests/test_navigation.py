"""Each role lands on its work after logging in, and its header links only to pages it may open."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from conftest import TEST_PASSWORD
from cqs.accounts.models import Role

pytestmark = [pytest.mark.django_db]

HEADER = re.compile(r'<nav id="site-menu".*?</nav>', flags=re.S)
LINK = re.compile(r'<a href="([^"#]+)"[^>]*>([^<]+)')


def header_links(html: str) -> list[tuple[str, str]]:
    found = HEADER.search(html)
    assert found is not None, html[:2000]
    return [(url, text.strip()) for url, text in LINK.findall(found.group(0))]


def log_in(username: str, next_url: str = "") -> tuple[Client, Any]:
    client = Client()
    data = {"username": username, "password": TEST_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client, client.post("/dang-nhap/", data)


ROLE_LANDINGS = [
    ((Role.ONE_STOP_OFFICER,), "/mot-cua/", ["Một cửa"]),
    ((Role.SPECIALIST,), "/mot-cua/", ["Một cửa", "Văn bản"]),
    ((Role.LEADER,), "/cho-toi-ky/", ["Chờ tôi ký", "Một cửa", "Văn bản"]),
    ((Role.CLERK,), "/van-ban/cho-tiep-nhan/", ["Một cửa", "Văn bản"]),
    ((Role.CATALOG_MANAGER,), "/quan-tri/thu-tuc/", ["Thủ tục"]),
    ((Role.ADMINISTRATOR,), "/quan-tri/", ["Thủ tục", "Quản trị"]),
    ((Role.LEADER, Role.ONE_STOP_OFFICER, Role.ADMINISTRATOR), "/cho-toi-ky/", None),
    ((), "/tai-khoan/", []),
]


@pytest.mark.parametrize(("roles", "landing", "work"), ROLE_LANDINGS)
def test_each_role_lands_on_its_work_and_every_header_link_opens(settings, make_official, roles, landing, work):
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    make_official("canbo", roles=roles)
    client, response = log_in("canbo")
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == landing

    page = client.get(landing)
    assert page.status_code == 200
    links = header_links(page.content.decode())
    work_links = [text for url, text in links if text not in {"Thông báo", "Cán bộ canbo"}]
    if work is not None:
        assert work_links == work
    assert "Quản trị" not in work_links or roles  # an official without a role has no empty "Quản trị"
    for url, text in links:
        assert client.get(url).status_code == 200, (text, url)


def test_an_official_with_no_role_has_no_administration_entry(settings, make_official):
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    make_official("moi")
    client, _response = log_in("moi")
    links = header_links(client.get("/tai-khoan/").content.decode())
    assert [text for _url, text in links] == ["Thông báo", "Cán bộ moi"]


def test_a_citizen_lands_on_their_dossiers_unless_a_page_asked(citizen):
    client, response = log_in(citizen.username)
    assert client.get(response["Location"])["Location"] == "/ho-so-cua-toi/"
    links = header_links(client.get("/ho-so-cua-toi/").content.decode())
    assert [text for _url, text in links] == ["Thủ tục", "Tra cứu hồ sơ", "Hồ sơ của tôi", "Thông báo", "Nguyễn Văn An"]
    for url, text in links:
        assert client.get(url).status_code == 200, (text, url)

    _client, response = log_in(citizen.username, next_url="/kho-giay-to/")
    assert response["Location"] == "/kho-giay-to/"


def test_a_visitor_sees_the_public_links(db):
    links = header_links(Client().get("/").content.decode())
    assert [text for _url, text in links] == ["Thủ tục", "Tra cứu hồ sơ", "Đăng nhập"]


def test_the_django_admin_is_offered_to_staff_accounts_only(settings, make_official):
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    administrator = make_official("quantri", roles=(Role.ADMINISTRATOR,))
    client = Client()
    client.force_login(administrator)
    assert "/quan-tri/django/" not in client.get("/quan-tri/").content.decode()
    administrator.is_staff = True
    administrator.save(update_fields=["is_staff"])
    html = client.get("/quan-tri/").content.decode()
    assert 'href="/quan-tri/django/"' in html


def test_the_desk_tabs_offer_the_counter_to_one_stop_officers_only(settings, make_official):
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    for roles, offered in (((Role.SPECIALIST,), False), ((Role.ONE_STOP_OFFICER,), True)):
        user = make_official(f"u{len(roles)}{offered}", roles=roles)
        client = Client()
        client.force_login(user)
        assert ('href="/mot-cua/tiep-nhan/"' in client.get("/mot-cua/").content.decode()) is offered
