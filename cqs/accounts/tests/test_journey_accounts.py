"""On a phone: a citizen registers with the emailed code, later forgets the password and sets a new one."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from conftest import worker_run
from cqs.accounts.models import User

NEW_PASSWORD = "Sen-hong-mua-ha-2026"


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, page.url


def _last_code() -> str:
    worker_run()
    found = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)
    assert found is not None
    return found.group(1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_register_then_reset_the_password_on_a_phone(live_server: Any, phone_page: Any) -> None:
    page, base = phone_page, live_server.url
    page.goto(f"{base}/dang-ky/")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Đăng ký").click()  # nothing filled: the errors are listed and linked
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    summary.get_by_role("link", name=re.compile("^Số định danh cá nhân")).click()
    assert page.evaluate("document.activeElement.id") == "id_citizen_id"
    page.get_by_label("Số định danh cá nhân (CCCD, 12 chữ số)").fill("040095001234")
    page.get_by_label("Họ và tên").fill("Nguyễn Thị Hoa")
    page.get_by_label("Ngày sinh (ngày/tháng/năm, ví dụ 05/09/1995)").fill("05/09/1995")
    page.get_by_label("Thư điện tử").fill("hoa@example.vn")
    page.get_by_label("Mật khẩu (ít nhất 10 ký tự)").fill("Hoa-sen-no-2025!")
    page.get_by_label("Nhập lại mật khẩu").fill("Hoa-sen-no-2025!")
    page.get_by_role("button", name="Đăng ký").click()
    page.wait_for_url("**/dang-ky/xac-nhan/")
    _no_sideways_scroll(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Kiểm tra hộp thư của bạn"
    page.get_by_label("Mã xác nhận (6 chữ số trong thư)").fill(_last_code())
    page.get_by_role("button", name="Xác nhận và tạo tài khoản").click()
    page.wait_for_url("**/tai-khoan/")
    assert "Chưa xác minh" in page.locator("main").inner_text()
    page.get_by_role("button", name="Menu").click()  # on a phone the header folds behind its menu button
    page.get_by_role("button", name="Đăng xuất").click()

    page.goto(f"{base}/dang-nhap/")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    page.wait_for_url("**/quen-mat-khau/")
    _no_sideways_scroll(page)
    page.get_by_label("Số định danh cá nhân (CCCD) hoặc mã số thuế").fill("040 095 001234")
    page.get_by_label("Thư điện tử đã đăng ký").check()
    page.get_by_role("button", name="Gửi mã").click()
    page.wait_for_url("**/dat-lai-mat-khau/")
    _no_sideways_scroll(page)
    assert page.get_by_label("Tên đăng nhập (số CCCD, mã số thuế hoặc tên đăng nhập cán bộ)").input_value() == (
        "040095001234"
    )
    page.get_by_label("Mã đặt lại mật khẩu").fill(_last_code())
    page.get_by_label("Mật khẩu mới (ít nhất 10 ký tự)").fill(NEW_PASSWORD)
    page.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Đặt mật khẩu mới").click()
    page.wait_for_url("**/dang-nhap/")
    assert "Đã đặt mật khẩu mới." in page.locator("main").inner_text()
    assert User.objects.get(username="040095001234").check_password(NEW_PASSWORD)
