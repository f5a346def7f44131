"""Fixtures of the dossier API tests: officials called without a second factor, a caller for each role."""

from __future__ import annotations

from typing import Any

import pytest

from cqs.accounts.models import Role
from cqs.dossiers.tests.factories import World, official
from cqs.dossiers.tests.factories_api import Caller


@pytest.fixture
def officials_without_totp(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


@pytest.fixture
def people(w: World) -> dict[str, Caller]:
    partner = official("phoihop", w.other_agency, Role.SPECIALIST)
    outsider = official("xakhac", w.other_agency, Role.ONE_STOP_OFFICER, Role.LEADER)
    clerk = official("vanthu", w.agency, Role.CLERK)
    return {
        "citizen": Caller(w.citizen),
        "stranger": Caller(w.stranger),
        "officer": Caller(w.officer),
        "specialist": Caller(w.specialist),
        "leader": Caller(w.leader),
        "partner": Caller(partner),
        "outsider": Caller(outsider),
        "clerk": Caller(clerk),
    }
