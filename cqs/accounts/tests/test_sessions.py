"""Officials' sessions end after idle time and ask the TOTP code again after an absolute lifetime."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts.models import Role, User
from cqs.accounts.tests.conftest import PASSWORD, current_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _lifetimes(settings: Any) -> None:
    settings.CQS_OFFICIAL_IDLE_MINUTES = 30
    settings.CQS_OFFICIAL_SESSION_HOURS = 12


def _verified_official(make_official: Callable[..., User], start: dt.datetime) -> tuple[Client, TOTPDevice]:
    make_official("motcua", roles=(Role.ONE_STOP_OFFICER,), totp_device=True)
    device = TOTPDevice.objects.get(user__username="motcua")
    client = Client()
    with time_machine.travel(start, tick=False):
        client.post(reverse("accounts:login"), {"username": "motcua", "password": PASSWORD})
        assert client.post(reverse("accounts:totp_verify"), {"token": current_code(device)}).status_code == 302
    return client, device


def test_an_idle_officials_session_ends(make_official: Callable[..., User]) -> None:
    start = timezone.now()
    client, _device = _verified_official(make_official, start)
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get(reverse("desk_page")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=58), tick=False):
        assert client.get(reverse("desk_page")).status_code == 200  # 29 minutes after the last request
    with time_machine.travel(start + dt.timedelta(minutes=89), tick=False):
        response = client.get(reverse("desk_page"))
        assert response["Location"].startswith(reverse("accounts:login"))
        page = client.get(response["Location"]).content.decode()
        assert "Phiên làm việc đã kết thúc vì không hoạt động quá 30 phút." in page
        assert client.get(reverse("accounts:profile")).status_code == 302


def test_the_totp_code_is_asked_again_after_the_absolute_lifetime(make_official: Callable[..., User]) -> None:
    start = timezone.now()
    client, device = _verified_official(make_official, start)
    moment = start
    while moment < start + dt.timedelta(hours=11, minutes=50):  # busy all day: never idle
        moment += dt.timedelta(minutes=20)
        with time_machine.travel(moment, tick=False):
            assert client.get(reverse("desk_page")).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=12, minutes=5), tick=False):
        response = client.get(reverse("desk_page"))
        assert response["Location"].startswith(reverse("accounts:totp_verify"))
        assert client.get(reverse("accounts:profile")).status_code == 200  # still signed in, not verified
        assert client.post(reverse("accounts:totp_verify"), {"token": current_code(device)}).status_code == 302
        assert client.get(reverse("desk_page")).status_code == 200


def test_citizens_are_not_logged_out_after_half_an_hour(client: Client, citizen: User) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post(reverse("accounts:login"), {"username": citizen.username, "password": PASSWORD})
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        assert client.get(reverse("accounts:profile")).status_code == 200
