"""Helpers for the browser journeys of the one-stop desk: fixed moments, PDFs on disk, TOTP codes."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts.models import User
from cqs.dossiers.tests.factories import PDF_BYTES

OFFICE = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
# A Monday with no public holiday in its fortnight (Tết 2026 ends on 20/02, Hùng Kings' day is 26/04).
MONDAY_0900 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=OFFICE)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of March 2026, office time."""
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=OFFICE)


def pdf_on_disk(folder: Path, name: str) -> Path:
    """A real one-page PDF the browser can upload."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(PDF_BYTES)
    return path


def totp_device(user: User) -> TOTPDevice:
    """A confirmed authenticator app for the official (as after enrolment)."""
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """The code the official's authenticator shows now."""
    device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{value:0{device.digits}d}"
