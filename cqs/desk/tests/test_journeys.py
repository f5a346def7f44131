"""The one-stop issue's four journeys, in a real Chromium: citizens on a phone, officials on a desktop.

1. Online: a citizen applies on a phone, the desk accepts, the specialist forwards, the leader
   decides with the signed result, the desk returns it online; the citizen downloads it and rates.
2. Counter: a paper dossier entered and scanned at the counter, then its receipt (form 01).
3. Supplement: the specialist asks for a missing paper (form 02), the citizen uploads it a
   working day later, the dossier goes back to processing and its appointed time moves.
4. Late: the leader apologises with a new return date (form 04); the citizen sees the date;
   a second apology is refused with the service's message.

Time (journeys 3 and 4): ``time_machine`` moves the clock of the whole process, the live
server's thread included (the browser keeps its own clock, which only matters for cookies, and
Django's cookies carry ``Max-Age``, which Chromium counts from its own clock). We travel to a
fixed Monday 09:00 before building the world, with ``tick=True`` so the clock keeps running
while Playwright waits, then jump forward once, before the action under test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from cqs.core.calendar import WorkingCalendar
from cqs.dossiers import services
from cqs.dossiers.models import Channel, Dossier, DossierFile, FormalNotice, Status
from cqs.dossiers.tests import factories
from cqs.dossiers.tests import factories_journeys as fj

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
LOGIN_LABEL = "Tên đăng nhập hoặc số định danh cá nhân (CCCD)"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# ---------------------------------------------------------------- browser helpers


@pytest.fixture
def desk_page(chromium: Any) -> Iterator[Callable[[], Any]]:
    """desk_page(): a page in a fresh desktop-sized context (one per official), closed after the test."""
    contexts: list[Any] = []

    def make() -> Any:
        context = chromium.new_context(locale="vi-VN", **DESKTOP)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page: Any, base: str, username: str, *, next_url: str, device: Any = None) -> None:
    """Through the real login page; with ``device``, the TOTP step too (the code the app would show)."""
    page.goto(f"{base}/dang-nhap/?next={next_url}")
    page.get_by_label(LOGIN_LABEL).fill(username)
    page.get_by_label("Mật khẩu").fill(factories.PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    if device is not None:
        page.wait_for_url("**/dang-nhap/ma-xac-thuc/**")
        page.get_by_label("Mã xác thực (6 chữ số trong ứng dụng xác thực)").fill(fj.totp_code(device))
        page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url(f"**{next_url}")


def official_opens(page: Any, base: str, user: Any, dossier: Dossier, *, box: str, device: Any = None) -> None:
    """The official logs in, lands on the work boxes, finds the dossier in ``box`` and opens it."""
    log_in(page, base, user.username, next_url="/mot-cua/", device=device)
    assert page.get_by_role("heading", level=1).inner_text() == "Hồ sơ cần xử lý"
    tabs = page.get_by_role("navigation", name="Hộp hồ sơ")
    tabs.get_by_role("link", name=re.compile(f"^{re.escape(box)}")).click()
    page.wait_for_url("**/mot-cua/?hop=*")
    page.get_by_role("link", name=dossier.code, exact=True).click()
    page.wait_for_url(f"**/mot-cua/ho-so/{dossier.code}/")


def action_box(page: Any, label: str) -> Any:
    """The <details> of one desk action, opened."""
    summary = page.locator("summary").filter(has_text=re.compile(f"^{re.escape(label)}$"))
    box = page.locator("details").filter(has=summary)
    if box.get_attribute("open") is None:
        summary.click()
    return box


def desk_act(
    page: Any,
    label: str,
    *,
    fields: dict[str, str] | None = None,
    files: dict[str, Path] | None = None,
    choices: dict[str, str] | None = None,
) -> None:
    """Open one action, fill its small form by labels, press its button and wait for the next page."""
    box = action_box(page, label)
    for name, value in (fields or {}).items():
        box.get_by_label(name).fill(value)
    for name, path in (files or {}).items():
        box.get_by_label(name).set_input_files(str(path))
    for name, option in (choices or {}).items():
        box.get_by_label(name).select_option(label=option)
    with page.expect_navigation():
        box.locator("form").get_by_role("button", name=label, exact=True).click()


def notice(page: Any) -> str:
    """The flash message at the top of the page."""
    return str(page.get_by_role("status").first.inner_text())


def citizen_logs_in(page: Any, base: str, w: factories.World, next_url: str) -> None:
    log_in(page, base, w.citizen.username, next_url=next_url)


# ---------------------------------------------------------------- 1. online, end to end


def test_online_dossier_from_phone_to_result_and_rating(
    live_server: Any, chromium: Any, phone_page: Any, desk_page: Callable[[], Any], settings: Any, tmp_path: Path
) -> None:
    # Officials in production pass the TOTP step: do it for real, each with their authenticator app.
    settings.CQS_OFFICIAL_TOTP_REQUIRED = True
    base = live_server.url
    w = factories.world()
    devices = {user.pk: fj.totp_device(user) for user in (w.officer, w.specialist, w.leader)}
    scan = fj.pdf_on_disk(tmp_path / "files", "to-khai.pdf")
    result = fj.pdf_on_disk(tmp_path / "files", "giay-khai-sinh.pdf")

    # The citizen applies on a phone: procedure → agency → e-form → upload → check → submit.
    page = phone_page
    citizen_logs_in(page, base, w, f"/thu-tuc/{w.procedure.code}/")
    page.get_by_role("button", name="Nộp hồ sơ trực tuyến").click()
    page.wait_for_url(f"**/nop-ho-so/{w.procedure.code}/")
    page.get_by_label("Tìm nơi tiếp nhận theo tên").fill("truong vinh")
    page.get_by_label("Nơi tiếp nhận hồ sơ").select_option(label="UBND phường Trường Vinh")
    page.get_by_label("Nhận kết quả điện tử").check()
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_url("**/to-khai/")
    page.get_by_label("Họ, chữ đệm và tên của trẻ").fill("Nguyễn Văn Bình")
    page.get_by_label("Ngày sinh").fill("02/03/2026")
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_url("**/giay-to/")
    page.get_by_label("Tải lên tệp").set_input_files(str(scan))
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_url("**/kiem-tra/")
    assert page.get_by_text("Nguyễn Văn Bình").is_visible()
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url("**/da-nop-ho-so/**")
    dossier = Dossier.objects.get()
    assert page.locator("#dossier-code").inner_text() == dossier.code
    assert (dossier.status, dossier.channel, dossier.delivery) == (Status.SUBMITTED, Channel.ONLINE, "online")

    # The one-stop officer accepts it from the "to receive" box.
    officer = desk_page()
    official_opens(officer, base, w.officer, dossier, box="Chờ tiếp nhận", device=devices[w.officer.pk])
    desk_act(officer, "Tiếp nhận hồ sơ")
    assert "Đã tiếp nhận hồ sơ" in notice(officer)
    assert officer.get_by_role("link", name="Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả (PDF)").is_visible()
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.due_at is not None

    # The specialist checks it and hands it on to the leader.
    specialist = desk_page()
    official_opens(specialist, base, w.specialist, dossier, box="Đang xử lý", device=devices[w.specialist.pk])
    assert specialist.get_by_role("link", name="Tờ khai đăng ký khai sinh", exact=True).is_visible()
    desk_act(specialist, "Chuyển bước tiếp theo", fields={"Ghi chú": "Đủ điều kiện, đề nghị phê duyệt."})
    assert "Đã chuyển hồ sơ sang bước tiếp theo." in notice(specialist)
    assert specialist.get_by_text("Chờ lãnh đạo phê duyệt").first.is_visible()

    # The leader decides at the last processing step: "Phê duyệt" alone would finish without a
    # file; "Hoàn thành giải quyết" records the decision with the signed result, which is what
    # the citizen downloads, so the leader finishes with it.
    leader = desk_page()
    official_opens(leader, base, w.leader, dossier, box="Chờ phê duyệt", device=devices[w.leader.pk])
    offered = [t.strip() for t in leader.locator(".desk-actions summary").all_inner_texts()]
    assert "Phê duyệt" in offered and "Hoàn thành giải quyết" in offered
    desk_act(
        leader,
        "Hoàn thành giải quyết",
        fields={"Kết quả giải quyết": "Đồng ý đăng ký khai sinh cho cháu Nguyễn Văn Bình."},
        files={"Tệp kết quả (PDF, nếu có)": result},
    )
    assert "Đã ghi kết quả giải quyết" in notice(leader)
    dossier.refresh_from_db()
    assert dossier.status == Status.FINISHED
    assert dossier.files.filter(source=DossierFile.Source.RESULT).count() == 1

    # The officer returns the result online (the register, form 07, records it).
    officer.get_by_role("link", name="Hồ sơ cần xử lý").click()
    officer.wait_for_url("**/mot-cua/")
    officer.get_by_role("navigation", name="Hộp hồ sơ").get_by_role("link", name=re.compile("^Chờ trả kết quả")).click()
    officer.wait_for_url("**/mot-cua/?hop=to_return")
    officer.get_by_role("link", name=dossier.code, exact=True).click()
    officer.wait_for_url(f"**/mot-cua/ho-so/{dossier.code}/")
    desk_act(officer, "Trả kết quả", choices={"Hình thức trả kết quả": "Nhận kết quả điện tử"})
    assert "Đã trả kết quả" in notice(officer)
    dossier.refresh_from_db()
    assert (dossier.status, dossier.delivery) == (Status.RETURNED, "online")
    assert dossier.register_row is not None

    # The citizen downloads the result from the dossier page and rates the service 5 stars.
    page.goto(f"{base}/ho-so-cua-toi/{dossier.code}/")
    assert page.locator("#dossier-status").inner_text() == "Đã trả kết quả"
    link = page.get_by_role("region", name="Kết quả", exact=True).get_by_role("link", name="Kết quả giải quyết")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    href = str(link.get_attribute("href"))
    answer = page.request.get(base + href)
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    anonymous = chromium.new_context()
    try:  # without the citizen's session the result is not served, only the login page
        refused = anonymous.request.get(base + href, max_redirects=0)
        assert refused.status == 302 and "/dang-nhap/" in refused.headers["location"]
    finally:
        anonymous.close()
    page.get_by_label("5 sao — Rất hài lòng").check()
    page.get_by_label("Ý kiến góp ý (không bắt buộc)").fill("Nhanh, không phải đi lại.")
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_url(f"**/ho-so-cua-toi/{dossier.code}/")
    assert "Cảm ơn bạn đã đánh giá." in notice(page)
    assert page.get_by_text("Bạn đã đánh giá 5/5 sao.").is_visible()
    dossier.refresh_from_db()
    assert dossier.rating == 5


# ---------------------------------------------------------------- 2. a paper dossier at the counter


def test_paper_dossier_received_at_the_counter_with_its_receipt(
    live_server: Any, desk_page: Callable[[], Any], tmp_path: Path
) -> None:
    base = live_server.url
    w = factories.world()
    documents = list(w.version.documents.all())
    page = desk_page()
    log_in(page, base, w.officer.username, next_url="/mot-cua/")

    page.get_by_role("link", name="Tiếp nhận tại quầy").click()
    page.wait_for_url("**/mot-cua/tiep-nhan/")
    page.get_by_label("Tìm thủ tục (tên hoặc mã)").fill("khai sinh")
    page.get_by_role("button", name="Tìm thủ tục").click()
    page.get_by_role("link", name="Thủ tục đăng ký khai sinh").click()
    page.wait_for_url(f"**/mot-cua/tiep-nhan/?thu_tuc={w.procedure.code}")
    assert page.get_by_label("Nơi tiếp nhận").input_value() == str(w.agency.pk)
    assert page.get_by_label("Cơ quan giải quyết").input_value() == str(w.agency.pk)

    page.get_by_label("Họ và tên người nộp").fill("Lê Thị Hoa")
    page.get_by_label("Số CCCD hoặc mã số thuế").fill("040195003456")
    page.get_by_label("Địa chỉ").fill("Số 5, đường Lê Lợi, phường Trường Vinh")
    page.get_by_label("Số điện thoại").fill("0912000111")
    page.get_by_label("Cách nhận kết quả").select_option(label="Nhận tại Bộ phận Một cửa")
    page.get_by_label("Họ, chữ đệm và tên của trẻ").fill("Lê Minh Khang")
    page.get_by_label("Ngày sinh").fill("15/02/2026")
    for document in documents:
        scan = fj.pdf_on_disk(tmp_path / "scans", f"ban-quet-{document.pk}.pdf")
        page.get_by_label(f"{document.position}. {document.name}").set_input_files(str(scan))
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()

    page.wait_for_url("**/mot-cua/ho-so/**")
    dossier = Dossier.objects.get()
    assert page.get_by_role("heading", level=1).inner_text() == dossier.code
    assert f"Đã tiếp nhận hồ sơ {dossier.code}" in notice(page)
    assert (dossier.channel, dossier.status, dossier.applicant_name) == (
        Channel.IN_PERSON,
        Status.PROCESSING,
        "Lê Thị Hoa",
    )
    assert dossier.received_at is not None and dossier.due_at is not None and dossier.register_row is not None
    assert sorted(dossier.files.values_list("source", flat=True)) == [DossierFile.Source.SCAN] * len(documents)
    assert page.get_by_text("Lê Minh Khang").is_visible()

    receipt = page.get_by_role("link", name="Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả (PDF)")
    href = f"/ho-so/{dossier.code}/mau/01.pdf"
    assert receipt.get_attribute("href") == href
    # The PDF opens inline, in the browser's viewer, ready to print.
    with page.expect_response(lambda r: r.url.endswith("/mau/01.pdf")) as response_info:
        receipt.click()
    response = response_info.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    printed = page.request.get(base + href)  # the bytes behind the viewer
    assert printed.ok and printed.body().startswith(b"%PDF")


# ---------------------------------------------------------------- 3. a supplement round


def test_supplement_round_moves_the_appointed_time(
    live_server: Any, phone_page: Any, desk_page: Callable[[], Any], tmp_path: Path
) -> None:
    base = live_server.url
    missing = fj.pdf_on_disk(tmp_path / "files", "giay-chung-sinh.pdf")
    with time_machine.travel(fj.MONDAY_0900, tick=True) as clock:
        w = factories.world()
        dossier = services.dossier_submit_online(applicant=w.citizen, filing=factories.filing(w))
        clock.move_to(fj.MONDAY_0900)  # building the world took a few (ticking) seconds
        dossier = services.dossier_accept(dossier=dossier, actor=w.officer)
        due_before = dossier.due_at
        assert due_before is not None

        # The specialist, handling the dossier, asks once and completely for what is missing (form 02).
        specialist = desk_page()
        official_opens(specialist, base, w.specialist, dossier, box="Đang xử lý")
        desk_act(
            specialist,
            "Yêu cầu bổ sung",
            fields={
                "Nội dung cần bổ sung (mỗi dòng một mục)": "Giấy chứng sinh (bản chính)\nGiấy chứng nhận kết hôn",
                "Lý do": "Hồ sơ chưa có giấy chứng sinh.",
                "Người, số điện thoại liên hệ": "Cán bộ chuyenvien, 0238 3844 123",
            },
        )
        assert "Đã gửi yêu cầu bổ sung hồ sơ (mẫu 02)" in notice(specialist)
        dossier.refresh_from_db()
        assert dossier.status == Status.SUPPLEMENT_REQUESTED and dossier.paused_since is not None

        # A working day later the citizen sees the request on the dossier page and uploads the paper.
        clock.move_to(fj.at(3, 9, 0))
        page = phone_page
        citizen_logs_in(page, base, w, f"/ho-so-cua-toi/{dossier.code}/")
        assert page.locator("#dossier-status").inner_text() == "Yêu cầu bổ sung hồ sơ"
        request = page.get_by_role("region", name="Yêu cầu bổ sung hồ sơ")
        assert request.get_by_role("listitem").all_inner_texts() == [
            "Giấy chứng sinh (bản chính)",
            "Giấy chứng nhận kết hôn",
        ]
        assert request.get_by_text("Hồ sơ chưa có giấy chứng sinh.").is_visible()
        request.get_by_label("Giấy chứng sinh (bản chính)").set_input_files(str(missing))
        request.get_by_label("Ghi chú gửi cơ quan giải quyết").fill("Giấy kết hôn: bố mẹ chưa đăng ký kết hôn.")
        request.get_by_role("button", name="Gửi giấy tờ bổ sung").click()
        page.wait_for_url(f"**/ho-so-cua-toi/{dossier.code}/")
        assert "Đã gửi giấy tờ bổ sung" in notice(page)
        assert page.locator("#dossier-status").inner_text() == "Đang xử lý"

        # Back to processing; the appointed time moved by the working hours spent waiting (one day).
        dossier.refresh_from_db()
        assert dossier.status == Status.PROCESSING and dossier.paused_since is None
        assert dossier.due_at is not None and dossier.due_at > due_before
        moved = WorkingCalendar().working_hours_between(due_before, dossier.due_at)
        assert moved == pytest.approx(8, abs=0.05)
        new_due = timezone.localtime(dossier.due_at, fj.OFFICE).strftime("%d/%m/%Y %H:%M")
        assert page.get_by_text(f"Hẹn trả kết quả: {new_due}").is_visible()
        assert dossier.files.filter(source=DossierFile.Source.SUPPLEMENT).count() == 1

        # The specialist's page shows the answered request and the new appointment (two days later the
        # specialist logs in again: an official's idle session ends after 30 minutes).
        log_in(specialist, base, w.specialist.username, next_url=f"/mot-cua/ho-so/{dossier.code}/")
        assert specialist.get_by_text("đã bổ sung").first.is_visible()
        shown = timezone.localtime(dossier.due_at, fj.OFFICE).strftime("%H:%M %d/%m/%Y")
        assert specialist.get_by_text(shown).first.is_visible()


# ---------------------------------------------------------------- 4. a dossier that will be late


def test_leader_apologises_once_with_a_new_date(
    live_server: Any, phone_page: Any, desk_page: Callable[[], Any]
) -> None:
    base = live_server.url
    with time_machine.travel(fj.MONDAY_0900, tick=True) as clock:
        w = factories.world()
        dossier = services.dossier_submit_online(applicant=w.citizen, filing=factories.filing(w))
        clock.move_to(fj.MONDAY_0900)  # building the world took a few (ticking) seconds
        dossier = services.dossier_accept(dossier=dossier, actor=w.officer)
        # 24 working hours from Monday 09:00: Thursday 09:00.
        assert timezone.localtime(dossier.due_at, fj.OFFICE).replace(second=0, microsecond=0) == fj.at(5, 9, 0)

        # Wednesday 08:30: still 8.5 working hours to go, the leader sees it will be late.
        clock.move_to(fj.at(4, 8, 30))
        leader = desk_page()
        official_opens(leader, base, w.leader, dossier, box="Tất cả")
        # A second tab, opened before the apology, still offers the action (a colleague, or a double submit).
        stale = leader.context.new_page()
        stale.goto(leader.url)

        desk_act(
            leader,
            "Xin lỗi và hẹn lại ngày trả",
            fields={
                "Lý do chậm trễ": "Chờ xác minh thông tin nơi cư trú của người mẹ.",
                "Ngày hẹn trả mới (dd/mm/yyyy)": "09/03/2026",
            },
        )
        assert "Đã lập phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết (mẫu 04)." in notice(leader)
        assert leader.get_by_text("17:30 09/03/2026").first.is_visible()
        assert leader.get_by_text("(hẹn ban đầu 09:00 05/03/2026)").is_visible()
        assert leader.locator("summary").filter(has_text="Xin lỗi và hẹn lại ngày trả").count() == 0
        dossier.refresh_from_db()
        assert dossier.extension_count == 1
        assert timezone.localtime(dossier.due_at, fj.OFFICE) == fj.at(9, 17, 30)
        apology = leader.request.get(f"{base}/ho-so/{dossier.code}/mau/04.pdf")
        assert apology.status == 200 and apology.headers["content-type"] == "application/pdf"

        # The second apology is refused by the service, and the page says why (not a 500).
        with stale.expect_response(lambda r: "/xu-ly/apologise/" in r.url) as posted:
            desk_act(
                stale,
                "Xin lỗi và hẹn lại ngày trả",
                fields={"Lý do chậm trễ": "Vẫn chờ xác minh.", "Ngày hẹn trả mới (dd/mm/yyyy)": "10/03/2026"},
            )
        assert posted.value.status == 302
        assert stale.url.endswith(f"/mot-cua/ho-so/{dossier.code}/")
        assert f"Ngày hẹn trả của hồ sơ {dossier.code} đã được hẹn lại một lần" in notice(stale)
        dossier.refresh_from_db()
        assert dossier.extension_count == 1
        assert FormalNotice.objects.filter(dossier=dossier, form=FormalNotice.Form.APOLOGY).count() == 1

        # The citizen's dossier page shows the new appointed date and the apology.
        page = phone_page
        citizen_logs_in(page, base, w, f"/ho-so-cua-toi/{dossier.code}/")
        assert page.get_by_text("Hẹn trả kết quả: 09/03/2026 17:30").is_visible()
        assert page.get_by_text("hẹn trả mới: 09/03/2026 17:30").is_visible()
