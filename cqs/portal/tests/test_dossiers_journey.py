"""A citizen on a phone applies online for a birth registration and follows the dossier until it is accepted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cqs.dossiers import services
from cqs.dossiers.models import Dossier
from cqs.dossiers.tests import factories
from cqs.portal.tests.browser import log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_citizen_applies_on_a_phone_and_sees_the_dossier_accepted(
    live_server: Any, phone_page: Any, tmp_path: Path
) -> None:
    w = factories.world()
    pdf = tmp_path / "to-khai.pdf"
    pdf.write_bytes(factories.PDF_BYTES)
    page = phone_page

    log_in(page, live_server.url, w.citizen.username)

    page.goto(f"{live_server.url}/thu-tuc/{w.procedure.code}/")
    page.get_by_role("button", name="Nộp hồ sơ trực tuyến").click()
    page.wait_for_url(f"**/nop-ho-so/{w.procedure.code}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Bước 1: nơi nộp và hình thức nộp"
    page.get_by_label("Tìm nơi tiếp nhận theo tên").fill("truong vinh")
    page.get_by_label("Nơi tiếp nhận hồ sơ").select_option(label="UBND phường Trường Vinh")
    page.get_by_role("button", name="Tiếp tục").click()

    page.wait_for_url("**/to-khai/")
    page.get_by_label("Họ, chữ đệm và tên của trẻ").fill("Nguyễn Văn Bình")
    page.get_by_label("Ngày sinh").fill("31/02/2026")
    page.get_by_role("button", name="Tiếp tục").click()
    assert page.get_by_text("Ngày 31/02/2026 không có thật: tháng 2 năm 2026 chỉ có 28 ngày.").is_visible()
    page.get_by_label("Ngày sinh").fill("02/03/2026")
    page.get_by_role("button", name="Tiếp tục").click()

    page.wait_for_url("**/giay-to/")
    page.get_by_label("Tải lên tệp").set_input_files(str(pdf))
    page.get_by_role("button", name="Tiếp tục").click()

    page.wait_for_url("**/kiem-tra/")
    assert page.get_by_role("heading", level=1).inner_text() == "Kiểm tra thông tin trước khi nộp"
    assert page.get_by_text("Nguyễn Văn Bình").is_visible()
    assert page.get_by_text("02/03/2026").is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.get_by_role("button", name="Nộp hồ sơ").click()

    page.wait_for_url("**/da-nop-ho-so/**")
    dossier = Dossier.objects.get()
    assert page.locator("#dossier-code").inner_text() == dossier.code

    services.dossier_accept(dossier=dossier, actor=w.officer)
    page.get_by_role("link", name="Xem hồ sơ và theo dõi tiến độ").click()
    page.wait_for_url(f"**/ho-so-cua-toi/{dossier.code}/")
    assert page.locator("#dossier-status").inner_text() == "Đang xử lý"
    assert page.get_by_text("Hồ sơ được tiếp nhận").is_visible()
    assert page.get_by_text("Hẹn trả kết quả:").is_visible()
