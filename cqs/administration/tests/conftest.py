from __future__ import annotations

from typing import Any

import pytest

from cqs.accounts.models import RoleAssignment, User
from cqs.units.models import AdministrativeUnit, Agency


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    """These tests are about roles; the TOTP step has its own tests in accounts."""
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


@pytest.fixture
def make_official(db: Any) -> Any:
    unit, _ = AdministrativeUnit.objects.get_or_create(
        code="40", defaults={"name": "Nghệ An", "level": "province", "division_type": "tỉnh", "search_name": "nghe an"}
    )
    agency, _ = Agency.objects.get_or_create(
        electronic_code="000.00.00.H40",
        defaults={"name": "UBND tỉnh Nghệ An", "kind": "provincial_committee", "unit": unit, "search_name": "ubnd"},
    )

    def make(username: str, *, role: str | None = None) -> User:
        user = User.objects.create_user(
            username=username,
            password="mat-khau-du-dai-1",
            full_name=f"Cán bộ {username}",
            kind="official",
            agency=agency,
        )
        if role is not None:
            RoleAssignment.objects.create(user=user, role=role, agency=agency)
        return user

    return make


@pytest.fixture
def administrator(make_official: Any) -> User:
    return make_official("quantri", role="administrator")
