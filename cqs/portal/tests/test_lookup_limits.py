"""The public dossier look-ups (the page and the API) are limited per address and show nothing personal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from cqs.dossiers.tests import factories
from cqs.dossiers.tests.factories_portalapply import submitted

pytestmark = pytest.mark.django_db

PAGE = "/tra-cuu-ho-so/"
API = "/api/v1/dossiers/lookup/"
LIMITED = "Bạn đã gửi quá nhiều yêu cầu. Vui lòng thử lại sau"
PERSONAL = ("Nguyễn Thị Lan", "040190012345", "0912345678", "lan@example.vn", "Nguyễn Văn Bình", "02/03/2026")


@pytest.fixture(autouse=True)
def _three_a_minute(settings: Any) -> Iterator[None]:
    """Three look-ups a minute, and the clock held mid-minute so that no test straddles two windows."""
    settings.CQS_LOOKUP_RATE_PER_MINUTE = 3
    with time_machine.travel(dt.datetime(2026, 11, 16, 9, 30, 20, tzinfo=dt.UTC), tick=False):
        yield


def _page(client: Client, code: str, address: str) -> Any:
    return client.get(PAGE, {"ma": code}, REMOTE_ADDR=address)


def _api(client: Client, code: str, address: str) -> Any:
    return client.get(f"{API}{code}", REMOTE_ADDR=address)


def test_walking_codes_on_the_page_is_stopped_per_address(client: Client, w: factories.World) -> None:
    dossier = submitted(w)
    prefix = dossier.code[:-4]
    for n in range(1, 4):
        assert _page(client, f"{prefix}{n:04d}", "203.0.113.7").status_code == 200
    stopped = _page(client, dossier.code, "203.0.113.7")
    assert stopped.status_code == 429
    assert int(stopped["Retry-After"]) >= 1
    assert LIMITED in stopped.content.decode()
    assert "Mới đăng ký" not in stopped.content.decode()  # nothing about the dossier
    # Another address is not affected.
    other = _page(client, dossier.code, "198.51.100.9")
    assert other.status_code == 200 and "Mới đăng ký" in other.content.decode()


def test_the_empty_form_does_not_count(client: Client, w: factories.World) -> None:
    for _ in range(5):
        assert client.get(PAGE, REMOTE_ADDR="203.0.113.7").status_code == 200
    assert _page(client, "X", "203.0.113.7").status_code == 200


def test_the_api_is_stopped_per_address_with_429_in_vietnamese(client: Client, w: factories.World) -> None:
    dossier = submitted(w)
    for _ in range(3):
        assert _api(client, "000.00.00.H40-250101-0001", "203.0.113.7").status_code == 404
    stopped = _api(client, dossier.code, "203.0.113.7")
    assert stopped.status_code == 429
    assert stopped.json()["code"] == "rate_limited" and stopped.json()["message"].startswith(LIMITED)
    assert int(stopped["Retry-After"]) >= 1
    assert _api(client, dossier.code, "198.51.100.9").status_code == 200


def test_the_page_and_the_api_share_one_budget(client: Client, w: factories.World) -> None:
    dossier = submitted(w)
    _page(client, dossier.code, "203.0.113.7")
    _api(client, dossier.code, "203.0.113.7")
    _page(client, dossier.code, "203.0.113.7")
    assert _api(client, dossier.code, "203.0.113.7").status_code == 429


def test_a_forged_forwarded_header_does_not_reset_the_limit(client: Client, w: factories.World) -> None:
    dossier = submitted(w)
    for n in range(4):
        response = client.get(PAGE, {"ma": dossier.code}, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert response.status_code == 429


def test_behind_the_provinces_proxy_each_caller_has_their_own_budget(
    client: Client, w: factories.World, settings: Any
) -> None:
    settings.CQS_TRUSTED_PROXIES = ["10.1.0.0/16"]
    dossier = submitted(w)
    for _ in range(3):
        client.get(PAGE, {"ma": dossier.code}, REMOTE_ADDR="10.1.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    behind = {"REMOTE_ADDR": "10.1.0.2"}
    assert client.get(PAGE, {"ma": dossier.code}, HTTP_X_FORWARDED_FOR="203.0.113.7", **behind).status_code == 429
    assert client.get(PAGE, {"ma": dossier.code}, HTTP_X_FORWARDED_FOR="198.51.100.9", **behind).status_code == 200


def test_a_zero_limit_means_no_limit(client: Client, w: factories.World, settings: Any) -> None:
    settings.CQS_LOOKUP_RATE_PER_MINUTE = 0
    dossier = submitted(w)
    assert all(_page(client, dossier.code, "203.0.113.7").status_code == 200 for _ in range(5))


def test_the_lookups_show_nothing_personal(client: Client, w: factories.World) -> None:
    dossier = submitted(w)
    for response in (_page(client, dossier.code, "203.0.113.7"), _api(client, dossier.code, "203.0.113.8")):
        assert response.status_code == 200 and dossier.code in response.content.decode()
        text = response.content.decode()
        for secret in PERSONAL:
            assert secret not in text, secret
    body = _api(client, dossier.code, "203.0.113.9").json()
    assert set(body) == {
        "code",
        "procedure_code",
        "procedure_name",
        "status",
        "status_label",
        "national_status",
        "receiving_agency",
        "deciding_agency",
        "submitted_at",
        "received_at",
        "due_at",
        "finished_at",
        "returned_at",
    }
    assert reverse("portal:dossier_lookup") == PAGE
