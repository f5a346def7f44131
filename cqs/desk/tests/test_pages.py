import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cqs.accounts.models import Role
from cqs.core.calendar import WorkingCalendar
from cqs.dossiers import services
from cqs.dossiers.models import Dossier, DossierFile, Status
from cqs.dossiers.tests import factories_desk as make
from cqs.dossiers.tests.factories import PDF_BYTES, official

pytestmark = pytest.mark.django_db


def page(dossier):
    return reverse("desk:dossier", args=[dossier.code])


def act(client, dossier, action, **data):
    state = data.pop("state", dossier.status)
    payload = {f"{action}-state": state, **{f"{action}-{k}": v for k, v in data.items()}}
    return client.post(reverse("desk:act", args=[dossier.code, action]), payload)


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def status_of(dossier):
    return Dossier.objects.get(pk=dossier.pk).status


# ---------------------------------------------------------------- access


def test_anonymous_is_sent_to_login_and_citizens_get_404(client, w):
    dossier = make.processing(w)
    item = dossier.files.first()
    urls = [
        reverse("desk:worklist"),
        reverse("desk:counter"),
        reverse("desk:dashboard"),
        page(dossier),
        reverse("desk:file", args=[dossier.code, item.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302
    client.force_login(w.citizen)  # even the applicant: the desk is for officials
    for url in urls:
        assert client.get(url).status_code == 404
    assert act(client, dossier, "forward").status_code == 404
    assert status_of(dossier) == Status.PROCESSING


def test_official_of_another_agency_sees_nothing(client, w):
    dossier = make.processing(w)
    other = official("khac", w.other_agency, Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER)
    client.force_login(other)
    response = client.get(reverse("desk:worklist"), {"hop": "all"})
    assert response.status_code == 200 and dossier.code not in response.content.decode()
    assert client.get(page(dossier)).status_code == 404
    assert client.get(reverse("desk:file", args=[dossier.code, dossier.files.first().pk])).status_code == 404
    assert act(client, dossier, "forward").status_code == 404
    assert status_of(dossier) == Status.PROCESSING


# ---------------------------------------------------------------- worklist


def test_worklist_tabs_search_and_badges(client, w):
    waiting = make.submitted(w)
    late = make.processing(w, applicant_name="Trần Văn Hùng", applicant_id_number="040085654321")
    soon = make.processing(w, applicant_name="Đặng Văn Đức", applicant_id_number="001099000123")
    now = timezone.now()
    Dossier.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(hours=1))
    Dossier.objects.filter(pk=soon.pk).update(due_at=now + dt.timedelta(minutes=30))
    client.force_login(w.officer)
    html = client.get(reverse("desk:worklist")).content.decode()
    assert waiting.code in html and late.code not in html  # opens on "Chờ tiếp nhận"
    assert 'Chờ tiếp nhận<span class="n">1</span>' in html and 'Quá hạn<span class="n">1</span>' in html
    client.force_login(w.specialist)
    html = client.get(reverse("desk:worklist"), {"hop": "to_process"}).content.decode()
    assert late.code in html and soon.code in html and waiting.code not in html
    assert "badge-late" in html and "badge-soon" in html
    assert html.index(late.code) < html.index(soon.code)  # due first
    for query, found in [
        (late.code, late),
        ("040085654321", late),
        ("0010990", soon),
        ("Đặng Văn Đức", soon),
        ("dang van duc", soon),
    ]:
        html = client.get(reverse("desk:worklist"), {"hop": "all", "q": query}).content.decode()
        assert found.code in html and waiting.code not in html, query
    assert client.get(reverse("desk:worklist"), {"hop": "khong-co"}).status_code == 404


def test_worklist_query_count_does_not_grow(client, w, django_assert_max_num_queries):
    for _ in range(3):
        make.processing(w)
    client.force_login(w.specialist)
    # One small indexed count per work box of the user's roles, then the page: the same for 3 or 15 dossiers
    # (one of them: whether the header offers "Chữ ký số của tôi" under "Quản trị").
    with django_assert_max_num_queries(12):
        small = client.get(reverse("desk:worklist"), {"hop": "all"})
    for _ in range(12):
        make.processing(w)
    with django_assert_max_num_queries(12):
        big = client.get(reverse("desk:worklist"), {"hop": "all"})
    assert small.status_code == big.status_code == 200
    assert big.content.decode().count("/mot-cua/ho-so/") == 15


# ---------------------------------------------------------------- the dossier page and its actions


def test_dossier_page_shows_everything_and_only_allowed_actions(client, w):
    dossier = make.submitted(w)
    client.force_login(w.officer)
    html = client.get(page(dossier)).content.decode()
    for text in ("Nguyễn Thị Lan", "040190012345", "Tự nộp", "UBND phường Trường Vinh", "Nguyễn Văn Bình"):
        assert text in html
    assert reverse("desk:act", args=[dossier.code, "accept"]) in html
    assert reverse("desk:act", args=[dossier.code, "refuse"]) in html
    assert reverse("desk:act", args=[dossier.code, "forward"]) not in html
    assert "/mau/01.pdf" not in html  # no receipt before acceptance
    client.force_login(w.specialist)
    html = client.get(page(dossier)).content.decode()
    assert "/xu-ly/" not in html and "Bạn không có thao tác nào" in html


def test_accept_then_a_second_officer_gets_the_state_message(client, w):
    dossier = make.submitted(w)
    second = official("motcua2", w.agency, Role.ONE_STOP_OFFICER)
    client.force_login(w.officer)
    response = act(client, dossier, "accept")
    assert response.status_code == 302 and response["Location"] == page(dossier)
    assert status_of(dossier) == Status.PROCESSING
    client.force_login(second)
    response = act(client, dossier, "accept", state=Status.SUBMITTED)
    assert response.status_code == 302
    assert any("đang ở trạng thái «Đang xử lý»" in m for m in said(response))
    html = client.get(page(dossier)).content.decode()
    assert "/mau/01.pdf" in html


def test_forward_twice_at_once_gives_a_message_not_an_error(client, w):
    dossier = make.processing(w)
    client.force_login(w.specialist)
    assert act(client, dossier, "forward", note="Đủ điều kiện").status_code == 302
    response = act(client, dossier, "forward", state=Status.PROCESSING)
    assert response.status_code == 302 and any("vừa được người khác xử lý" in m for m in said(response))
    assert status_of(dossier) == Status.AWAITING_APPROVAL


def test_wrong_role_is_404_and_wrong_state_is_a_message(client, w):
    dossier = make.submitted(w)
    client.force_login(w.specialist)
    assert act(client, dossier, "accept").status_code == 404
    assert client.post(reverse("desk:act", args=[dossier.code, "khong-co"])).status_code == 404
    client.force_login(w.officer)
    response = act(client, dossier, "return_result", delivery="desk")
    assert response.status_code == 302
    assert said(response) == [f"Không thể trả kết quả: hồ sơ {dossier.code} đang ở trạng thái «Mới đăng ký»."]
    assert client.get(reverse("desk:act", args=[dossier.code, "accept"])).status_code == 405
    assert status_of(dossier) == Status.SUBMITTED


def test_refuse_needs_a_reason(client, w):
    dossier = make.submitted(w)
    client.force_login(w.officer)
    response = act(client, dossier, "refuse", reason="")
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert status_of(dossier) == Status.SUBMITTED
    assert act(client, dossier, "refuse", reason="Không thuộc thẩm quyền").status_code == 302
    assert status_of(dossier) == Status.REFUSED
    assert dossier.notices.get().form == "03"


def test_supplement_and_payment_actions(client, w):
    dossier = make.submitted(w)
    client.force_login(w.officer)
    response = act(
        client,
        dossier,
        "request_supplement",
        items="Bản sao CCCD\n\nGiấy chứng sinh",
        reason="Thiếu",
        contact="Chị Hoa, 0912345678",
    )
    assert response.status_code == 302 and status_of(dossier) == Status.SUPPLEMENT_REQUESTED
    assert dossier.supplement_requests.get().items == ["Bản sao CCCD", "Giấy chứng sinh"]
    other = make.processing(w)
    client.force_login(w.specialist)
    assert act(client, other, "request_payment", amount="8000", note="").status_code == 302
    assert status_of(other) == Status.PAYMENT_REQUESTED
    client.force_login(w.officer)
    assert act(client, other, "record_payment", receipt="BL-0001").status_code == 302
    assert status_of(other) == Status.PROCESSING


def test_transfer_and_transfer_back(client, w):
    dossier = make.processing(w)
    helper = official("cvso", w.other_agency, Role.SPECIALIST)
    client.force_login(w.specialist)
    response = act(client, dossier, "transfer", to_agency=str(w.other_agency.pk), note="Xác minh")
    assert response.status_code == 302 and status_of(dossier) == Status.TRANSFERRED
    client.force_login(helper)
    html = client.get(page(dossier)).content.decode()
    assert reverse("desk:act", args=[dossier.code, "transfer_return"]) in html
    response = act(client, dossier, "transfer_return", note="Đã xác minh")
    assert response.status_code == 302 and response["Location"] == reverse("desk:worklist")
    assert status_of(dossier) == Status.PROCESSING


def test_approve_send_back_finish_and_return(client, w):
    dossier = make.awaiting_approval(w)
    client.force_login(w.leader)
    assert act(client, dossier, "send_back", reason="Bổ sung thẩm định").status_code == 302
    assert status_of(dossier) == Status.PROCESSING
    client.force_login(w.specialist)
    act(client, dossier, "forward", note="")
    client.force_login(w.leader)
    assert act(client, dossier, "approve", note="Đồng ý").status_code == 302
    assert status_of(dossier) == Status.FINISHED
    client.force_login(w.officer)
    assert act(client, dossier, "return_result", delivery="desk").status_code == 302
    assert status_of(dossier) == Status.RETURNED


def test_finish_with_a_result_file(client, w):
    dossier = make.awaiting_approval(w)
    client.force_login(w.leader)
    upload = SimpleUploadedFile("ket-qua.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(
        reverse("desk:act", args=[dossier.code, "finish"]),
        {"finish-state": dossier.status, "finish-summary": "Cấp giấy khai sinh", "finish-result": upload},
    )
    assert response.status_code == 302 and status_of(dossier) == Status.FINISHED
    assert dossier.files.filter(source=DossierFile.Source.RESULT).count() == 1
    bad = make.awaiting_approval(w)
    response = client.post(
        reverse("desk:act", args=[bad.code, "finish"]),
        {"finish-state": bad.status, "finish-summary": "x", "finish-result": SimpleUploadedFile("a.pdf", b"not a pdf")},
    )
    assert response.status_code == 400 and status_of(bad) == Status.AWAITING_APPROVAL


def test_apology_stop_and_withdrawal(client, w):
    dossier = make.processing(w)
    calendar = WorkingCalendar()
    new_day = calendar.next_working_day(timezone.localtime(dossier.due_at).date() + dt.timedelta(days=3))
    client.force_login(w.leader)
    response = act(client, dossier, "apologise", reason="Cần xác minh thêm", new_due_date="31-12")
    assert response.status_code == 400 and "dd/mm/yyyy" in response.content.decode()
    response = act(client, dossier, "apologise", reason="Cần xác minh thêm", new_due_date="31/12/9999")
    assert response.status_code == 400 and "Ngày phải trong khoảng 01/01/1900–31/12/2100." in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).due_at == dossier.due_at
    response = act(client, dossier, "apologise", reason="Cần xác minh thêm", new_due_date=new_day.strftime("%d/%m/%Y"))
    assert response.status_code == 302
    assert timezone.localtime(Dossier.objects.get(pk=dossier.pk).due_at).date() == new_day
    html = client.get(page(dossier)).content.decode()
    assert reverse("desk:act", args=[dossier.code, "apologise"]) not in html  # only once
    assert act(client, dossier, "stop", reason="Người nộp không đủ điều kiện").status_code == 302
    assert status_of(dossier) == Status.STOPPED
    leaving = make.processing(w)
    services.dossier_withdraw(dossier=leaving, actor=w.citizen, reason="Không cần nữa")
    client.force_login(w.officer)
    assert act(client, leaving, "confirm_withdrawal").status_code == 302
    assert status_of(leaving) == Status.WITHDRAWN


# ---------------------------------------------------------------- files


def test_file_download_rules(client, w):
    dossier = make.processing(w)
    item = dossier.files.first()
    url = reverse("desk:file", args=[dossier.code, item.pk])
    client.force_login(w.specialist)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    # An uploaded file is never shown as a page of the site: a sandboxed download, not cached.
    assert response["Content-Disposition"].startswith("attachment;") and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF_BYTES
    other = make.processing(w)
    assert client.get(reverse("desk:file", args=[other.code, item.pk])).status_code == 404  # wrong dossier
    assert client.post(url).status_code == 405


# ---------------------------------------------------------------- counter reception


def test_counter_reception_with_a_scanned_pdf(client, w):
    client.force_login(w.officer)
    picked = client.get(reverse("desk:counter"), {"q": "khai sinh"})
    assert w.procedure.code in picked.content.decode()
    url = reverse("desk:counter") + f"?thu_tuc={w.procedure.code}"
    form = client.get(url)
    assert form.status_code == 200
    document = w.version.documents.first()
    data = make.counter_form(w, form.context["form"]["ma_nop"].value())
    missing = client.post(url, data)
    assert missing.status_code == 400 and "Còn thiếu giấy tờ bắt buộc" in missing.content.decode()
    data[f"giay_to_{document.pk}"] = SimpleUploadedFile("quet.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(url, data)
    dossier = Dossier.objects.get(applicant_name="Lê Văn Tám")
    assert response.status_code == 302 and response["Location"] == page(dossier)
    assert dossier.status == Status.PROCESSING and dossier.channel == 1 and dossier.received_by == w.officer
    assert dossier.files.get().source == DossierFile.Source.SCAN
    html = client.get(page(dossier)).content.decode()
    assert f"/ho-so/{dossier.code}/mau/01.pdf" in html
    client.force_login(w.specialist)  # not a one-stop officer
    assert client.get(url).status_code == 404


# ---------------------------------------------------------------- dashboard


def test_dashboard_page(client, w):
    done = make.finished(w)
    client.force_login(w.leader)
    response = client.get(reverse("desk:dashboard"))
    html = response.content.decode()
    assert response.status_code == 200 and "<svg" in html and "<table" in html and 'role="img"' in html
    year = timezone.localdate().year
    assert f"01/01/{year}" in html
    assert done.finished_at is not None
    response = client.get(reverse("desk:dashboard"), {"tu_ngay": "31/12/2025", "den_ngay": "01/01/2025"})
    assert response.status_code == 400
    response = client.get(
        reverse("desk:dashboard"), {"co_quan": w.agency.pk, "tu_ngay": f"01/01/{year}", "den_ngay": f"31/12/{year}"}
    )
    assert response.status_code == 200 and response.context["figures"]["finished"] == 1
    assert client.get(reverse("desk:dashboard"), {"co_quan": w.other_agency.pk}).status_code == 400


def test_dashboard_and_dossier_page_link_the_printed_forms(client, w):
    done = make.finished(w)
    client.force_login(w.leader)
    year = timezone.localdate().year
    html = client.get(reverse("desk:dashboard"), {"co_quan": w.agency.pk, "tu_ngay": f"01/01/{year}"}).content.decode()
    register = reverse("dossier_forms:register", args=[w.agency.electronic_code])
    assert f'href="{register}?tu=01/01/{year}' in html.replace("%2F", "/")
    html = client.get(reverse("desk:dossier", args=[done.code])).content.decode()
    for form in ("01", "06"):
        assert reverse("dossier_forms:form", args=[done.code, form]) in html
    assert reverse("dossier_forms:form", args=[done.code, "02"]) not in html  # no supplement was asked


def test_browsing_all_shows_the_newest_and_says_so(client, w, monkeypatch):
    from cqs.desk import views

    monkeypatch.setattr(views, "BROWSE_LIMIT", 2)
    newest = [make.processing(w) for _ in range(3)][-1]
    client.force_login(w.specialist)
    html = client.get(reverse("desk:worklist"), {"hop": "all"}).content.decode()
    assert "tối đa 2 hồ sơ mới nhất" in html and "Trang sau" not in html
    assert reverse("desk:dossier", args=[newest.code]) in html
    assert html.count('class="code"') == 2


def test_long_lists_page_without_counting(client, w, monkeypatch):
    from cqs.desk import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = [make.processing(w, applicant_name="Lê Văn Tâm", applicant_id_number="040090005678") for _ in range(5)]
    client.force_login(w.specialist)
    # A work box: its figure is the tab's count, and the pages are numbered out of it.
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("desk:worklist"), {"hop": "to_process"}).content.decode()
    assert not [q for q in ctx.captured_queries if 'SELECT COUNT(*) AS "__count" FROM "dossiers_dossier"' in q["sql"]]
    assert "(5)" in html and "1 / 3" in html and "Trang sau" in html
    # A search: no count at all, one row more than the page tells whether another page follows.
    seen = []
    for number in (1, 2, 3):
        page = client.get(reverse("desk:worklist"), {"hop": "all", "q": "le van tam", "trang": number})
        assert f"Trang {number}" in page.content.decode()
        seen += [d.code for d, _badge, _personal in page.context["rows"]]
        assert page.context["page"].has_next == (number < 3)
    assert sorted(seen) == sorted(d.code for d in made)
    # A page past the end, or not a number: the first page, not an error.
    for number in ("9", "x", "-1"):
        page = client.get(reverse("desk:worklist"), {"hop": "all", "q": "le van tam", "trang": number})
        assert page.status_code == 200 and page.context["page"].number == 1
