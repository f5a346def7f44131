from __future__ import annotations

import pytest

from cqs.catalog.tests import factories


@pytest.fixture
def manager(db):  # type: ignore[no-untyped-def]
    return factories.official(role="catalog_manager")
