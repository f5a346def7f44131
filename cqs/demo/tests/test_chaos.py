"""``make chaos`` with 1,000 operations (docs/chaos.md): web servers and the worker killed with ``kill -9`` while
submissions, accepts and document issues run through the API; nothing answered is lost or half-written, the
audit chain verifies, every job ran exactly once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from bench.chaos import chaos_run
from bench.chaos_checks import chaos_data_load
from bench.processes import database_url

pytestmark = pytest.mark.django_db(transaction=True)

# 1,000 as the issue asks; CQS_CHAOS_TEST_OPS runs fewer on a machine too loaded for it (docs/chaos.md).
OPS = int(os.environ.get("CQS_CHAOS_TEST_OPS", "1000"))


def test_nothing_answered_is_lost_when_the_processes_are_killed(tmp_path: Path, settings: Any) -> None:
    settings.CQS_AUDIT_ANCHOR_FILE = tmp_path / "anchors.log"
    media, logs = tmp_path / "media", tmp_path / "logs"
    media.mkdir()
    logs.mkdir()
    chaos_data_load()
    violations = chaos_run(database_url=database_url(connection.settings_dict), ops=OPS, media_root=media, logs=logs)
    assert violations == []
