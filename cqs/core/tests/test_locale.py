"""The interface speaks Vietnamese whatever the browser says, and the language the person chose."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db]


def test_an_english_browser_still_gets_vietnamese(client: Client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="vi"' in html
    assert "Đăng nhập" in html
    assert response["Content-Language"] == "vi"


def test_the_header_switch_changes_the_language_and_it_stays(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/thu-tuc/"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 302 and response["Location"] == "/thu-tuc/"
    cookie = response.cookies["django_language"]
    assert cookie.value == "en" and int(cookie["max-age"]) >= 30 * 24 * 3600
    page = client.get("/thu-tuc/", HTTP_ACCEPT_LANGUAGE="vi")
    assert '<html lang="en"' in page.content.decode()

    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert '<html lang="vi"' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_an_unknown_language_cookie_falls_back_to_vietnamese(client: Client) -> None:
    client.cookies["django_language"] = "fr"
    assert '<html lang="vi"' in client.get("/").content.decode()
