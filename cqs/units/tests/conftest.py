from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from cqs.units.models import AdministrativeUnit, Agency
from cqs.units.services import agency_create, units_load_from_package


@pytest.fixture
def actor(db: Any) -> Any:
    return get_user_model().objects.create_user(
        username="quantri", password="x" * 12, full_name="Quản trị", kind="official"
    )


@pytest.fixture
def nghe_an(db: Any) -> AdministrativeUnit:
    """Nghệ An (40) and Hà Tĩnh (42) with their communes, from the package."""
    units_load_from_package(province_codes=[40, 42])
    return AdministrativeUnit.objects.get(code="40")


@pytest.fixture
def ha_tinh(nghe_an: AdministrativeUnit) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code="42")


@pytest.fixture
def province_committee(nghe_an: AdministrativeUnit, actor: Any) -> Agency:
    return agency_create(
        electronic_code="000.00.00.H40",
        name="UBND tỉnh Nghệ An",
        kind="provincial_committee",
        unit=nghe_an,
        actor=actor,
    )
