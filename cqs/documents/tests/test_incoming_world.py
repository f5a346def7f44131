"""The shared documents world builds, and coexists with the root ``agency`` fixture."""

from __future__ import annotations

from typing import Any

import pytest

from cqs.core.uploads import PNG, check_upload
from cqs.documents.tests import factories

pytestmark = pytest.mark.django_db


def test_world_uses_the_root_agency_and_has_two_departments(agency: Any) -> None:
    w = factories.documents_world()
    assert w.agency == agency
    assert w.other_agency != agency
    assert [d.abbreviation for d in (w.vp, w.kt)] == ["VP", "KT"]
    assert w.vp.members.get(is_head=True).user == w.vp_head
    assert w.kt.members.get(is_head=True).user == w.kt_head
    assert w.outsider.agency == w.other_agency
    assert w.doc_type_letter.is_letter and w.doc_type_decision.abbreviation == "QĐ"


def test_png_sample_passes_the_content_check(db: Any) -> None:
    checked = check_upload(factories.upload(factories.PNG_BYTES, "a.png"), allowed={PNG}, max_bytes=1000, label="x")
    assert checked.kind == PNG
