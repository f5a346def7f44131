"""What people see and touch, in a real Chromium: one request per double tap, a compact header on phones
that folds behind a keyboard-operable menu, one row at 1366 px, a sticky "Nộp hồ sơ", an error summary
that takes focus, dossier codes on one line."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import PHONE
from cqs.accounts.models import ApiToken, Role
from cqs.portal.tests.browser import log_in
from cqs.portal.tests.factories import agency_create, birth_registration, field_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desktop_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="en-US", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_a_double_tap_sends_one_request(live_server, phone_page, citizen, monkeypatch):
    from cqs.accounts import services

    issue = services.api_token_issue

    def slow_issue(**kwargs: Any) -> Any:  # a server under load: the second tap lands while the first is on its way
        time.sleep(0.8)
        return issue(**kwargs)

    monkeypatch.setattr(services, "api_token_issue", slow_issue)
    page = phone_page
    log_in(page, live_server.url, citizen.username)
    page.goto(f"{live_server.url}/tai-khoan/ma-truy-cap/")
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.get_by_label("Tên mã truy cập (hệ thống sẽ dùng mã)").fill("Phần mềm một cửa của xã")
    box = page.get_by_role("button", name="Tạo mã truy cập").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.touchscreen.tap(x, y)
    page.wait_for_timeout(250)
    page.touchscreen.tap(x, y)  # the same spot, a quarter of a second later
    page.wait_for_timeout(3000)  # both answers, had two requests been sent, are back by now
    assert len(posts) == 1, posts
    assert page.evaluate("document.getElementById('issued-token') !== null")
    assert ApiToken.objects.filter(user=citizen).count() == 1


def test_a_busy_form_says_so_and_coming_back_restores_it(live_server, phone_page):
    page = phone_page
    page.goto(f"{live_server.url}/dang-nhap/")
    # An answer without a page (204): the browser stays on the form, which must still say it is busy.
    page.route("**/dang-nhap/", lambda route: route.fulfill(status=204))
    page.get_by_role("button", name="Đăng nhập", exact=True).click(no_wait_after=True)
    busy = page.locator("form[aria-busy='true'] button[aria-busy='true']")
    busy.wait_for()
    assert busy.inner_text() == "Đang xử lý…"
    page.wait_for_function("document.getElementById('busy-status').textContent === 'Đang xử lý…'")
    page.wait_for_function("document.querySelector('button[aria-busy=true]').disabled")
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    login = page.get_by_role("button", name="Đăng nhập", exact=True)
    assert login.is_enabled() and page.locator("[aria-busy='true']").count() == 0


def test_the_signed_in_header_is_compact_on_a_phone_and_its_menu_works_with_the_keyboard(
    live_server, phone_page, make_official, settings
):
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    make_official("lanhdao", roles=(Role.LEADER, Role.ONE_STOP_OFFICER, Role.ADMINISTRATOR))
    page = phone_page
    log_in(page, live_server.url, "lanhdao")
    assert page.url.endswith("/cho-toi-ky/")
    header = page.locator("header.site-header")
    assert header.bounding_box()["height"] <= 72  # was a quarter of the 844 px screen
    assert overflow(page) <= 0
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("link", name="Một cửa").is_visible()

    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="Một cửa").is_visible()
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.getAttribute('aria-controls')") == "site-menu"
    page.keyboard.press("Space")
    assert menu.get_attribute("aria-expanded") == "true"
    page.get_by_role("link", name="Một cửa").click()
    page.wait_for_url("**/mot-cua/")
    assert overflow(page) <= 0


def test_the_header_keeps_one_row_at_1366_px_for_the_busiest_role(live_server, desktop_page, make_official, settings):
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    official = make_official("nhieuvaitro", roles=tuple(Role.values))
    official.full_name = "Nguyễn Thị Phương Thảo Hoàng Long"
    official.save(update_fields=["full_name"])
    page = desktop_page
    log_in(page, live_server.url, "nhieuvaitro")
    assert page.locator("html").get_attribute("lang") == "vi"  # an English browser, Vietnamese pages
    assert not page.get_by_role("button", name="Menu").is_visible()
    tops = page.evaluate(
        "[...document.querySelectorAll('#site-menu li, header .brand')]"
        ".map(e => [e.textContent.trim(), Math.round(e.getBoundingClientRect().top), Math.round(e.offsetWidth)])"
    )
    widths = page.evaluate(
        "[...document.querySelectorAll('.header-bar, #site-menu, #site-menu ul')]"
        ".map(e => [e.clientWidth, e.scrollWidth])"
    )
    rows = [top for _text, top, _width in tops]
    assert len(tops) >= 9 and max(rows) - min(rows) <= 4, (tops, widths)
    assert all(scroll <= client for client, scroll in widths[1:]), widths
    heights = page.evaluate(
        "[...document.querySelectorAll('#site-menu a, #site-menu button')].map(e => e.getClientRects().length)"
    )
    assert set(heights) == {1}
    assert page.locator("header.site-header").bounding_box()["height"] <= 64
    assert overflow(page) <= 0


def test_nop_ho_so_stays_in_sight_down_a_long_procedure(live_server, phone_page):
    commune = agency_create("000.40.01.H40", "UBND xã Nghi Lộc")
    birth_registration(field=field_create("HT", "Hộ tịch"), agencies=[commune])
    page = phone_page
    page.goto(f"{live_server.url}/thu-tuc/1.001193/")
    apply = page.get_by_role("button", name="Nộp hồ sơ trực tuyến")
    page.get_by_role("heading", name="Căn cứ pháp lý").scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    box = apply.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["viewport"]["height"]
    assert overflow(page) <= 0


def test_the_error_summary_takes_focus_and_its_links_reach_the_fields(live_server, phone_page):
    page = phone_page
    page.goto(f"{live_server.url}/dang-ky/")
    page.get_by_label("Ngày sinh (ngày/tháng/năm, ví dụ 05/09/1995)").fill("31/02/1995")
    page.get_by_role("button", name="Đăng ký").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert "Ngày 31/02/1995 không có thật: tháng 2 năm 1995 chỉ có 28 ngày." in summary.inner_text()
    assert page.locator("label[for='id_full_name'] .req").count() == 1
    assert page.locator("#id_full_name").get_attribute("required") is not None
    summary.get_by_role(
        "link",
        name="Ngày sinh (ngày/tháng/năm, ví dụ 05/09/1995): "
        "Ngày 31/02/1995 không có thật: tháng 2 năm 1995 chỉ có 28 ngày.",
    ).click()
    assert page.evaluate("document.activeElement.id") == "id_date_of_birth"
    widths = page.evaluate(
        "[...document.querySelectorAll('.errorlist, .error-summary')].map(e => e.getBoundingClientRect().right)"
    )
    assert widths and max(widths) <= PHONE["viewport"]["width"]
    assert overflow(page) <= 0


def test_a_dossier_code_is_never_broken_on_a_phone(live_server, phone_page, w):
    from cqs.dossiers.tests import factories_desk as make

    dossier = make.submitted(w)
    page = phone_page
    log_in(page, live_server.url, w.citizen.username)
    page.goto(f"{live_server.url}/ho-so-cua-toi/")
    for element in (page.locator(".dossier-rows .code").first, None):
        if element is None:
            page.goto(f"{live_server.url}/ho-so-cua-toi/{dossier.code}/")
            element = page.locator("h1 .code")
        assert element.inner_text() == dossier.code
        assert element.evaluate("e => e.getClientRects().length") == 1
    assert overflow(page) <= 0
