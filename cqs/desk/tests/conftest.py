from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    """The desk's tests are about roles and states; the TOTP step has its own tests in accounts."""
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
