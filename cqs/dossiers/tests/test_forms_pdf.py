"""Forms 01–07 printed as PDF from dossiers driven through the real services; text read back with pdftotext."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import time
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

from cqs.accounts.models import Role
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.dossiers import documents, services
from cqs.dossiers.models import Dossier
from cqs.dossiers.selectors_forms import dossier_for_forms
from cqs.dossiers.tests.factories import PASSWORD, World, citizen, filing, official

pytestmark = [pytest.mark.django_db]

PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"
TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = dt.datetime(2026, 11, 16, 9, 0, tzinfo=TZ)


def at(day: int, hour: int, minute: int = 0) -> Any:
    return time_machine.travel(dt.datetime(2026, 11, day, hour, minute, tzinfo=TZ), tick=False)


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    command = [PDFTOTEXT, "-raw", "-enc", "UTF-8", "-", "-"]
    out = subprocess.run(command, input=pdf, capture_output=True, check=True)  # noqa: S603 (fixed argv)
    return re.sub(r"\s+", " ", out.stdout.decode("utf-8"))


def submitted(w: World, **overrides: Any) -> Dossier:
    with at(16, 8, 30):
        return services.dossier_submit_online(applicant=w.citizen, filing=filing(w, **overrides))


def accepted(w: World, **overrides: Any) -> Dossier:
    dossier = submitted(w, **overrides)
    with at(16, 9, 15):
        return services.dossier_accept(dossier=dossier, actor=w.officer)


def login(client: Client, user: Any) -> Client:
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture(autouse=True)
def _no_totp(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


# ---------------------------------------------------------------- the forms' contents


def test_form_01_receipt_carries_what_the_circular_lists(w: World) -> None:
    dossier = accepted(
        w,
        applicant_address="Số 5 đường Lê Lợi, phường Trường Vinh",
        filing_mode="on_behalf",
        principal_name="Phạm Văn Đức",
        principal_id_number="040080011111",
        authorisation_note="Giấy ủy quyền số 15/UQ ngày 10/11/2026",
        sets_count=2,
    )
    text = text_of(documents.form_pdf(dossier=dossier, form="01"))
    due = dossier.due_at.astimezone(TZ)
    for expected in (
        "Mẫu số 01",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "UBND PHƯỜNG TRƯỜNG VINH",
        "ngày 16 tháng 11 năm 2026",
        dossier.code,
        "Nguyễn Thị Lan",
        "040190012345",
        "Số 5 đường Lê Lợi",
        "0912345678",
        "lan@example.vn",
        "Nộp thay cho: Phạm Văn Đức",
        "Giấy ủy quyền số 15/UQ",
        "Thủ tục đăng ký khai sinh",
        "Số lượng hồ sơ: 2 (bộ)",
        "3 ngày làm việc",
        "09 giờ 15 phút, ngày 16/11/2026",
        f"ngày {due:%d/%m/%Y}",
        "Quyển số: 2026, Số thứ tự: 1",
        "Số: 1/TNHS",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Cán bộ motcua",
    ):
        assert expected in text, expected
    document = w.version.documents.first()
    assert document is not None and f"1 {document.name}" in text


def test_form_02_supplement_request(w: World) -> None:
    dossier = accepted(w)
    assert not documents.form_available(dossier, "02")
    with at(16, 10):
        dossier = services.dossier_request_supplement(
            dossier=dossier,
            actor=w.specialist,
            items=["Bản sao giấy chứng sinh có chứng thực", "Giấy đăng ký kết hôn của cha mẹ"],
            reason="Giấy chứng sinh bị mờ, không đọc được",
            contact="Chuyên viên Lê Hoa, điện thoại 0238 3844 555",
        )
    assert documents.form_available(dossier, "02")
    text = text_of(documents.form_pdf(dossier=dossier, form="02"))
    for expected in (
        "Mẫu số 02",
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        dossier.code,
        "Nguyễn Thị Lan",
        "1. Bản sao giấy chứng sinh có chứng thực",
        "2. Giấy đăng ký kết hôn của cha mẹ",
        "Lý do: Giấy chứng sinh bị mờ",
        "Chuyên viên Lê Hoa, điện thoại 0238 3844 555",
        "Cán bộ chuyenvien",
    ):
        assert expected in text, expected


def test_form_03_refusal(w: World) -> None:
    dossier = submitted(w)
    assert not documents.form_available(dossier, "03")
    assert not documents.form_available(dossier, "01")
    with at(16, 9):
        dossier = services.dossier_refuse(
            dossier=dossier, actor=w.officer, reason="Thủ tục không thuộc thẩm quyền giải quyết của phường"
        )
    assert documents.form_available(dossier, "03") and not documents.form_available(dossier, "01")
    text = text_of(documents.form_pdf(dossier=dossier, form="03"))
    for expected in (
        "Mẫu số 03",
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "Nguyễn Thị Lan",
        "040190012345",
        dossier.code,
        "Thủ tục đăng ký khai sinh",
        "Thủ tục không thuộc thẩm quyền giải quyết của phường",
    ):
        assert expected in text, expected
    with pytest.raises(NotFoundOrForbidden):
        documents.form_pdf(dossier=dossier, form="01")


def test_form_04_apology_and_new_date(w: World) -> None:
    dossier = accepted(w)
    original = dossier.due_at.astimezone(TZ)
    assert not documents.form_available(dossier, "04")
    with at(16, 14):
        dossier = services.dossier_apologise(
            dossier=dossier,
            actor=w.leader,
            reason="Cần xác minh thông tin nơi sinh",
            new_due_date=dt.date(2026, 11, 25),
        )
    assert documents.form_available(dossier, "04")
    text = text_of(documents.form_pdf(dossier=dossier, form="04"))
    for expected in (
        "Mẫu số 04",
        "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
        "Kính gửi: Ông/Bà Nguyễn Thị Lan",
        "Ngày 16/11/2026",
        "Thủ tục đăng ký khai sinh",
        dossier.code,
        f"ngày {original:%d/%m/%Y}",
        "Lý do: Cần xác minh thông tin nơi sinh",
        "xin lỗi Ông/Bà",
        "đề nghị gia hạn thời gian giải quyết hồ sơ đến ngày 25/11/2026",
        "THỦ TRƯỞNG CƠ QUAN",
        "Cán bộ lanhdao",
    ):
        assert expected in text, expected


def test_form_05_stop_notice(w: World) -> None:
    dossier = accepted(w)
    assert not documents.form_available(dossier, "05")
    with at(17, 9):
        dossier = services.dossier_stop(
            dossier=dossier, actor=w.leader, reason="Người nộp đã chết trước khi có kết quả"
        )
    assert documents.form_available(dossier, "05")
    text = text_of(documents.form_pdf(dossier=dossier, form="05"))
    for expected in (
        "Mẫu số 05",
        "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
        "Kính gửi: Ông/Bà Nguyễn Thị Lan",
        dossier.code,
        "Lý do: Người nộp đã chết trước khi có kết quả",
        "ngày 17 tháng 11 năm 2026",
    ):
        assert expected in text, expected


def _full_journey(w: World) -> Dossier:
    """Accepted Monday 09:15; the specialist hands on late (Thursday); the leader approves at once; returned."""
    dossier = accepted(w)
    with at(19, 10):
        dossier = services.dossier_forward(dossier=dossier, actor=w.specialist, note="Đủ điều kiện")
    with at(19, 11):
        dossier = services.dossier_approve(dossier=dossier, actor=w.leader, note="Đồng ý")
    with at(19, 14):
        return services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="desk")


def test_form_06_control_sheet_has_one_row_per_hand_over(w: World) -> None:
    dossier = _full_journey(w)
    text = text_of(documents.form_pdf(dossier=dossier, form="06"))
    for expected in (
        "Mẫu số 06",
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        dossier.code,
        "Cơ quan chủ trì giải quyết: UBND phường Trường Vinh",
        "Thời gian nhận hồ sơ: 09 giờ 15 phút, ngày 16/11/2026",
        "Tiếp nhận, kiểm tra hồ sơ",
        "Thẩm định, dự thảo kết quả",
        "Phê duyệt",
        "Trả kết quả",
        "Cán bộ chuyenvien",
        "Cán bộ lanhdao",
        "10:00 19/11/2026",
        "Đã trả kết quả: 14 giờ 00 phút, ngày 19/11/2026 — Trễ hạn",
    ):
        assert expected in text, expected
    timings = re.findall(r"Trước hạn|Đúng hạn|Trễ hạn|Đang xử lý", text.split("GHI CHÚ")[-1].split("Ghi chú", 1)[-1])
    # Reception (on time), the specialist (late), the leader and the return (each within its own hours);
    # then the dossier as a whole, returned after its appointed time.
    assert timings[:4] == ["Đúng hạn", "Trễ hạn", "Đúng hạn", "Đúng hạn"]
    assert timings[-1] == "Trễ hạn"


def test_form_06_early_and_in_progress_rows(w: World) -> None:
    dossier = accepted(w)
    with at(16, 10):
        dossier = services.dossier_forward(dossier=dossier, actor=w.specialist)
    text = text_of(documents.form_pdf(dossier=dossier, form="06"))
    assert "Trước hạn" in text and "Đang xử lý" in text


def test_unknown_form_is_not_available(w: World) -> None:
    dossier = accepted(w)
    assert not documents.form_available(dossier, "08")
    with pytest.raises(NotFoundOrForbidden):
        documents.form_pdf(dossier=dossier, form="07")


def test_queries_are_bounded(w: World, django_assert_max_num_queries: Any) -> None:
    dossier = _full_journey(w)
    loaded = dossier_for_forms(code=dossier.code)
    assert loaded is not None
    with django_assert_max_num_queries(2):
        documents.form_pdf(dossier=loaded, form="01")
    with django_assert_max_num_queries(2):
        documents.form_pdf(dossier=loaded, form="06")
    for _ in range(3):
        with at(20, 8):
            more = services.dossier_submit_online(applicant=w.citizen, filing=filing(w))
        with at(20, 9):
            services.dossier_accept(dossier=more, actor=w.officer)
    with django_assert_max_num_queries(3):
        documents.register_pdf(agency=w.agency, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))


def test_one_form_is_fast(w: World) -> None:
    dossier = _full_journey(w)
    documents.form_pdf(dossier=dossier, form="01")  # warm the font cache
    started = time.perf_counter()
    documents.form_pdf(dossier=dossier, form="06")
    assert time.perf_counter() - started < 2.0


# ---------------------------------------------------------------- the register (form 07)


def test_register_lists_the_period_only_with_yearly_rows(w: World) -> None:
    first = _full_journey(w)
    with at(20, 8):
        second = services.dossier_submit_online(
            applicant=citizen("040090011111", "Lê Văn Tám"),
            filing=filing(w, applicant_name="Lê Văn Tám", applicant_id_number="", applicant_phone="0988000111"),
        )
    with at(20, 9):
        second = services.dossier_accept(dossier=second, actor=w.officer)
    with at(23, 8):
        third = services.dossier_submit_online(applicant=w.citizen, filing=filing(w))
    with at(23, 9):
        services.dossier_accept(dossier=third, actor=w.officer)

    text = text_of(documents.register_pdf(agency=w.agency, start=dt.date(2026, 11, 16), end=dt.date(2026, 11, 20)))
    assert "Mẫu số 07" in text and "SỔ THEO DÕI HỒ SƠ" in text
    assert "Từ ngày 16/11/2026 đến ngày 20/11/2026" in text
    assert first.code in text and second.code in text and third.code not in text
    assert "Lê Văn Tám" in text and "0988000111" in text
    assert "14:00 19/11/2026" in text and "Nhận tại Bộ phận Một cửa" in text
    assert "Tổng số: 2 hồ sơ" in text

    later = text_of(documents.register_pdf(agency=w.agency, start=dt.date(2026, 11, 20), end=dt.date(2026, 11, 30)))
    assert first.code not in later and second.code in later and third.code in later
    # The rows continue the year's count: the dossier of the 20th is the 2nd of 2026.
    assert re.search(rf"\b2 {re.escape(second.code)}", later) and re.search(rf"\b3 {re.escape(third.code)}", later)
    other = text_of(
        documents.register_pdf(agency=w.other_agency, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    )
    assert "Không có hồ sơ tiếp nhận" in other


def test_register_period_rules(w: World) -> None:
    with pytest.raises(ValidationFailed, match="Ngày kết thúc phải sau"):
        documents.register_pdf(agency=w.agency, start=dt.date(2026, 11, 20), end=dt.date(2026, 11, 1))
    with pytest.raises(ValidationFailed, match="tối đa 366 ngày"):
        documents.register_pdf(agency=w.agency, start=dt.date(2025, 1, 1), end=dt.date(2026, 11, 1))


# ---------------------------------------------------------------- the pages


def _form_url(dossier: Dossier, form: str) -> str:
    return reverse("dossier_forms:form", kwargs={"code": dossier.code, "form": form})


def _register_url(w: World, query: str = "") -> str:
    return reverse("dossier_forms:register", kwargs={"agency_code": w.agency.electronic_code}) + query


def test_citizen_gets_their_forms_01_to_05_inline(client: Client, w: World) -> None:
    dossier = accepted(w)
    login(client, w.citizen)
    response = client.get(_form_url(dossier, "01"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="mau-01-{dossier.code}.pdf"'
    assert dossier.code in text_of(response.content)
    assert client.get(_form_url(dossier, "02")).status_code == 404  # no supplement request
    assert client.get(_form_url(dossier, "06")).status_code == 404  # internal
    assert client.get(_form_url(dossier, "99")).status_code == 404
    assert client.get(_register_url(w)).status_code == 404


def test_officials_who_see_the_dossier_get_every_form(client: Client, w: World) -> None:
    dossier = _full_journey(w)
    login(client, w.specialist)
    for form in ("01", "06"):
        response = client.get(_form_url(dossier, form))
        assert response.status_code == 200, form
        assert response["Content-Disposition"].startswith(f'inline; filename="mau-{form}-')
    assert client.get(_form_url(dossier, "03")).status_code == 404  # never refused


def test_strangers_see_nothing(client: Client, w: World, settings: Any) -> None:
    dossier = accepted(w)
    url = _form_url(dossier, "01")
    anonymous = client.get(url)
    assert (anonymous.status_code == 302 and "/dang-nhap" in anonymous["Location"]) or anonymous.status_code == 302
    login(client, w.stranger)
    assert client.get(url).status_code == 404
    client.logout()
    other = official("khac", w.other_agency, Role.ONE_STOP_OFFICER, Role.LEADER)
    login(client, other)
    assert client.get(url).status_code == 404
    assert client.get(_form_url(dossier, "06")).status_code == 404
    assert client.get(_register_url(w)).status_code == 404
    assert client.get("/ho-so/KHONG-CO/mau/01.pdf").status_code == 404


def test_anonymous_register_goes_to_login(client: Client, w: World, settings: Any) -> None:
    response = client.get(_register_url(w))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_register_page_for_officials_of_the_agency(client: Client, w: World) -> None:
    _full_journey(w)
    login(client, w.officer)
    response = client.get(_register_url(w, "?tu=16/11/2026&den=20/11/2026"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="so-theo-doi-{w.agency.electronic_code}-20261116-20261120.pdf"'
    )
    assert "Từ ngày 16/11/2026 đến ngày 20/11/2026" in text_of(response.content)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?tu=2026-11-01&den=20/11/2026", "Ngày không hợp lệ"),
        ("?tu=31/02/2026", "Ngày không hợp lệ"),
        ("?tu=25/12/9999&den=31/12/9999", "Ngày không hợp lệ"),  # a year 9999 is refused at input
        ("?tu=20/11/2026&den=01/11/2026", "Ngày kết thúc phải sau"),
        ("?tu=01/01/2025&den=20/11/2026", "tối đa 366 ngày"),
    ],
)
def test_register_bad_dates_answer_400_in_vietnamese(client: Client, w: World, query: str, message: str) -> None:
    login(client, w.officer)
    response = client.get(_register_url(w, query))
    assert response.status_code == 400
    assert message in response.content.decode("utf-8")


def test_official_needing_totp_is_sent_to_the_second_factor(client: Client, w: World, settings: Any) -> None:
    dossier = accepted(w)
    settings.CQS_OFFICIAL_TOTP_REQUIRED = True
    login(client, w.officer)
    assert client.get(_form_url(dossier, "01")).status_code == 302
