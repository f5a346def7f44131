"""The citizen's dossiers, their actions, the public lookup and the papers store; every refusal is a 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cqs.dossiers import services
from cqs.dossiers.models import Dossier, Status, StoredPaper
from cqs.dossiers.tests import factories
from cqs.dossiers.tests.factories_portalapply import (
    accepted,
    client_for,
    exe,
    finished,
    png_named_pdf,
    returned,
    submitted,
    upload,
)

pytestmark = pytest.mark.django_db


def _detail(dossier: Dossier) -> str:
    return reverse("portal:dossier", args=[dossier.code])


def test_my_dossiers_lists_only_mine_and_filters(w: factories.World) -> None:
    mine_open = submitted(w)
    mine_closed = services.dossier_withdraw(dossier=submitted(w), actor=w.citizen, reason="Nộp nhầm")
    services.dossier_submit_online(
        applicant=w.stranger, filing=factories.filing(w, applicant_name="Trần Văn Hùng", applicant_id_number="")
    )
    client = client_for(w.citizen)
    html = client.get(reverse("portal:dossiers")).content.decode()
    assert mine_open.code in html and mine_closed.code in html and "Thủ tục đăng ký khai sinh" in html
    assert Dossier.objects.filter(applicant=w.stranger).get().code not in html
    assert "Mới đăng ký" in html and "Đã rút hồ sơ" in html
    only_open = client.get(reverse("portal:dossiers") + "?loai=dang-xu-ly").content.decode()
    assert mine_open.code in only_open and mine_closed.code not in only_open
    only_closed = client.get(reverse("portal:dossiers") + "?loai=da-ket-thuc").content.decode()
    assert mine_closed.code in only_closed and mine_open.code not in only_closed


def test_the_dossier_page_shows_status_due_time_timeline_and_next_step(w: factories.World) -> None:
    dossier = accepted(w)
    html = client_for(w.citizen).get(_detail(dossier)).content.decode()
    assert "Đang xử lý" in html
    assert dossier.due_at is not None
    assert timezone.localtime(dossier.due_at).strftime("%d/%m/%Y %H:%M") in html
    assert "Nộp hồ sơ trực tuyến" in html and "Hồ sơ được tiếp nhận" in html
    assert timezone.localtime(dossier.submitted_at).strftime("%d/%m/%Y %H:%M") in html
    assert "Bạn chưa cần làm gì thêm." in html
    assert f"/ho-so/{dossier.code}/mau/01.pdf" in html
    assert reverse("portal:dossier_withdraw", args=[dossier.code]) in html


def test_strangers_officials_and_anonymous_get_nothing(w: factories.World) -> None:
    dossier = finished(w)
    result = dossier.files.get(source="result")
    urls = [
        _detail(dossier),
        reverse("portal:dossier_file", args=[dossier.code, result.pk]),
        reverse("portal:dossier_withdraw", args=[dossier.code]),
    ]
    posts = [
        reverse("portal:dossier_supplement", args=[dossier.code]),
        reverse("portal:dossier_delivery", args=[dossier.code]),
        reverse("portal:dossier_rate", args=[dossier.code]),
    ]
    for user in (w.stranger, w.officer):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 404, url
        for url in posts:
            assert client.post(url, {"delivery": "post", "rating": 1}).status_code == 404, url
    for url in urls:
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert Dossier.objects.get(pk=dossier.pk).delivery == "online"
    owner = client_for(w.citizen)
    response = owner.get(urls[1])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment;" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_supplement_answer_resumes_the_dossier(w: factories.World) -> None:
    dossier = services.dossier_request_supplement(
        dossier=accepted(w),
        actor=w.specialist,
        items=["Bản sao giấy chứng sinh", "Giấy đăng ký kết hôn"],
        reason="Thiếu giấy chứng sinh",
        contact="Chị Hoa, 0238 3844 555",
    )
    client = client_for(w.citizen)
    html = client.get(_detail(dossier)).content.decode()
    for text in ("Bản sao giấy chứng sinh", "Thiếu giấy chứng sinh", "Chị Hoa, 0238 3844 555", "Gửi giấy tờ bổ sung"):
        assert text in html
    url = reverse("portal:dossier_supplement", args=[dossier.code])
    empty = client.post(url, {"note": "x"})
    assert empty.status_code == 400 and "Vui lòng tải lên giấy tờ cần bổ sung." in empty.content.decode()
    wrong = client.post(url, {"item_0": exe()})
    assert wrong.status_code == 400 and "không đúng loại" in wrong.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUPPLEMENT_REQUESTED

    response = client.post(url, {"item_0": upload("chung-sinh.pdf"), "item_1": png_named_pdf(), "note": "Đã đủ"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.paused_since is None
    assert sorted(dossier.files.filter(source="supplement").values_list("name", "kind")) == [
        ("Bản sao giấy chứng sinh", "pdf"),
        ("Giấy đăng ký kết hôn", "png"),
    ]
    assert "Công dân bổ sung hồ sơ" in client.get(_detail(dossier)).content.decode()


def test_withdraw_asks_for_a_reason_and_a_confirmation(w: factories.World) -> None:
    dossier = submitted(w)
    client = client_for(w.citizen)
    url = reverse("portal:dossier_withdraw", args=[dossier.code])
    page = client.get(url).content.decode()
    assert "Xác nhận rút hồ sơ" in page
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert "Vui lòng ghi lý do rút hồ sơ." in refused.content.decode()
    assert "Đánh dấu xác nhận để rút hồ sơ." in refused.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED
    assert client.post(url, {"reason": "Nộp nhầm thủ tục", "confirm": "on"}).status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).status == Status.WITHDRAWN
    again = client.get(url, follow=True)
    assert "Không thể rút hồ sơ" in again.content.decode()


def test_choose_delivery(w: factories.World) -> None:
    dossier = accepted(w)
    client = client_for(w.citizen)
    url = reverse("portal:dossier_delivery", args=[dossier.code])
    bad = client.post(url, {"delivery": "drone"})
    assert bad.status_code == 400
    assert client.post(url, {"delivery": "post"}).status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).delivery == "post"


def test_rating_once_after_the_result_is_returned(w: factories.World) -> None:
    dossier = returned(w)
    client = client_for(w.citizen)
    html = client.get(_detail(dossier)).content.decode()
    assert 'type="radio" name="rating"' in html and "5 sao — Rất hài lòng" in html
    assert "Đã trả kết quả" in html and "Cấp giấy khai sinh" in html
    url = reverse("portal:dossier_rate", args=[dossier.code])
    assert client.post(url, {"rating": "9"}).status_code == 400
    assert client.post(url, {"rating": "4", "comment": "Nhanh, chu đáo"}).status_code == 302
    again = client.post(url, {"rating": "1"}, follow=True).content.decode()
    assert f"Bạn đã đánh giá hồ sơ {dossier.code}." in again
    dossier.refresh_from_db()
    assert dossier.rating == 4 and dossier.rating_comment == "Nhanh, chu đáo"
    assert "Bạn đã đánh giá 4/5 sao." in again
    # the result went to the citizen's store of papers
    assert StoredPaper.objects.filter(owner=w.citizen, is_result=True).count() == 1


def test_public_lookup_shows_progress_and_no_personal_data(client: Any, w: factories.World) -> None:
    dossier = accepted(w)
    url = reverse("portal:dossier_lookup")
    html = client.get(url, {"ma": f"  {dossier.code.lower()} "}).content.decode()
    assert dossier.code in html and "Thủ tục đăng ký khai sinh" in html and "Đang xử lý" in html
    for secret in ("Nguyễn Thị Lan", "040190012345", "0912345678", "lan@example.vn"):
        assert secret not in html
    missing = client.get(url, {"ma": "KHONG-CO-0001"}).content.decode()
    assert "Không tìm thấy hồ sơ có mã này." in missing
    long = client.get(url, {"ma": "A" * 500})
    assert long.status_code == 200 and "Mã hồ sơ không quá 60 ký tự." in long.content.decode()
    assert 'maxlength="60"' in client.get(url).content.decode()
    assert url in client.get(reverse("portal:home")).content.decode()


def test_my_papers_upload_list_and_download(w: factories.World) -> None:
    client = client_for(w.citizen)
    bad = client.post(reverse("portal:paper_add"), {"name": "Chương trình", "file": exe()})
    assert bad.status_code == 400 and "không đúng loại" in bad.content.decode()
    unnamed = client.post(reverse("portal:paper_add"), {"name": "", "file": upload()})
    assert "Đặt tên cho giấy tờ." in unnamed.content.decode()
    assert client.post(reverse("portal:paper_add"), {"name": "Căn cước công dân", "file": upload()}).status_code == 302
    paper = StoredPaper.objects.get(owner=w.citizen)
    assert "Căn cước công dân" in client.get(reverse("portal:papers")).content.decode()
    download = reverse("portal:paper_download", args=[paper.pk])
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert client_for(w.stranger).get(download).status_code == 404
    assert client_for(w.officer).get(reverse("portal:papers")).status_code == 404
    assert Client().get(reverse("portal:papers")).status_code == 302
