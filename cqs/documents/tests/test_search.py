"""Full-text search over documents: metadata and PDF text, with or without diacritics, ranked, visible only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cqs.documents.models import DocumentType, Secrecy, Urgency
from cqs.documents.permissions import incoming_visible_to, outgoing_visible_to
from cqs.documents.search import selectors as selectors_search
from cqs.documents.search.selectors import SearchFilters, document_search, tsquery_text
from cqs.documents.tests import factories
from cqs.documents.tests.factories import DocumentsWorld
from cqs.documents.tests.registers_support import at, incoming, outgoing, vietnamese_pdf

pytestmark = pytest.mark.django_db

PDF_LINES = (
    "Phương án xử lý sạt lở bờ sông Lam đoạn qua xã Hưng Nguyên.",
    "Đề nghị Văn phòng tổng hợp, báo cáo trước ngày 30 tháng 11.",
)


@pytest.fixture(autouse=True)
def _officials_without_totp(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


@pytest.fixture
def w(db: Any) -> DocumentsWorld:
    return factories.documents_world()


def find(user: Any, query: str, **filters: Any) -> list[str]:
    page = document_search(user=user, filters=SearchFilters(query=query, **filters))
    return [hit.document.subject for hit in page.hits]


def test_the_query_is_folded_every_word_required_the_last_one_a_prefix() -> None:
    assert tsquery_text("Kế hoạch PHÒNG") == "'ke' & 'hoach' & 'phong':*"
    assert tsquery_text("đường  Đê 2026") == "'duong' & 'de' & '2026'"
    assert tsquery_text("a") == "'a'"
    assert tsquery_text("  ?!  ") == ""
    assert tsquery_text("x' | yz") == "'x' & 'yz':*"


def test_text_only_in_the_pdf_is_found_with_and_without_diacritics(w: DocumentsWorld) -> None:
    incoming(w, subject="Về việc phối hợp xử lý sự cố", pdf=vietnamese_pdf(*PDF_LINES))
    incoming(w, subject="Về việc tổ chức hội nghị")
    for query in ("sạt lở bờ sông", "sat lo bo song", "SAT LO", "hưng nguy"):
        assert find(w.leader, query) == ["Về việc phối hợp xử lý sự cố"], query
    page = document_search(user=w.leader, filters=SearchFilters(query="sat lo"))
    snippet = page.hits[0].snippet
    assert ("sạt", True) in snippet and ("lở", True) in snippet
    assert "".join(part for part, _mark in snippet).startswith("Phương án xử lý sạt lở bờ sông Lam")


def test_metadata_is_found_and_marked_in_the_subject(w: DocumentsWorld) -> None:
    incoming(w, subject="Về việc đẩy mạnh chuyển đổi số", sender_name="Bộ Khoa học và Công nghệ")
    assert find(w.clerk, "chuyen doi so") == ["Về việc đẩy mạnh chuyển đổi số"]
    assert find(w.clerk, "bo khoa hoc") == ["Về việc đẩy mạnh chuyển đổi số"]
    assert find(w.clerk, "125 STC") == ["Về việc đẩy mạnh chuyển đổi số"]
    page = document_search(user=w.clerk, filters=SearchFilters(query="chuyển đổi"))
    assert page.hits[0].subject == [("Về việc đẩy mạnh ", False), ("chuyển", True), (" ", False), ("đổi", True),
                                    (" số", False)]  # fmt: skip
    assert page.hits[0].snippet == []


def test_a_match_in_the_subject_ranks_above_a_match_in_the_text_then_the_newest(w: DocumentsWorld) -> None:
    today = dt.date.today()
    incoming(w, subject="Báo cáo tháng", pdf=vietnamese_pdf("Công tác phòng chống thiên tai."), received=at(today))
    incoming(w, subject="Phòng chống thiên tai năm nay", received=at(today - dt.timedelta(days=30)))
    incoming(w, subject="Phòng chống thiên tai năm trước", received=at(today - dt.timedelta(days=300)))
    assert find(w.leader, "thien tai") == [
        "Phòng chống thiên tai năm nay",
        "Phòng chống thiên tai năm trước",
        "Báo cáo tháng",
    ]


def test_metadata_matches_come_first_newest_first_then_text_matches_newest_first(w: DocumentsWorld) -> None:
    today = dt.date.today()
    body = vietnamese_pdf("Phân công cán bộ trực ban phòng chống lụt bão.")
    incoming(w, subject="Báo cáo tuần mới nhất", pdf=body, received=at(today))
    incoming(w, subject="Lịch trực ban lụt bão cũ", received=at(today - dt.timedelta(days=400)))
    outgoing(w, subject="Kế hoạch trực ban lụt bão", issued=at(today - dt.timedelta(days=10)))
    incoming(w, subject="Báo cáo tuần cũ", pdf=body, received=at(today - dt.timedelta(days=5)))
    incoming(w, subject="Trực ban", pdf=vietnamese_pdf("Mưa lớn kéo dài, lụt bão."), received=at(today))
    page = document_search(user=w.leader, filters=SearchFilters(query="truc ban lut bao"))
    assert [(h.document.subject, h.tier) for h in page.hits] == [
        ("Kế hoạch trực ban lụt bão", selectors_search.IN_METADATA),
        ("Lịch trực ban lụt bão cũ", selectors_search.IN_METADATA),
        ("Trực ban", selectors_search.IN_TEXT),  # "trực ban" in the subject, "lụt bão" only in the file
        ("Báo cáo tuần mới nhất", selectors_search.IN_TEXT),
        ("Báo cáo tuần cũ", selectors_search.IN_TEXT),
    ]
    assert [h.kind for h in page.hits][:2] == ["outgoing", "incoming"]


def test_pages_run_on_from_the_metadata_matches_into_the_text_matches(
    w: DocumentsWorld, monkeypatch: Any, django_assert_num_queries: Any
) -> None:
    monkeypatch.setattr(selectors_search, "PAGE_SIZE", 3)
    day = dt.date(2026, 1, 1)
    for n in range(4):
        incoming(w, subject=f"Tiếp công dân đợt {n}", received=at(day + dt.timedelta(days=n)))
    for n in range(3):
        pdf = vietnamese_pdf(f"Lịch tiếp công dân định kỳ {n}.")
        incoming(w, subject=f"Thông báo số {n}", pdf=pdf, received=at(day + dt.timedelta(days=10 + n)))
    pages = [document_search(user=w.leader, filters=SearchFilters(query="tiep cong dan"), page=n) for n in (1, 2, 3)]
    assert [[h.document.subject for h in p.hits] for p in pages] == [
        ["Tiếp công dân đợt 3", "Tiếp công dân đợt 2", "Tiếp công dân đợt 1"],
        ["Tiếp công dân đợt 0", "Thông báo số 2", "Thông báo số 1"],
        ["Thông báo số 0"],
    ]
    assert [p.has_next for p in pages] == [True, True, False]
    assert pages[1].hits[1].snippet[1] == ("tiếp", True)
    # Four queries and no file text: the incoming window fills the page, the outgoing window (empty) falls back
    # to the GIN index, the document types of the page.
    with django_assert_num_queries(4):
        document_search(user=w.leader, filters=SearchFilters(query="tiep cong dan"))


def test_outsiders_and_officials_without_a_part_find_nothing(w: DocumentsWorld) -> None:
    incoming(w, subject="Về việc quy hoạch vùng nguyên liệu", lead_department=w.kt)
    outgoing(w, subject="Quyết định quy hoạch vùng nguyên liệu chè", drafting_department=w.kt, drafter=w.kt_specialist)
    assert len(find(w.leader, "quy hoach vung")) == 2
    assert len(find(w.kt_specialist, "quy hoach vung")) == 2
    assert find(w.outsider, "quy hoach vung") == []
    assert find(w.vp_specialist, "quy hoach vung") == []


def test_a_classified_document_is_found_only_by_those_named_and_the_leadership(w: DocumentsWorld) -> None:
    incoming(w, subject="Phương án bảo vệ mục tiêu", secrecy=Secrecy.SECRET, lead_department=w.kt)
    assert find(w.leader, "muc tieu") == ["Phương án bảo vệ mục tiêu"]
    assert find(w.kt_head, "muc tieu") == ["Phương án bảo vệ mục tiêu"]
    assert find(w.kt_specialist, "muc tieu") == []


def test_filters_kind_year_type_and_urgency(w: DocumentsWorld) -> None:
    report = DocumentType.objects.get(name="Báo cáo")
    incoming(w, subject="Cải cách hành chính quý I", received=at(dt.date(2025, 3, 1)), document_type=report)
    incoming(w, subject="Cải cách hành chính khẩn", received=at(dt.date(2026, 3, 1)), urgency=Urgency.URGENT)
    outgoing(w, subject="Cải cách hành chính kế hoạch", issued=at(dt.date(2026, 4, 1)))
    assert len(find(w.leader, "cai cach")) == 3
    assert find(w.leader, "cai cach", kind="outgoing") == ["Cải cách hành chính kế hoạch"]
    assert find(w.leader, "cai cach", kind="incoming", year=2025) == ["Cải cách hành chính quý I"]
    assert find(w.leader, "cai cach", document_type=report.pk) == ["Cải cách hành chính quý I"]
    assert find(w.leader, "cai cach", urgency=Urgency.URGENT) == ["Cải cách hành chính khẩn"]


def test_results_come_a_page_at_a_time_without_counting(
    w: DocumentsWorld, monkeypatch: Any, django_assert_max_num_queries: Any
) -> None:
    monkeypatch.setattr(selectors_search, "PAGE_SIZE", 3)
    for n in range(7):
        incoming(w, subject=f"Giấy mời họp số {n}", received=at(dt.date(2026, 1, 1) + dt.timedelta(days=n)))
    first = document_search(user=w.leader, filters=SearchFilters(query="giay moi"))
    assert [h.document.subject for h in first.hits] == ["Giấy mời họp số 6", "Giấy mời họp số 5", "Giấy mời họp số 4"]
    assert first.has_next
    last = document_search(user=w.leader, filters=SearchFilters(query="giay moi"), page=3)
    assert [h.document.subject for h in last.hits] == ["Giấy mời họp số 0"]
    assert not last.has_next
    with django_assert_max_num_queries(10):
        document_search(user=w.leader, filters=SearchFilters(query="giay moi"), page=2)


def test_the_search_page(w: DocumentsWorld) -> None:
    incoming(w, subject="Về việc phối hợp xử lý sự cố", pdf=vietnamese_pdf(*PDF_LINES))
    client = Client()
    client.force_login(w.vp_head)
    assert "Về việc phối hợp" not in client.get(reverse("documents:search"), {"q": "sat lo"}).content.decode()
    client.force_login(w.leader)
    response = client.get(reverse("documents:search"), {"q": "sat lo", "loai": "incoming"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Về việc phối hợp xử lý sự cố" in html
    assert "<mark>sạt</mark> <mark>lở</mark>" in html
    response = client.get(reverse("documents:search"), {"q": "sat lo", "nam": "3000"})
    assert response.status_code == 400
    assert "Năm phải từ 2000 đến 2100." in response.content.decode()
    assert (
        "Không tìm thấy văn bản nào phù hợp." in client.get(reverse("documents:search"), {"q": "zzzz"}).content.decode()
    )


def test_who_may_not_use_the_search_page(w: DocumentsWorld, citizen: Any) -> None:
    url = reverse("documents:search")
    client = Client()
    assert client.get(url).status_code == 302
    client.force_login(citizen)
    assert client.get(url, {"q": "so"}).status_code == 404
    client.force_login(factories.official("vb_khong_vai_tro", w.agency))
    assert client.get(url, {"q": "so"}).status_code == 404


def test_the_search_scope_is_exactly_what_the_visibility_policy_allows(w: DocumentsWorld) -> None:
    incoming(w, subject="Thường", lead_department=w.kt)
    incoming(w, subject="Mật", secrecy=Secrecy.SECRET)
    outgoing(w, subject="Đã ban hành", drafting_department=w.kt)
    outgoing(w, subject="Dự thảo", status="draft")
    for user in (w.leader, w.clerk, w.kt_head, w.kt_specialist, w.vp_specialist, w.outsider):
        assert set(selectors_search.incoming_scope(user)) == set(incoming_visible_to(user)), user.username
        assert set(selectors_search.outgoing_scope(user)) == set(outgoing_visible_to(user)), user.username
