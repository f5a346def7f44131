from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _small_demo(settings: Any, tmp_path: Any) -> None:
    """The demo's tests load a few dozen dossiers (not 1,500), store files and mail out of the way."""
    settings.CQS_DEMO_DOSSIERS = 30
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
