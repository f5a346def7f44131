"""Fixtures of the accounts tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import TEST_PASSWORD

PASSWORD = TEST_PASSWORD
# What a citizen types into the registration form.
REGISTRATION = {
    "citizen_id": "040095001234",
    "full_name": "Nguyễn Thị Hoa",
    "date_of_birth": "05/09/1995",
    "email": "hoa@example.vn",
    "phone": "0912345678",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


@pytest.fixture(autouse=True)
def _second_factor_required(settings: Any) -> None:
    settings.ROOT_URLCONF = "cqs.accounts.tests.urls"
    settings.CQS_OFFICIAL_TOTP_REQUIRED = True


@pytest.fixture
def unverified_citizen(citizen: Any) -> Any:
    """The shared ``citizen`` as a self-registered account whose identity nobody has checked yet."""
    citizen.identity_verified_at, citizen.identity_proof = None, ""
    citizen.save(update_fields=["identity_verified_at", "identity_proof"])
    return citizen


def verify_identity(user: Any) -> Any:
    user.identity_verified_at = timezone.now()
    user.identity_proof = "counter"
    user.save(update_fields=["identity_verified_at", "identity_proof"])
    return user


def current_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + offset_steps)
    return f"{code:0{device.digits}d}"
