"""Fixtures of the dossier tests: officials called without a second factor, a caller for each role (API), a
database to restore a backup into."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection

from cqs.accounts.models import Role
from cqs.core.backup import _connect_arguments, _owner
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


def _drop(name: str) -> None:
    with psycopg.connect(**_connect_arguments({**_owner(), "NAME": "postgres"})) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def elsewhere() -> Iterator[str]:
    """A database name that does not exist yet (to restore a backup into); dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"[:63]
    _drop(name)
    yield name
    _drop(name)
