"""An incoming document from the clerk's register to the completed slip, in a real Chromium on a phone."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cqs.documents.models import DocumentType, IncomingDocument, IncomingStatus
from cqs.documents.tests import factories
from cqs.documents.tests.factories import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login_page(chromium: Any, live_server: Any, user: Any) -> Any:
    client = Client()
    client.force_login(user)
    context = chromium.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_register_direct_assign_propose_complete(
    chromium: Any, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    w = factories.documents_world()
    DocumentType.objects.get_or_create(name="Công điện", defaults={"abbreviation": "CĐ"})  # a flushed database
    scan = tmp_path / "cong-dien-khan.pdf"
    scan.write_bytes(PDF_BYTES)

    clerk = _login_page(chromium, live_server, w.clerk)
    clerk.goto(f"{live_server.url}/van-ban/den/", timeout=90_000)  # the live server's first page loads every app
    clerk.get_by_role("button", name="Vào sổ văn bản đến").click()
    clerk.get_by_label("Hình thức nhận").select_option("paper")
    clerk.get_by_label(re.compile(r"^Nơi gửi")).fill("Ban Chỉ huy Phòng chống thiên tai tỉnh")
    clerk.get_by_label("Số văn bản").fill("12")
    clerk.get_by_label("Ký hiệu văn bản").fill("CĐ-BCH")
    clerk.get_by_label("Ngày văn bản (dd/mm/yyyy)").fill(timezone.localdate().strftime("%d/%m/%Y"))
    clerk.get_by_label("Loại văn bản").select_option(label="Công điện")
    clerk.get_by_label("Trích yếu nội dung").fill("Về việc ứng phó bão số 5")
    clerk.get_by_label("Độ khẩn").select_option("flash")
    clerk.get_by_label("Tệp văn bản (bản quét PDF, JPEG, PNG; văn bản điện tử: PDF)").set_input_files(str(scan))
    clerk.get_by_role("button", name="Vào sổ", exact=True).click()
    clerk.get_by_text("Đã vào sổ văn bản đến số 1/").wait_for()
    document = IncomingDocument.objects.get()
    clerk.context.close()

    leader = _login_page(chromium, live_server, w.leader)
    leader.goto(f"{live_server.url}/van-ban/den/")
    leader.get_by_role("region", name="1 văn bản khẩn chờ cho ý kiến").get_by_role("link").click()
    leader.get_by_text("Cho ý kiến chỉ đạo", exact=True).first.click()
    leader.get_by_label("Ý kiến chỉ đạo").fill("Giao Phòng Kinh tế chủ trì, Văn phòng phối hợp; báo cáo trong ngày.")
    leader.get_by_label("Đơn vị chủ trì").select_option(label="Phòng Kinh tế")
    leader.get_by_label("Văn phòng").check()
    deadline = timezone.localdate() + dt.timedelta(days=1)
    leader.get_by_label("Hạn xử lý (dd/mm/yyyy)").fill(deadline.strftime("%d/%m/%Y"))
    leader.get_by_role("button", name="Cho ý kiến chỉ đạo").click()
    leader.get_by_text("Đã ghi ý kiến chỉ đạo và giao đơn vị chủ trì.").wait_for()
    leader.context.close()

    head = _login_page(chromium, live_server, w.kt_head)
    head.goto(f"{live_server.url}/van-ban/den/?hop=lead")
    head.get_by_role("link", name=f"{document.number}/{document.year}").click()
    head.get_by_text("Giao chuyên viên xử lý", exact=True).first.click()
    head.get_by_label("Chuyên viên xử lý").select_option(label=w.kt_specialist.full_name)
    head.get_by_role("button", name="Giao chuyên viên xử lý").click()
    head.get_by_text("Đã giao chuyên viên xử lý.").wait_for()
    head.context.close()

    officer = _login_page(chromium, live_server, w.kt_specialist)
    officer.goto(f"{live_server.url}/van-ban/den/?hop=mine")
    officer.get_by_text("Sắp đến hạn", exact=True).first.wait_for()
    officer.get_by_role("link", name=f"{document.number}/{document.year}").click()
    officer.get_by_text("Ghi ý kiến đề xuất", exact=True).first.click()
    officer.get_by_label("Ý kiến đề xuất").fill("Đã triển khai phương án sơ tán; đề nghị báo cáo Ban Chỉ huy.")
    officer.get_by_role("button", name="Ghi ý kiến đề xuất").click()
    officer.get_by_text("Đã ghi ý kiến đề xuất.").wait_for()
    officer.get_by_text("Hoàn thành xử lý", exact=True).first.click()
    officer.get_by_label("Kết quả xử lý").fill("Đã báo cáo.")
    officer.get_by_role("button", name="Hoàn thành xử lý").click()
    officer.get_by_text("Đã hoàn thành xử lý văn bản.").wait_for()
    with officer.expect_download() as download:
        officer.get_by_role("link", name="cong-dien-khan.pdf").click()
    assert Path(download.value.path()).read_bytes() == PDF_BYTES
    officer.context.close()

    document.refresh_from_db()
    assert document.status == IncomingStatus.COMPLETED
    assert (document.lead_department, document.handler, document.deadline) == (w.kt, w.kt_specialist, deadline)
    assert list(document.coordinating_departments.all()) == [w.vp]
