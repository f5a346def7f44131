from __future__ import annotations

from typing import Any

import pytest

from cqs.dossiers.tests import factories


@pytest.fixture(autouse=True)
def _desk_settings(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


@pytest.fixture
def w(db: Any) -> factories.World:
    return factories.world()
