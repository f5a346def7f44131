"""The documents pillar end to end in a real Chromium, across two running instances of the platform.

At agency A (UBND tỉnh Nghệ An, the live server) the clerk registers a paper letter from agency B
(UBND tỉnh Hà Tĩnh), the leader directs it to the office, whose head assigns a specialist; she
drafts the reply, uploads the draft and submits it; the leader signs it with his personal
certificate and the clerk issues it (number, the agency's signature, dispatch by edXML). At
agency B (a second instance, ``peer``) the clerk signs in, finds the package waiting and accepts
it into B's register; B's status messages come back to A, where the reply shows as accepted.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import worker_run
from cqs.documents.models import IncomingDocument, OutgoingDocument, OutgoingStatus, Recipient
from cqs.documents.tests import factories
from cqs.documents.tests.peer import PEER_CLERK, PEER_ID, PEER_NAME, PEER_PASSWORD, Peer, eventually
from cqs.documents.tests.test_outgoing_support import pdf
from cqs.signing.pdf import pdf_verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1280, "height": 900}


def _signed_in(chromium: Any, live_server: Any, user: Any) -> Any:
    client = Client()
    client.force_login(user)
    context = chromium.new_context(locale="vi-VN", viewport=DESKTOP)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def _panel(page: Any, label: str) -> Any:
    """Open the panel of one action on a document page (a ``details`` whose summary is the action)."""
    panel = page.locator("details").filter(has=page.locator("summary", has_text=label))
    panel.locator("summary").click()
    return panel


def _act(page: Any, label: str) -> None:
    """Open the action's panel and press its button."""
    _panel(page, label).get_by_role("button", name=label).click()


def test_an_incoming_letter_is_answered_signed_issued_and_accepted_by_the_second_instance(
    chromium: Any,
    live_server: Any,
    settings: Any,
    agency_a: factories.DocumentsWorld,
    personal_cert: Any,
    org_cert: Any,
    peer: Peer,
    tmp_path: Path,
) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    w = agency_a
    personal_cert(w.leader)
    scan = tmp_path / "cong-van-ha-tinh.pdf"
    scan.write_bytes(factories.PDF_BYTES)
    draft = tmp_path / "du-thao-tra-loi.pdf"
    draft.write_bytes(pdf("Trả lời về việc phối hợp quản lý tuyến đê sông Lam năm 2026"))
    today = timezone.localdate()

    # A's clerk registers the paper letter from Hà Tĩnh.
    clerk = _signed_in(chromium, live_server, w.clerk)
    clerk.goto(f"{live_server.url}/van-ban/den/", timeout=90_000)  # the live server's first page loads every app
    clerk.get_by_role("button", name="Vào sổ văn bản đến").click()
    clerk.get_by_label("Hình thức nhận").select_option("paper")
    clerk.get_by_label(re.compile(r"^Nơi gửi")).fill(PEER_NAME)
    clerk.get_by_label("Số văn bản").fill("215")
    clerk.get_by_label("Ký hiệu văn bản").fill("UBND-NN")
    clerk.get_by_label("Ngày văn bản (dd/mm/yyyy)").fill(today.strftime("%d/%m/%Y"))
    clerk.get_by_label("Loại văn bản").select_option(label="Công văn")
    clerk.get_by_label("Trích yếu nội dung").fill("Về việc phối hợp quản lý tuyến đê sông Lam")
    clerk.get_by_label("Tệp văn bản (bản quét PDF, JPEG, PNG; văn bản điện tử: PDF)").set_input_files(str(scan))
    clerk.get_by_role("button", name="Vào sổ", exact=True).click()
    clerk.get_by_text("Đã vào sổ văn bản đến số 1/").wait_for()
    incoming = IncomingDocument.objects.get()
    incoming_url = f"{live_server.url}/van-ban/den/{incoming.pk}/"

    # The leader gives it to the office with a deadline; the office's head assigns a specialist.
    leader = _signed_in(chromium, live_server, w.leader)
    leader.goto(incoming_url)
    leader.get_by_text("Cho ý kiến chỉ đạo", exact=True).first.click()
    leader.get_by_label("Ý kiến chỉ đạo").fill("Giao Văn phòng dự thảo văn bản trả lời, trình ký trong tuần.")
    leader.get_by_label("Đơn vị chủ trì").select_option(label="Văn phòng")
    leader.get_by_label("Hạn xử lý (dd/mm/yyyy)").fill((today + dt.timedelta(days=5)).strftime("%d/%m/%Y"))
    leader.get_by_role("button", name="Cho ý kiến chỉ đạo").click()
    leader.get_by_text("Đã ghi ý kiến chỉ đạo và giao đơn vị chủ trì.").wait_for()

    head = _signed_in(chromium, live_server, w.vp_head)
    head.goto(incoming_url)
    head.get_by_text("Giao chuyên viên xử lý", exact=True).first.click()
    head.get_by_label("Chuyên viên xử lý").select_option(label=w.vp_specialist.full_name)
    head.get_by_role("button", name="Giao chuyên viên xử lý").click()
    head.get_by_text("Đã giao chuyên viên xử lý.").wait_for()
    head.context.close()

    # The specialist drafts the reply, to Hà Tĩnh by the exchange axis, uploads the draft and submits it.
    specialist = _signed_in(chromium, live_server, w.vp_specialist)
    specialist.goto(incoming_url)
    specialist.get_by_role("link", name="Soạn văn bản trả lời").click()
    specialist.get_by_label("Lãnh đạo ký").select_option(label=w.leader.full_name)
    specialist.get_by_label("Chức vụ người ký").fill("CHỦ TỊCH")
    specialist.get_by_label(f"{PEER_ID} — {PEER_NAME}").check()
    specialist.get_by_role("button", name="Tạo văn bản").click()
    specialist.get_by_text("Đã tạo văn bản. Hãy tải lên dự thảo (PDF) rồi trình duyệt.").wait_for()
    reply = OutgoingDocument.objects.get()
    assert reply.reply_to == incoming
    panel = _panel(specialist, "Tải lên dự thảo")
    panel.get_by_label("Tệp PDF").set_input_files(str(draft))
    panel.get_by_role("button", name="Tải lên dự thảo").click()
    specialist.get_by_text("Đã tải lên phiên bản dự thảo mới.").wait_for()
    _act(specialist, "Trình duyệt")
    specialist.get_by_text("Đã trình dự thảo.").wait_for()
    specialist.context.close()

    # The leader signs with his personal certificate; the clerk issues (number, the agency's signature, dispatch).
    reply_url = f"{live_server.url}/van-ban/di/{reply.pk}/"
    leader.goto(reply_url)
    _act(leader, "Ký số")
    leader.get_by_text("Đã ký số văn bản.").wait_for()
    leader.context.close()

    clerk.goto(reply_url)
    _act(clerk, "Phát hành")
    clerk.get_by_text("Đã phát hành văn bản.").wait_for()
    reply.refresh_from_db()
    assert reply.status == OutgoingStatus.ISSUED
    assert reply.code == "01/UBND-VP"
    clerk.get_by_role("heading", name=reply.code).wait_for()
    issued = reply.files.filter(kind="signed").order_by("-pk").first()
    assert issued is not None
    with issued.file.open("rb") as handle:
        signatures = pdf_verify(pdf=handle.read())
    assert [s.ok for s in signatures] == [True, True]
    assert [s.signer_name for s in signatures] == [w.leader.full_name, w.agency.name]

    # A's worker sends the package; Hà Tĩnh's clerk finds it waiting, checked, and accepts it into B's register.
    worker_run()
    eventually(lambda: Recipient.objects.get(outgoing=reply, channel=Recipient.Channel.EDXML).status_code == "01")
    context_b = chromium.new_context(locale="vi-VN", viewport=DESKTOP)
    b = context_b.new_page()
    b.set_default_timeout(20_000)
    b.goto(f"{peer.url}/dang-nhap/")
    b.get_by_label("Tên đăng nhập hoặc số định danh cá nhân (CCCD)").fill(PEER_CLERK)
    b.get_by_label("Mật khẩu").fill(PEER_PASSWORD)
    b.get_by_role("button", name="Đăng nhập", exact=True).click()
    b.goto(f"{peer.url}/van-ban/cho-tiep-nhan/")
    b.get_by_text(f"{reply.number:02d}/{reply.notation}").wait_for()
    b.get_by_role("link", name="trả lời văn bản số 215").click()
    b.get_by_role("button", name="Tiếp nhận và vào sổ văn bản đến").click()
    b.get_by_text("Đã tiếp nhận văn bản điện tử và vào sổ văn bản đến.").wait_for()
    context_b.close()

    # Status 03 came back: A's clerk sees the reply accepted by Hà Tĩnh.
    eventually(lambda: Recipient.objects.get(outgoing=reply, channel=Recipient.Channel.EDXML).status_code == "03")
    clerk.reload()
    clerk.get_by_role("region", name="Nơi nhận").get_by_text("Đã tiếp nhận").wait_for()
    clerk.context.close()
