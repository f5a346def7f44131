"""Incoming-document pages: the work boxes, registering with files, the detail with its slip, actions, downloads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cqs.documents.incoming import services
from cqs.documents.models import IncomingDocument, IncomingStatus
from cqs.documents.tests import factories
from cqs.documents.tests.factories import PDF_BYTES, DocumentsWorld, incoming, upload

pytestmark = pytest.mark.django_db

S = IncomingStatus


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


def register_data(w: DocumentsWorld, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "agency": w.agency.pk,
        "channel": "paper",
        "sender_name": "Bộ Tài chính",
        "code_number": "15",
        "code_notation": "BTC-NSNN",
        "document_date": "03/02/2026",
        "document_type": w.doc_type_letter.pk,
        "subject": "Về việc hướng dẫn lập dự toán",
        "urgency": "urgent",
        "secrecy": "normal",
        "reply_due": "",
        "signer_name": "",
        "note": "",
    }
    data.update(overrides)
    return data


def test_the_clerk_registers_with_a_scan_and_an_attachment(w: DocumentsWorld) -> None:
    client = as_user(w.clerk)
    page = client.get(reverse("documents:incoming_register"))
    assert page.status_code == 200
    assert "Vào sổ văn bản đến" in page.content.decode()
    response = client.post(
        reverse("documents:incoming_register"),
        {
            **register_data(w),
            "main_file": upload(PDF_BYTES, "cong-van-15.pdf"),
            "attachments": [upload(factories.PNG_BYTES, "phu-luc.png")],
        },
    )
    document = IncomingDocument.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:incoming_detail", args=[document.pk])
    assert (document.number, document.urgency, document.document_date) == (1, "urgent", dt.date(2026, 2, 3))
    assert sorted(document.files.values_list("kind", "name")) == [
        ("attachment", "phu-luc.png"),
        ("scan", "cong-van-15.pdf"),
    ]
    detail = client.get(response["Location"])
    assert "Đã vào sổ văn bản đến số 1/" in detail.content.decode()


def test_registering_a_bad_file_shows_the_reason_and_keeps_the_number(w: DocumentsWorld) -> None:
    client = as_user(w.clerk)
    response = client.post(
        reverse("documents:incoming_register"),
        {**register_data(w, channel="electronic"), "main_file": upload(b"plain text", "cong-van.pdf")},
    )
    assert response.status_code == 400
    assert "Tệp “cong-van.pdf” không đúng loại: văn bản điện tử chỉ nhận PDF." in response.content.decode()
    assert IncomingDocument.objects.count() == 0
    bad_date = client.post(reverse("documents:incoming_register"), register_data(w, document_date="2026-02-03"))
    assert bad_date.status_code == 400
    assert "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/09/2025." in bad_date.content.decode()
    assert client.post(reverse("documents:incoming_register"), register_data(w)).status_code == 302
    assert IncomingDocument.objects.get().number == 1


@pytest.mark.parametrize("who", ["leader", "vp_specialist", "kt_head", "citizen"])
def test_only_clerks_open_the_register_form(w: DocumentsWorld, who: str) -> None:
    user = factories.User.objects.create_user(username="dan", full_name="Dân") if who == "citizen" else getattr(w, who)
    client = as_user(user)
    assert client.get(reverse("documents:incoming_register")).status_code == 404
    assert client.post(reverse("documents:incoming_register"), register_data(w)).status_code == 404
    assert IncomingDocument.objects.count() == 0


def test_the_outsider_clerk_cannot_register_into_another_agency(w: DocumentsWorld) -> None:
    response = as_user(w.outsider).post(reverse("documents:incoming_register"), register_data(w))
    assert response.status_code == 400
    assert "Hãy chọn một lựa chọn hợp lệ" in response.content.decode()
    assert IncomingDocument.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in(w: DocumentsWorld) -> None:
    document = incoming(w)
    for url in (
        reverse("documents:incoming_list"),
        reverse("documents:incoming_detail", args=[document.pk]),
        reverse("documents:incoming_slip_pdf", args=[document.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_leader_sees_urgent_documents_first_and_highlighted(w: DocumentsWorld) -> None:
    incoming(w, subject="Văn bản thường")
    urgent = incoming(w, subject="Công điện hỏa tốc về phòng chống bão", urgency="flash")
    page = as_user(w.leader).get(reverse("documents:incoming_list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "1 văn bản khẩn chờ cho ý kiến" in html
    assert html.index("Công điện hỏa tốc") < html.index("Văn bản thường")
    assert 'class="urgent"' in html
    assert f'href="/van-ban/den/{urgent.pk}/"' in html
    assert 'Chờ cho ý kiến<span class="n">2</span>' in html


def test_the_list_shows_overdue_badges_and_searches(w: DocumentsWorld) -> None:
    document = incoming(w, subject="Kế hoạch đầu tư công")
    services.incoming_direct(
        incoming=document,
        actor=w.leader,
        instruction="Giao KT",
        lead_department=w.kt,
        deadline=timezone.localdate(),
    )
    IncomingDocument.objects.filter(pk=document.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    incoming(w, subject="Việc khác")
    client = as_user(w.kt_head)
    page = client.get(reverse("documents:incoming_list"), {"hop": "late"})
    assert '<span class="badge badge-late">Quá hạn</span>' in page.content.decode()
    found = client.get(reverse("documents:incoming_list"), {"hop": "all", "q": "dau tu"}).content.decode()
    assert "Kế hoạch đầu tư công" in found and "Việc khác" not in found
    assert client.get(reverse("documents:incoming_list"), {"hop": "nope"}).status_code == 404


def test_detail_shows_only_the_actions_the_person_may_take(w: DocumentsWorld) -> None:
    document = incoming(w)
    url = reverse("documents:incoming_detail", args=[document.pk])
    leader_page = as_user(w.leader).get(url).content.decode()
    assert reverse("documents:incoming_act", args=[document.pk, "direct"]) in leader_page
    assert reverse("documents:incoming_act", args=[document.pk, "return"]) not in leader_page
    clerk_page = as_user(w.clerk).get(url).content.decode()
    assert reverse("documents:incoming_act", args=[document.pk, "return"]) in clerk_page
    assert reverse("documents:incoming_act", args=[document.pk, "direct"]) not in clerk_page
    assert as_user(w.kt_specialist).get(url).status_code == 404  # not yet given to Phòng Kinh tế
    assert as_user(w.outsider).get(url).status_code == 404


def test_the_slip_through_the_pages(w: DocumentsWorld) -> None:
    document = incoming(w)

    def act(user: Any, slug: str, data: dict[str, Any]) -> Any:
        url = reverse("documents:incoming_act", args=[document.pk, slug])
        return as_user(user).post(url, {f"{slug}-{k}": v for k, v in data.items()})

    deadline = (timezone.localdate() + dt.timedelta(days=7)).strftime("%d/%m/%Y")
    response = act(
        w.leader,
        "direct",
        {
            "instruction": "Giao Phòng Kinh tế chủ trì",
            "lead_department": w.kt.pk,
            "coordinating_departments": [w.vp.pk],
            "deadline": deadline,
        },
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == S.ASSIGNED
    assert act(w.kt_head, "assign-handler", {"handler": w.kt_specialist.pk, "note": "Xử lý gấp"}).status_code == 302
    assert act(w.vp_specialist, "comment", {"text": "Có số liệu"}).status_code == 302
    assert act(w.kt_specialist, "propose", {"proposal": "Trả lời bằng công văn"}).status_code == 302
    assert act(w.kt_specialist, "complete", {"note": "Xong"}).status_code == 302
    document.refresh_from_db()
    assert document.status == S.COMPLETED
    page = as_user(w.leader).get(reverse("documents:incoming_detail", args=[document.pk])).content.decode()
    for text in ("Giao Phòng Kinh tế chủ trì", "Xử lý gấp", "Trả lời bằng công văn", "Có số liệu", "Văn phòng"):
        assert text in page


def test_action_errors_are_shown_and_wrong_people_get_404(w: DocumentsWorld) -> None:
    document = incoming(w)
    url = reverse("documents:incoming_act", args=[document.pk, "direct"])
    past = (timezone.localdate() - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    response = as_user(w.leader).post(
        url, {"direct-instruction": "Giao", "direct-lead_department": w.kt.pk, "direct-deadline": past}
    )
    assert response.status_code == 400
    assert "Hạn xử lý không được là ngày đã qua." in response.content.decode()
    for user in (w.clerk, w.kt_head, w.outsider):
        refused = as_user(user).post(url, {"direct-instruction": "Giao", "direct-lead_department": w.kt.pk})
        assert refused.status_code == 404
    assert as_user(w.leader).post(reverse("documents:incoming_act", args=[document.pk, "nope"])).status_code == 404
    assert as_user(w.leader).get(url).status_code == 405
    document.refresh_from_db()
    assert document.status == S.REGISTERED


def test_acting_out_of_order_says_the_state(w: DocumentsWorld) -> None:
    document = incoming(w)
    services.incoming_return(incoming=document, actor=w.clerk, reason="Gửi nhầm")
    response = as_user(w.leader).post(
        reverse("documents:incoming_act", args=[document.pk, "direct"]),
        {"direct-instruction": "Giao", "direct-lead_department": w.kt.pk},
        follow=True,
    )
    assert "đang ở trạng thái «Đã trả lại nơi gửi»" in response.content.decode()


def test_files_download_only_for_those_who_see_the_document(w: DocumentsWorld) -> None:
    document = incoming(w, secrecy="confidential")
    stored = document.files.get()
    url = reverse("documents:incoming_file", args=[document.pk, stored.pk])
    response = as_user(w.leader).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    for user in (w.vp_specialist, w.kt_head, w.outsider):
        assert as_user(user).get(url).status_code == 404
    other = incoming(w)
    assert as_user(w.leader).get(reverse("documents:incoming_file", args=[other.pk, stored.pk])).status_code == 404


def test_the_handling_slip_pdf(w: DocumentsWorld) -> None:
    document = incoming(w)
    services.incoming_direct(incoming=document, actor=w.leader, instruction="Giao KT", lead_department=w.kt)
    response = as_user(w.leader).get(reverse("documents:incoming_slip_pdf", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF-")
    from cqs.documents.search.extraction import pdf_text_extract

    text = pdf_text_extract(content).text
    assert "PHIẾU GIẢI QUYẾT VĂN BẢN ĐẾN" in text and "Phòng Kinh tế" in text
    assert as_user(w.outsider).get(reverse("documents:incoming_slip_pdf", args=[document.pk])).status_code == 404


def test_section_tabs_and_the_nav_link(w: DocumentsWorld) -> None:
    html = as_user(w.leader).get(reverse("documents:incoming_list")).content.decode()
    assert f'<a href="{reverse("documents:incoming_list")}" aria-current="page">Văn bản</a>' in html
    assert 'aria-current="page">Văn bản đến</a>' in html


def test_the_list_page_costs_a_fixed_number_of_queries(w: DocumentsWorld, django_assert_max_num_queries: Any) -> None:
    client = as_user(w.kt_head)
    for _ in range(3):
        document = incoming(w)
        services.incoming_direct(incoming=document, actor=w.leader, instruction="Giao", lead_department=w.kt)
    client.get(reverse("documents:incoming_list"))
    with django_assert_max_num_queries(20) as captured:
        assert client.get(reverse("documents:incoming_list"), {"hop": "lead"}).status_code == 200
    count = len(captured.captured_queries)
    for _ in range(5):
        more = incoming(w, urgency="urgent")
        services.incoming_direct(incoming=more, actor=w.leader, instruction="Giao", lead_department=w.kt)
        services.incoming_assign_handler(incoming=more, actor=w.kt_head, handler=w.kt_specialist)
    with django_assert_max_num_queries(count):
        client.get(reverse("documents:incoming_list"), {"hop": "lead"})


def test_section_tabs_leave_out_pages_that_do_not_exist(monkeypatch: Any) -> None:
    from cqs.documents.templatetags import documents_nav

    monkeypatch.setattr(
        documents_nav, "TABS", [*documents_nav.TABS[:1], ("missing", "Không có", "documents:khong_co_trang_nay", None)]
    )
    tabs = documents_nav.documents_tabs(AnonymousUser(), "incoming")
    assert tabs == [{"key": "incoming", "label": "Văn bản đến", "url": "/van-ban/den/", "current": True}]


def test_only_a_clerk_is_shown_the_tab_of_electronic_documents_waiting(w: DocumentsWorld) -> None:
    pending = reverse("documents:exchange_pending")
    for official in (w.leader, w.kt_head, w.kt_specialist):
        page = as_user(official).get(reverse("documents:incoming_list")).content.decode()
        assert f'href="{pending}"' not in page
        assert as_user(official).get(pending).status_code == 404
    page = as_user(w.clerk).get(reverse("documents:incoming_list")).content.decode()
    assert f'href="{pending}"' in page


def test_a_file_over_the_limit_is_refused_before_it_is_read(w: DocumentsWorld, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "MAX_FILE_BYTES", 100)
    response = as_user(w.clerk).post(
        reverse("documents:incoming_register"), {**register_data(w), "main_file": upload(PDF_BYTES, "cong-van.pdf")}
    )
    assert response.status_code == 400
    assert "Tệp “cong-van.pdf” lớn hơn giới hạn 100 byte." in response.content.decode()
    assert IncomingDocument.objects.count() == 0
