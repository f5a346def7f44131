from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _small_demo(settings: Any) -> None:
    """The demo's tests load a few dozen dossiers and documents, not thousands."""
    settings.CQS_DEMO_DOSSIERS = 30
    settings.CQS_DEMO_DOCUMENTS = 12
