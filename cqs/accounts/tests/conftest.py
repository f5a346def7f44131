"""Fixtures of the accounts tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts.models import RoleAssignment, User
from cqs.units.models import AdministrativeUnit, Agency

PASSWORD = "Hoa-sen-no-2025!"


@pytest.fixture(autouse=True)
def _account_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "cqs.accounts.tests.urls"
    settings.CQS_OFFICIAL_TOTP_REQUIRED = True


def current_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + offset_steps)
    return f"{code:0{device.digits}d}"


@pytest.fixture
def agency(db: Any) -> Agency:
    unit, _ = AdministrativeUnit.objects.get_or_create(
        code="40", defaults={"name": "Nghệ An", "level": "province", "division_type": "tỉnh", "search_name": "nghe an"}
    )
    found, _ = Agency.objects.get_or_create(
        electronic_code="000.00.00.H40",
        defaults={"name": "UBND tỉnh Nghệ An", "kind": "provincial_committee", "unit": unit, "search_name": "ubnd"},
    )
    return found


@pytest.fixture
def make_official(agency: Agency) -> Callable[..., User]:
    def make(username: str, *, roles: tuple[str, ...] = (), totp_device: bool = False) -> User:
        user = User.objects.create_user(
            username=username, password=PASSWORD, full_name=f"Cán bộ {username}", kind="official", agency=agency
        )
        for role in roles:
            RoleAssignment.objects.create(user=user, role=role, agency=agency)
        if totp_device:
            TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        return user

    return make


@pytest.fixture
def citizen(db: Any) -> User:
    return User.objects.create_user(
        username="040095001234", password=PASSWORD, full_name="Nguyễn Văn An", citizen_id="040095001234"
    )
