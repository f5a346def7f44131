from __future__ import annotations

from typing import Any

import pytest

from cqs.dossiers.tests import factories


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def w(db: Any) -> factories.World:
    return factories.world()
