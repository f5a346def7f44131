"""Every kind of page (the citizens' site, the desk, the back office) works under the Content-Security-Policy
in a real browser: no violation is reported, the nonced script runs, the SVG charts and the QR code show,
the forms post."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import TEST_PASSWORD
from cqs.dossiers import services as dossier_services
from cqs.dossiers.tests import factories

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = event.sourceFile + ":" + event.lineNumber;
  window.__csp.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + where);
});
"""


def _visit(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    assert page.evaluate("window.__csp") == [], url


def _log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/dang-nhap/")
    page.get_by_label("Tên đăng nhập hoặc số định danh cá nhân (CCCD)").fill(username)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_load_state("load")
    assert page.evaluate("window.__csp") == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_work_under_the_policy(live_server: Any, chromium: Any, settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    w = factories.world()
    dossier = dossier_services.dossier_submit_online(applicant=w.citizen, filing=factories.filing(w))
    base = live_server.url
    anonymous = chromium.new_context(locale="vi-VN")
    anonymous.add_init_script(LISTEN)
    page = anonymous.new_page()
    for path in ("/", "/thu-tuc/", f"/thu-tuc/{w.procedure.code}/", "/dang-ky/", "/quen-mat-khau/", "/xac-thuc/"):
        _visit(page, base + path)
    assert page.locator("main").count() == 1
    _visit(page, f"{base}/api/docs/")
    # the API docs' scripts (local files, no inline code) run and render the page
    page.wait_for_selector(".swagger-ui .svg-assets", state="attached", timeout=15_000)
    assert page.evaluate("window.__csp") == []
    anonymous.close()

    citizen = chromium.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    citizen.add_init_script(LISTEN)
    page = citizen.new_page()
    _log_in(page, base, w.citizen.username)
    for path in ("/tai-khoan/", "/ho-so-cua-toi/", f"/ho-so-cua-toi/{dossier.code}/", "/thong-bao/"):
        _visit(page, base + path)
    _visit(page, f"{base}/tai-khoan/xac-thuc-hai-lop/")
    assert page.locator("figure.qr svg").is_visible()
    _visit(page, f"{base}/nop-ho-so/{w.procedure.code}/")
    assert page.locator("#id_receiving_agency-tim").is_visible()  # the nonced script ran and showed the search
    citizen.close()

    officer = chromium.new_context(locale="vi-VN")
    officer.add_init_script(LISTEN)
    page = officer.new_page()
    _log_in(page, base, w.officer.username)
    for path in (
        "/mot-cua/",
        f"/mot-cua/ho-so/{dossier.code}/",
        "/mot-cua/bao-cao/",
        "/quan-tri/",
        f"/mot-cua/xac-minh-tai-khoan/?so={w.citizen.username}",
    ):
        _visit(page, base + path)
    officer.close()
