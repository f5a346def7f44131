"""A citizen on a phone finds the birth registration and reads what to bring and what it costs."""

import pytest

from cqs.portal.tests.factories import agency_create, birth_registration, field_create, procedure_create


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_citizen_on_a_phone_finds_birth_registration(live_server, phone_page):
    civil = field_create("HT", "Hộ tịch")
    commune = agency_create("000.40.01.H40", "UBND xã Nghi Lộc")
    birth_registration(field=civil, agencies=[commune])
    procedure_create("1.004884", "Thủ tục đăng ký lại khai sinh", field=civil, agencies=[commune])
    procedure_create("1.000656", "Thủ tục đăng ký khai tử", field=civil, agencies=[commune])

    page = phone_page
    page.goto(live_server.url + "/")
    search = page.get_by_label("Tìm thủ tục hành chính")
    search.fill("dang ky khai sinh")
    search.press("Enter")
    page.wait_for_url("**/thu-tuc/?q=*")
    assert "Tìm thấy 2 thủ tục" in page.locator("#result-count").inner_text()

    page.get_by_role("link", name="Thủ tục đăng ký khai sinh", exact=True).click()
    page.wait_for_url("**/thu-tuc/1.001193/")
    assert page.get_by_role("heading", level=1).inner_text() == "Thủ tục đăng ký khai sinh"

    documents = page.locator("ol.documents")
    documents.scroll_into_view_if_needed()
    assert documents.is_visible()
    assert page.get_by_text("Tờ khai đăng ký khai sinh", exact=True).is_visible()
    assert page.get_by_text("Giấy chứng sinh", exact=True).is_visible()
    fee = page.get_by_text("8.000 đồng")
    fee.scroll_into_view_if_needed()
    assert fee.is_visible()
    assert page.get_by_text("Miễn phí", exact=True).is_visible()

    for url in (page.url, live_server.url + "/", live_server.url + "/thu-tuc/?q=khai+sinh"):
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, url
