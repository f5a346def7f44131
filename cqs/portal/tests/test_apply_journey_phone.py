"""On a phone: a citizen with no commune on file applies, is offered their own commune's office through the
searchable picker, fills the e-form (an impossible date is named), gives only the papers the e-form does not
make, keeps a good file when another fails, sees the fee of the copies asked, and taps "Nộp hồ sơ" twice."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from cqs.dossiers.models import DeclarationConfirmation, Dossier
from cqs.dossiers.tests import factories
from cqs.dossiers.tests.factories_filing import province, with_copy_fee, with_declaration, with_second_document
from cqs.portal.tests.browser import log_in


def _fits(page: Any) -> None:
    """Nothing wider than the screen (error lists included)."""
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_citizen_files_on_a_phone_with_the_picker_the_declaration_and_a_double_tap(
    live_server: Any, phone_page: Any, tmp_path: Path
) -> None:
    w = factories.world()
    p = province(w)
    with_declaration(w.version)
    birth = with_second_document(w.version)
    with_second_document(w.version, "Văn bản ủy quyền", optional=True)
    with_copy_fee(w.version)
    good = tmp_path / "giay-chung-sinh.pdf"
    good.write_bytes(factories.PDF_BYTES)
    bad = tmp_path / ("giay-uy-quyen-ban-chup-bang-dien-thoai-cua-ba-nguyen-thi-lan-" + "x" * 60 + ".exe")
    bad.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
    page = phone_page

    log_in(page, live_server.url, w.citizen.username)

    # Step 1: no commune on file: asked once, with a search that ignores diacritics.
    page.goto(f"{live_server.url}/thu-tuc/{w.procedure.code}/")
    page.get_by_role("button", name="Nộp hồ sơ trực tuyến").click()
    page.wait_for_url(f"**/nop-ho-so/{w.procedure.code}/")
    assert page.get_by_role("heading", name="Bạn đang cư trú ở xã, phường nào?").is_visible()
    page.get_by_label("Tìm xã, phường theo tên").fill("con cuong")
    assert page.locator("#id_xa-so-ket-qua").inner_text() == "Có 1 kết quả."
    assert page.locator("#id_xa").evaluate("s => s.options[s.selectedIndex].text") == "Xã Con Cuông"
    _fits(page)
    page.get_by_role("button", name="Lưu xã, phường").click()
    page.wait_for_url(f"**/nop-ho-so/{w.procedure.code}/")
    assert page.get_by_text("Đã lưu xã, phường nơi bạn cư trú.").is_visible()
    deciding = page.get_by_label(re.compile(r"^Cơ quan giải quyết( \*)?$"))
    receiving = page.get_by_label(re.compile(r"^Nơi tiếp nhận hồ sơ( \*)?$"))
    assert deciding.evaluate("s => s.options[s.selectedIndex].text") == "UBND xã Con Cuông"
    assert receiving.evaluate("s => s.options[s.selectedIndex].text") == "UBND xã Con Cuông"
    # The citizen prefers to hand it in in the city: the search finds it without diacritics.
    page.get_by_label("Tìm nơi tiếp nhận theo tên").fill("truong vinh")
    assert page.locator("#id_receiving_agency-so-ket-qua").inner_text() == "Có 2 kết quả."
    receiving.select_option(label="Trung tâm Phục vụ hành chính công phường Trường Vinh")
    page.get_by_role("button", name="Tiếp tục").click()

    # Step 2: the e-form; an impossible date is named as such.
    page.wait_for_url("**/to-khai/")
    page.get_by_label("Họ, chữ đệm và tên của trẻ").fill("Nguyễn Văn Bình")
    page.get_by_label("Ngày sinh").fill("31/02/2026")
    page.get_by_label("Số bản sao Giấy khai sinh đề nghị cấp").fill("2")
    page.get_by_role("button", name="Tiếp tục").click()
    assert page.get_by_text("Ngày 31/02/2026 không có thật: tháng 2 năm 2026 chỉ có 28 ngày.").is_visible()
    _fits(page)
    page.get_by_label("Ngày sinh").fill("02/03/2026")
    page.get_by_role("button", name="Tiếp tục").click()

    # Step 3: the declaration is not asked again; a good file is kept when another fails.
    page.wait_for_url("**/giay-to/")
    assert page.get_by_text("“Tờ khai đăng ký khai sinh”: không cần tải lên.").is_visible()
    uploads = page.get_by_label("Tải lên tệp")
    assert uploads.count() == 2  # the birth certificate and the optional authorisation, not the declaration
    uploads.nth(0).set_input_files(str(good))
    uploads.nth(1).set_input_files(str(bad))
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_load_state()
    assert page.get_by_text("Các tệp hợp lệ đã được giữ lại, không cần tải lên lại:").is_visible()
    assert page.get_by_text("Đã có: giay-chung-sinh.pdf").is_visible()
    _fits(page)
    page.get_by_role("button", name="Tiếp tục").click()

    # Step 4: the fee of the two copies asked, then a double tap on "Nộp hồ sơ".
    page.wait_for_url("**/kiem-tra/")
    assert page.locator("#fee-total").inner_text() == "16.000 đồng"
    assert page.get_by_text("Lập từ tờ khai điện tử ở bước 2").is_visible()
    _fits(page)
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    # Two taps 80 ms apart that both get through (as on a phone without script, whatever a busy button
    # does): the form is sent twice, the second while the first request is on its way.
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).evaluate(
        "button => { const send = () => HTMLFormElement.prototype.submit.call(button.form);"
        " send(); setTimeout(send, 80); }"
    )
    expect(page.locator("#dossier-code")).to_be_visible(timeout=20_000)
    assert len(posts) == 2 and set(posts) == {f"{live_server.url}/nop-ho-so/{w.procedure.code}/kiem-tra/"}
    dossier = Dossier.objects.get()
    assert page.locator("#dossier-code").inner_text() == dossier.code
    assert (dossier.receiving_agency, dossier.deciding_agency) == (p.truong_vinh_centre, p.con_cuong_committee)
    assert dossier.fee_total == 16000
    assert set(dossier.files.values_list("required_document_id", "source")) == {
        (w.version.documents.get(is_declaration=True).pk, "declaration"),
        (birth.pk, "upload"),
    }
    assert DeclarationConfirmation.objects.get(dossier=dossier).method == "password"
