"""Steps shared by the portal's journeys in a real Chromium."""

from __future__ import annotations

from typing import Any

from conftest import TEST_PASSWORD

LOGIN_LABEL = "Tên đăng nhập hoặc số định danh cá nhân (CCCD)"


def log_in(page: Any, base: str, username: str) -> None:
    """Through the real login page, with the test password."""
    page.goto(f"{base}/dang-nhap/")
    page.get_by_label(LOGIN_LABEL).fill(username)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_load_state()
