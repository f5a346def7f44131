"""Registers of incoming and outgoing documents: rows, the page, PDF and XLSX exports, who may open them."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.text import fold
from cqs.documents.models import IncomingStatus, OutgoingStatus, Secrecy
from cqs.documents.registers import exports
from cqs.documents.registers import selectors as registers
from cqs.documents.tests import factories
from cqs.documents.tests.factories import DocumentsWorld
from cqs.documents.tests.registers_support import at, incoming, outgoing

pytestmark = pytest.mark.django_db

YEAR = 2026
NAM = str(YEAR)
INCOMING_HEADERS = [
    "Ngày đến",
    "Số đến",
    "Tác giả (nơi gửi)",
    "Số, ký hiệu",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung",
    "Đơn vị hoặc người nhận",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
]
OUTGOING_HEADERS = [
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung",
    "Người ký",
    "Nơi nhận văn bản",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ngày chuyển",
    "Ghi chú",
]


@pytest.fixture(autouse=True)
def _officials_without_totp(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


@pytest.fixture
def w(db: Any) -> DocumentsWorld:
    return factories.documents_world()


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def book(w: DocumentsWorld) -> dict[str, Any]:
    """Two incoming documents of 2026, a classified one, one of 2025; two issued outgoing, a draft, a classified."""
    first = incoming(
        w,
        number=1,
        received=at(dt.date(YEAR, 3, 2)),
        status=IncomingStatus.ASSIGNED,
        lead_department=w.vp,
        handler=w.vp_specialist,
        forwarded_at=at(dt.date(YEAR, 3, 3)),
        note="Bản gốc lưu Văn phòng",
    )
    second = incoming(
        w, number=2, received=at(dt.date(YEAR, 4, 10)), sender_name="Bộ Nội vụ", subject="Về việc tinh giản biên chế"
    )
    secret = incoming(w, number=1, received=at(dt.date(YEAR, 4, 11)), secrecy=Secrecy.CONFIDENTIAL, subject="Mật A")
    old = incoming(w, number=9, received=at(dt.date(YEAR - 1, 12, 30)), subject="Năm trước")
    issued = outgoing(
        w,
        number=5,
        issued=at(dt.date(YEAR, 5, 6), 15),
        recipients=("Sở Tài chính tỉnh Nghệ An", "UBND xã Hưng Nguyên"),
        note="Gửi kèm phụ lục",
    )
    later = outgoing(w, number=6, issued=at(dt.date(YEAR, 6, 1)), subject="Về việc phòng, chống thiên tai")
    draft = outgoing(w, status=OutgoingStatus.DRAFT, subject="Dự thảo chưa ban hành")
    secret_out = outgoing(w, number=1, issued=at(dt.date(YEAR, 5, 7)), secrecy=Secrecy.SECRET, subject="Mật B")
    return {
        "first": first,
        "second": second,
        "secret": secret,
        "old": old,
        "issued": issued,
        "later": later,
        "draft": draft,
        "secret_out": secret_out,
    }


def query(w: DocumentsWorld, kind: str, **values: Any) -> registers.RegisterQuery:
    return registers.register_query(user=w.clerk, kind=kind, agency_id=w.agency.pk, year=YEAR, **values)


def test_incoming_register_rows_follow_the_decree_columns_in_number_order(w: DocumentsWorld, book: Any) -> None:
    q = query(w, registers.INCOMING)
    found = registers.rows(q, registers.entries(q))
    assert registers.columns(registers.INCOMING) == INCOMING_HEADERS
    assert found == [
        [
            "02/03/2026",
            "01",
            "Sở Tài chính tỉnh Nghệ An",
            "125/STC-NS",
            "02/03/2026",
            "Công văn: Về việc báo cáo tình hình thực hiện dự toán ngân sách quý III",
            "Văn phòng — Phạm Thị Hoa",
            "03/03/2026",
            "",
            "Bản gốc lưu Văn phòng",
        ],
        [
            "10/04/2026",
            "02",
            "Bộ Nội vụ",
            "125/STC-NS",
            "10/04/2026",
            "Công văn: Về việc tinh giản biên chế",
            "",
            "",
            "",
            "",
        ],
    ]


def test_the_classified_register_has_its_own_rows(w: DocumentsWorld, book: Any) -> None:
    q = query(w, registers.INCOMING, register=registers.CLASSIFIED)
    assert [d.subject for d in registers.entries(q)] == ["Mật A"]
    q = query(w, registers.OUTGOING, register=registers.CLASSIFIED)
    assert [d.subject for d in registers.entries(q)] == ["Mật B"]


def test_outgoing_register_lists_issued_documents_only(w: DocumentsWorld, book: Any) -> None:
    q = query(w, registers.OUTGOING)
    found = registers.rows(q, registers.entries(q))
    assert registers.columns(registers.OUTGOING) == OUTGOING_HEADERS
    assert found[0] == [
        "05/QĐ-UBND",
        "06/05/2026",
        "Quyết định: Về việc triển khai kế hoạch chuyển đổi số năm 2026",
        "Nguyễn Văn Chủ Tịch",
        "Sở Tài chính tỉnh Nghệ An; UBND xã Hưng Nguyên",
        "Văn phòng",
        "3",
        "06/05/2026",
        "Gửi kèm phụ lục",
    ]
    assert [row[0] for row in found] == ["05/QĐ-UBND", "06/QĐ-UBND"]


def test_a_period_narrows_the_register(w: DocumentsWorld, book: Any) -> None:
    q = query(w, registers.INCOMING, start=dt.date(YEAR, 4, 1), end=dt.date(YEAR, 4, 30))
    assert [d.number for d in registers.entries(q)] == [2]
    assert registers.period_label(q) == "Từ ngày 01/04/2026 đến ngày 30/04/2026"


def test_a_period_must_be_in_order_and_inside_the_year(w: DocumentsWorld) -> None:
    with pytest.raises(ValidationFailed) as err:
        query(w, registers.INCOMING, start=dt.date(YEAR, 5, 1), end=dt.date(YEAR, 4, 1))
    assert err.value.message == "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."
    with pytest.raises(ValidationFailed) as err:
        query(w, registers.INCOMING, start=dt.date(YEAR - 1, 12, 1))
    assert err.value.message == "Khoảng thời gian phải nằm trong năm 2026 của sổ."


def test_only_leaders_and_clerks_of_the_agency_open_a_register(w: DocumentsWorld) -> None:
    for user in (w.vp_head, w.vp_specialist, w.outsider):
        with pytest.raises(NotFoundOrForbidden):
            registers.register_query(user=user, kind=registers.INCOMING, agency_id=w.agency.pk, year=YEAR)
    assert registers.register_agencies(w.leader) == [w.agency]
    assert registers.register_agencies(w.vp_specialist) == []


def test_the_register_page_shows_the_rows(w: DocumentsWorld, book: Any) -> None:
    response = as_user(w.leader).get(reverse("documents:register_incoming"), {"nam": NAM})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sổ đăng ký văn bản đến — năm 2026" in html
    assert "Về việc tinh giản biên chế" in html
    assert "Mật A" not in html and "Năm trước" not in html
    response = as_user(w.clerk).get(reverse("documents:register_outgoing"), {"nam": NAM, "so": "classified"})
    assert response.status_code == 200
    assert "Mật B" in response.content.decode()


def test_the_register_page_says_what_is_wrong_with_the_period(w: DocumentsWorld) -> None:
    response = as_user(w.clerk).get(
        reverse("documents:register_incoming"), {"nam": NAM, "tu_ngay": "31/05/2026", "den_ngay": "01/05/2026"}
    )
    assert response.status_code == 400
    assert "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu." in response.content.decode()
    response = as_user(w.clerk).get(reverse("documents:register_incoming"), {"nam": "1999", "format": "pdf"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Năm phải từ 2000 đến 2100." in response.content.decode()


def test_who_may_not_open_the_registers(w: DocumentsWorld, book: Any, citizen: Any) -> None:
    for name in ("documents:register_incoming", "documents:register_outgoing"):
        url = reverse(name)
        assert as_user(w.vp_specialist).get(url).status_code == 404
        assert as_user(citizen).get(url).status_code == 404
        assert Client().get(url).status_code == 302
        # An official of another agency cannot name this agency's register, nor export it.
        response = as_user(w.outsider).get(url, {"co_quan": str(w.agency.pk), "nam": NAM, "format": "xlsx"})
        assert response.status_code == 400
        assert "Về việc" not in response.content.decode()
    assert as_user(w.leader).get(reverse("documents:register_incoming"), {"format": "docx"}).status_code == 404


def test_xlsx_export_has_the_heading_the_columns_and_the_rows(w: DocumentsWorld, book: Any) -> None:
    response = as_user(w.clerk).get(reverse("documents:register_incoming"), {"nam": NAM, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="so-van-ban-den-000.00.00.H40-2026.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["UBND TỈNH NGHỆ AN"]
    assert values[1] == ["SỔ ĐĂNG KÝ VĂN BẢN ĐẾN — NĂM 2026"]
    assert values[2] == ["Từ ngày 01/01/2026 đến ngày 31/12/2026"]
    assert values[3] == INCOMING_HEADERS
    assert values[4][:4] == ["02/03/2026", "01", "Sở Tài chính tỉnh Nghệ An", "125/STC-NS"]
    assert values[5][5] == "Công văn: Về việc tinh giản biên chế"
    assert len(values) == 6


def test_outgoing_xlsx_export(w: DocumentsWorld, book: Any) -> None:
    response = as_user(w.leader).get(reverse("documents:register_outgoing"), {"nam": NAM, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[3] == OUTGOING_HEADERS
    assert rows[4][0] == "05/QĐ-UBND" and rows[4][4] == "Sở Tài chính tỉnh Nghệ An; UBND xã Hưng Nguyên"
    assert len(rows) == 6


def test_pdf_export_is_a4_landscape_with_the_vietnamese_heading_and_rows(w: DocumentsWorld, book: Any) -> None:
    response = as_user(w.clerk).get(
        reverse("documents:register_incoming"),
        {"nam": NAM, "tu_ngay": "01/03/2026", "den_ngay": "30/04/2026", "format": "pdf"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    text = " ".join((page.extract_text() or "") for page in reader.pages)
    folded = fold(text)
    for expected in (
        "UBND tỉnh Nghệ An",
        "Sổ đăng ký văn bản đến",
        "Năm 2026",
        "Từ ngày 01/03/2026 đến ngày 30/04/2026",
        "Về việc tinh giản biên chế",
        "Ký nhận",
    ):
        assert fold(expected) in folded, expected


def test_an_export_too_long_asks_for_a_shorter_period(w: DocumentsWorld, book: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(exports, "PDF_MAX_ROWS", 1)
    response = as_user(w.clerk).get(reverse("documents:register_incoming"), {"nam": NAM, "format": "pdf"})
    assert response.status_code == 400
    assert "Sổ có hơn 1 dòng trong khoảng thời gian này; hãy chọn khoảng ngắn hơn." in response.content.decode()
