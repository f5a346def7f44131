from __future__ import annotations

from typing import Any

import pytest
import weasyprint

from cqs.signing import ca, services
from cqs.signing.models import Certificate


@pytest.fixture(autouse=True)
def _fast_keys(monkeypatch: Any) -> None:
    """2048-bit keys in the tests (3072 costs a second each); one test checks the real size."""
    monkeypatch.setattr(ca, "CA_KEY_SIZE", 2048)
    monkeypatch.setattr(ca, "END_ENTITY_KEY_SIZE", 2048)


@pytest.fixture
def demo_ca(db: Any) -> tuple[Certificate, Certificate]:
    return services.ca_create_demo(province_name="Nghệ An")


@pytest.fixture
def org_cert(demo_ca: Any, agency: Any) -> Certificate:
    return services.certificate_issue(
        issuer=demo_ca[1], common_name=agency.name, kind=Certificate.Kind.ORGANISATION, agency=agency, actor=None
    )


@pytest.fixture(scope="session")
def small_pdf() -> bytes:
    html = "<h1>Quyết định số 05/QĐ-UBND</h1><p>Về việc phê duyệt kế hoạch chuyển đổi số năm 2026.</p>"
    return bytes(weasyprint.HTML(string=html).write_pdf())
