from __future__ import annotations

import pytest
import weasyprint


@pytest.fixture(scope="session")
def small_pdf() -> bytes:
    html = "<h1>Quyết định số 05/QĐ-UBND</h1><p>Về việc phê duyệt kế hoạch chuyển đổi số năm 2026.</p>"
    return bytes(weasyprint.HTML(string=html).write_pdf())
