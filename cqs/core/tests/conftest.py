"""Fixtures of the core tests; other apps' models come from the app registry (core imports no app above it)."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model


def _agency() -> Any:
    unit_model = apps.get_model("units", "AdministrativeUnit")
    agency_model = apps.get_model("units", "Agency")
    unit, _ = unit_model.objects.get_or_create(
        code="40", defaults={"name": "Nghệ An", "level": "province", "division_type": "tỉnh", "search_name": "nghe an"}
    )
    agency, _ = agency_model.objects.get_or_create(
        electronic_code="000.00.00.H40",
        defaults={"name": "UBND tỉnh Nghệ An", "kind": "provincial_committee", "unit": unit, "search_name": "ubnd"},
    )
    return agency


@pytest.fixture
def make_official(db: Any) -> Any:
    def make(username: str, *, role: str | None = None) -> Any:
        agency = _agency()
        user = get_user_model().objects.create_user(
            username=username,
            password="mat-khau-du-dai-1",
            full_name=f"Cán bộ {username}",
            kind="official",
            agency=agency,
        )
        if role is not None:
            apps.get_model("accounts", "RoleAssignment").objects.create(user=user, role=role, agency=agency)
        return user

    return make


@pytest.fixture
def administrator(make_official: Any) -> Any:
    return make_official("quantri", role="administrator")
