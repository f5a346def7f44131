"""Outgoing document pages: the boxes, drafting (a reply included), the detail page and its actions, who may not."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqs.documents.models import DocumentFile, OutgoingDocument, OutgoingStatus
from cqs.documents.outgoing import selectors as sel
from cqs.documents.outgoing import services as svc
from cqs.documents.tests.factories import PNG_BYTES
from cqs.documents.tests.test_outgoing_support import (
    awaiting_signature,
    create,
    drafted,
    incoming,
    issued,
    pdf,
    signed,
    world,
)

__all__ = ["world"]

pytestmark = pytest.mark.django_db
S = OutgoingStatus


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


def said(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def detail(outgoing: OutgoingDocument) -> str:
    return reverse("documents:outgoing_detail", args=[outgoing.pk])


def act(client: Any, outgoing: OutgoingDocument, action: str, **data: Any) -> Any:
    return client.post(
        reverse("documents:outgoing_act", args=[outgoing.pk, action]), {f"{action}-{k}": v for k, v in data.items()}
    )


def form_data(w: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "drafting_department": w.vp.pk,
        "document_type": w.doc_type_letter.pk,
        "subject": "Công văn về việc báo cáo số liệu chuyển đổi số",
        "urgency": "normal",
        "secrecy": "normal",
        "signer": w.leader.pk,
        "signing_authority": "KT.",
        "signer_position": "PHÓ CHỦ TỊCH",
        "copies": "2",
        "internal": [w.other_agency.pk],
        "paper": "Lưu: VT, VP",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------- access


def test_anonymous_goes_to_login_citizens_and_outsiders_get_404(client, world, citizen):
    outgoing = drafted(world)
    item = outgoing.files.get()
    urls = [
        reverse("documents:outgoing_list"),
        reverse("documents:outgoing_create"),
        detail(outgoing),
        reverse("documents:outgoing_edit", args=[outgoing.pk]),
        reverse("documents:outgoing_file", args=[outgoing.pk, item.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302
    client.force_login(citizen)
    for url in urls:
        assert client.get(url).status_code == 404
    client.force_login(world.outsider)
    for url in urls[2:]:
        assert client.get(url).status_code == 404
    assert act(client, outgoing, "comment", text="Xin chào").status_code == 404
    client.force_login(world.kt_specialist)  # another department of the same agency
    for url in urls[2:]:
        assert client.get(url).status_code == 404
    client.force_login(world.clerk)  # no specialist role: may not draft
    assert client.get(reverse("documents:outgoing_create")).status_code == 404
    assert client.get(detail(outgoing)).status_code == 200
    assert client.get(reverse("documents:outgoing_edit", args=[outgoing.pk])).status_code == 404


# ---------------------------------------------------------------- the boxes


def test_list_shows_boxes_with_counts(client, world):
    in_review = drafted(world)
    svc.outgoing_submit_for_review(outgoing=in_review, actor=world.vp_specialist, reviewers=[world.vp_head])
    done = issued(world)
    client.force_login(world.vp_head)
    page = client.get(reverse("documents:outgoing_list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Chờ tôi cho ý kiến" in text and detail(in_review) in text
    client.force_login(world.clerk)
    page = client.get(reverse("documents:outgoing_list"), {"hop": "issued", "q": "qd-ubnd"})
    assert "01/QĐ-UBND" in page.content.decode() and detail(done) in page.content.decode()
    assert client.get(reverse("documents:outgoing_list"), {"hop": "khac"}).status_code == 404


# ---------------------------------------------------------------- drafting


def test_create_edit_and_search_recipients(client, world):
    client.force_login(world.vp_specialist)
    page = client.get(reverse("documents:outgoing_create"))
    assert page.status_code == 200 and "Soạn văn bản đi" in page.content.decode()
    searched = client.post(
        reverse("documents:outgoing_create"), {**form_data(world), "tim": "1", "tim_noi_nhan": "tu phap"}
    )
    assert searched.status_code == 200 and not OutgoingDocument.objects.exists()
    assert "Sở Tư pháp tỉnh Nghệ An" in searched.content.decode()
    partial = client.get(reverse("documents:outgoing_recipients"), {"tim_noi_nhan": "Tư pháp"})
    assert f'value="{world.other_agency.pk}"' in partial.content.decode()
    response = client.post(reverse("documents:outgoing_create"), form_data(world))
    outgoing = OutgoingDocument.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(outgoing)
    assert list(outgoing.recipients.values_list("name", flat=True)) == ["Sở Tư pháp tỉnh Nghệ An", "Lưu: VT, VP"]
    edit = reverse("documents:outgoing_edit", args=[outgoing.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, form_data(world, subject="Công văn đã sửa", internal=[], paper="UBND các xã"))
    assert response.status_code == 302
    outgoing.refresh_from_db()
    assert outgoing.subject == "Công văn đã sửa"
    assert list(outgoing.recipients.values_list("name", flat=True)) == ["UBND các xã"]


def test_create_refusals_are_shown_in_the_form(client, world):
    client.force_login(world.vp_specialist)
    response = client.post(reverse("documents:outgoing_create"), form_data(world, internal=[], paper=""))
    assert response.status_code == 400 and "Chọn ít nhất một nơi nhận." in response.content.decode()
    response = client.post(reverse("documents:outgoing_create"), form_data(world, secrecy="secret"))
    assert "Văn bản mật không được gửi qua trục liên thông điện tử." in response.content.decode()
    assert not OutgoingDocument.objects.exists()


def test_reply_from_an_incoming_document(client, world):
    received = incoming(world, sender_code=world.other_agency.electronic_code, sender_name=world.other_agency.name)
    client.force_login(world.vp_specialist)
    page = client.get(reverse("documents:outgoing_create"), {"reply_to": received.pk})
    text = page.content.decode()
    assert page.status_code == 200
    assert "V/v trả lời văn bản số 12/BNV-VP của Sở Tư pháp tỉnh Nghệ An" in text
    assert f'value="{world.other_agency.pk}" checked' in text
    response = client.post(reverse("documents:outgoing_create"), form_data(world, reply_to=received.pk))
    assert response.status_code == 302
    assert OutgoingDocument.objects.get().reply_to == received
    client.force_login(world.kt_specialist)
    hidden = incoming(world, number=9, handler=None, lead_department=world.vp)
    assert client.get(reverse("documents:outgoing_create"), {"reply_to": hidden.pk}).status_code == 404


# ---------------------------------------------------------------- the detail page and its actions


def test_buttons_only_for_who_may_act(client, world):
    outgoing = awaiting_signature(world)
    client.force_login(world.leader)
    text = client.get(detail(outgoing)).content.decode()
    assert reverse("documents:outgoing_act", args=[outgoing.pk, "sign"]) in text
    client.force_login(world.vp_head)
    text = client.get(detail(outgoing)).content.decode()
    assert "Bạn không có thao tác nào" in text
    assert act(client, outgoing, "sign").status_code == 404  # sees it, may not sign: same answer as not found
    assert OutgoingDocument.objects.get(pk=outgoing.pk).status == S.AWAITING_SIGNATURE


def test_whole_flow_through_the_pages(client, world):
    outgoing = create(world)
    client.force_login(world.vp_specialist)
    bad = act(client, outgoing, "upload_draft", file=SimpleUploadedFile("anh.pdf", PNG_BYTES))
    assert bad.status_code == 400
    assert "Tệp “anh.pdf” không đúng loại: dự thảo văn bản chỉ nhận PDF." in bad.content.decode()
    assert act(client, outgoing, "upload_draft", file=SimpleUploadedFile("du-thao.pdf", pdf())).status_code == 302
    assert act(client, outgoing, "submit", reviewer_1=world.vp_head.pk).status_code == 302
    client.force_login(world.vp_head)
    assert act(client, outgoing, "review", decision="approve", comment="Đồng ý").status_code == 302
    client.force_login(world.leader)
    response = act(client, outgoing, "sign")
    assert response.status_code == 302 and said(response)[-1] == "Đã ký số văn bản."
    client.force_login(world.clerk)
    response = act(client, outgoing, "issue")
    assert said(response)[-1] == "Đã phát hành văn bản."
    outgoing.refresh_from_db()
    page = client.get(detail(outgoing)).content.decode()
    assert "01/QĐ-UBND" in page and outgoing.verification_code in page
    main = sel.issued_file(outgoing)
    assert "Bản phát hành 01/QĐ-UBND" in page
    download = client.get(reverse("documents:outgoing_file", args=[outgoing.pk, main.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    again = act(client, outgoing, "issue")
    assert said(again)[-1] == "Không thể phát hành: văn bản đang ở trạng thái «Đã phát hành»."


def test_issue_without_organisation_certificate_says_why(client, world):
    outgoing = signed(world)
    world.org_cert.delete()
    client.force_login(world.clerk)
    response = act(client, outgoing, "issue")
    assert response.status_code == 400
    assert "Cơ quan chưa có chứng thư số của tổ chức còn hiệu lực để ký phát hành văn bản." in response.content.decode()
    assert OutgoingDocument.objects.get(pk=outgoing.pk).number is None


def test_list_queries_do_not_grow_with_rows(client, world, django_assert_max_num_queries):
    for _ in range(3):
        drafted(world)
    client.force_login(world.vp_specialist)
    with django_assert_max_num_queries(25) as few:
        client.get(reverse("documents:outgoing_list"), {"hop": "drafting"})
    for _ in range(4):
        drafted(world)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("documents:outgoing_list"), {"hop": "drafting"})
    text = page.content.decode()
    assert all(detail(d) in text for d in OutgoingDocument.objects.all())


def test_attach_and_detach_an_annex(client, world):
    outgoing = drafted(world)
    client.force_login(world.vp_specialist)
    assert act(client, outgoing, "attach", file=SimpleUploadedFile("phu-luc.pdf", pdf("Phụ lục"))).status_code == 302
    annex = outgoing.files.get(kind=DocumentFile.Kind.ATTACHMENT)
    assert "Bỏ phụ lục" in client.get(detail(outgoing)).content.decode()
    client.force_login(world.vp_head)
    assert act(client, outgoing, "detach", file_id=annex.pk).status_code == 404
    client.force_login(world.vp_specialist)
    assert act(client, outgoing, "detach", file_id=annex.pk).status_code == 302
    assert not outgoing.files.filter(kind=DocumentFile.Kind.ATTACHMENT).exists()
