"""Login throttling per (account, address) with growing delays and per address: nobody can lock anyone out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cqs.accounts.backends import login_wait
from cqs.accounts.models import LoginAttempt, User
from cqs.accounts.tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

BAD = "Tên đăng nhập hoặc mật khẩu không đúng."


def _login(client: Client, username: str, password: str, address: str, **headers: str) -> Any:
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def _signed_in(client: Client) -> bool:
    return client.get(reverse("accounts:profile")).status_code == 200


@pytest.fixture(autouse=True)
def _limits(settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 3600
    settings.CQS_LOGIN_DELAY_SECONDS = 60
    settings.CQS_LOGIN_DELAY_MAX_SECONDS = 900
    settings.CQS_LOGIN_ADDRESS_FAILURE_LIMIT = 50


def test_a_strangers_failures_never_lock_the_holder_out(citizen: User) -> None:
    attacker = Client()
    for _ in range(12):
        _login(attacker, citizen.username, "doan-bua-123", "203.0.113.66")
    assert "Vui lòng thử lại sau" in _login(attacker, citizen.username, PASSWORD, "203.0.113.66").content.decode()
    assert not _signed_in(attacker)
    holder = Client()
    assert _login(holder, citizen.username, PASSWORD, "198.51.100.7").status_code == 302
    assert _signed_in(holder)


def test_delays_grow_for_the_pair_and_a_success_starts_it_again(citizen: User) -> None:
    address = "203.0.113.66"
    start = timezone.now()
    client = Client()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            assert BAD in _login(client, citizen.username, "sai", address).content.decode()
        assert login_wait(username=citizen.username, ip_address=address) == 60
        html = _login(client, citizen.username, PASSWORD, address).content.decode()
        assert "Bạn đã nhập sai nhiều lần. Vui lòng thử lại sau 1 phút." in html
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        _login(client, citizen.username, "sai", address)  # the sixth failure
        assert login_wait(username=citizen.username, ip_address=address) == 120
    with time_machine.travel(start + dt.timedelta(seconds=182), tick=False):
        _login(client, citizen.username, "sai", address)  # the seventh
        assert login_wait(username=citizen.username, ip_address=address) == 240
        assert "4 phút" in _login(client, citizen.username, PASSWORD, address).content.decode()
    with time_machine.travel(start + dt.timedelta(seconds=423), tick=False):
        assert _login(client, citizen.username, PASSWORD, address).status_code == 302
        assert login_wait(username=citizen.username, ip_address=address) == 0
    # throttled tries are not recorded: they cannot push the wait further
    assert LoginAttempt.objects.filter(ip_address=address).count() == 8


def test_the_longest_wait_is_capped(citizen: User) -> None:
    address = "203.0.113.66"
    start = timezone.now()
    for _ in range(30):
        LoginAttempt.objects.create(username=citizen.username, ip_address=address, succeeded=False)
    LoginAttempt.objects.update(at=start)
    with time_machine.travel(start, tick=False):
        assert login_wait(username=citizen.username, ip_address=address) == 900


def test_one_address_guessing_many_accounts_is_stopped(citizen: User, settings: Any) -> None:
    settings.CQS_LOGIN_ADDRESS_FAILURE_LIMIT = 8
    address = "203.0.113.66"
    client = Client()
    for number in range(8):
        assert BAD in _login(client, f"04009500{number:04d}", "sai", address).content.decode()
    html = _login(client, citizen.username, PASSWORD, address).content.decode()
    assert "Bạn đã nhập sai nhiều lần." in html
    assert _login(Client(), citizen.username, PASSWORD, "198.51.100.7").status_code == 302
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, seconds=5)):
        assert _login(client, citizen.username, PASSWORD, address).status_code == 302


def test_the_address_comes_from_the_trusted_proxy_only(citizen: User, settings: Any) -> None:
    settings.CQS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.CQS_CLIENT_IP_HEADER = "X-Forwarded-For"
    proxy = "10.0.0.5"
    attacker = Client()
    for _ in range(5):
        _login(attacker, citizen.username, "sai", proxy, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert set(LoginAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}
    throttled = _login(attacker, citizen.username, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert "Vui lòng thử lại sau" in throttled.content.decode()
    # behind the same proxy, another caller is another pair
    assert _login(Client(), citizen.username, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302
    # a caller not behind the proxy cannot choose its address with the header
    for _ in range(5):
        _login(Client(), citizen.username, "sai", "192.0.2.9", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert LoginAttempt.objects.filter(ip_address="192.0.2.9").count() == 5
    assert login_wait(username=citizen.username, ip_address="198.51.100.7") == 0


def test_the_count_is_shared_by_every_process(citizen: User) -> None:
    """The state is rows in PostgreSQL: a count made elsewhere (another web process) is seen here."""
    for _ in range(5):
        LoginAttempt.objects.create(username=citizen.username, ip_address="203.0.113.66", succeeded=False)
    assert "Vui lòng thử lại sau" in _login(Client(), citizen.username, PASSWORD, "203.0.113.66").content.decode()
