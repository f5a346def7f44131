"""Electronic results: drafted by the handler, generated from the result template, signed, verifiable, stored."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
from django.test import Client
from django.urls import reverse

from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.dossiers import results, services
from cqs.dossiers.models import Dossier, DossierFile, Status, StoredPaper
from cqs.dossiers.tests import factories
from cqs.dossiers.tests import factories_desk as make
from cqs.dossiers.tests.factories import World, official
from cqs.signing import services as signing
from cqs.signing.models import Certificate, VerifiableDocument
from cqs.signing.pdf import pdf_verify

pytestmark = pytest.mark.django_db

CONTENT = "Đăng ký khai sinh cho cháu Nguyễn Văn Bình, sinh ngày 02/03/2026."


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.fixture(autouse=True)
def _birth_certificate(w: World) -> None:
    """The procedure's result is a birth certificate (the default template of a certificate)."""
    type(w.version).objects.filter(pk=w.version.pk).update(result_type="Giấy khai sinh (bản chính)")
    w.version.refresh_from_db()


@pytest.fixture
def certs(w: World, demo_ca: Any, personal_cert: Any) -> tuple[Certificate, Certificate]:
    seal = signing.certificate_issue(
        issuer=demo_ca[1], common_name=w.agency.name, kind=Certificate.Kind.ORGANISATION, agency=w.agency, actor=None
    )
    return personal_cert(w.leader), seal


def drafted(w: World) -> Dossier:
    dossier = make.processing(w)
    services.dossier_result_draft(dossier=dossier, actor=w.specialist, content=CONTENT)
    return services.dossier_forward(dossier=dossier, actor=w.specialist, note="Đủ điều kiện")


def approved(w: World) -> Dossier:
    return services.dossier_approve(dossier=drafted(w), actor=w.leader, note="Đồng ý", electronic_result=True)


def result_bytes(dossier: Dossier) -> tuple[DossierFile, bytes]:
    item = dossier.files.get(source=DossierFile.Source.RESULT)
    with item.file.open("rb") as handle:
        return item, handle.read()


def test_the_signed_result_carries_the_applicant_the_code_and_both_signatures(w: World, certs: Any) -> None:
    dossier = approved(w)
    assert dossier.status == Status.FINISHED
    item, data = result_bytes(dossier)
    code = item.verification_code
    assert len(code) == 14 and code.count("-") == 2
    text = pdf_text(data)
    for expected in ("Nguyễn Thị Lan", "040190012345", code, dossier.code, "cháu Nguyễn Văn Bình"):
        assert expected in text
    assert results.verification_url(code) in text.replace("\n", "")
    reports = pdf_verify(pdf=data)
    assert [r.signer_name for r in reports] == [w.leader.full_name, w.agency.name]
    assert all(r.ok for r in reports)
    assert reports[-1].covers_whole_file
    registered = VerifiableDocument.objects.get(code=code)
    assert registered.source == "dossier_result"
    assert registered.agency == w.agency
    assert registered.sha256 == item.sha256
    assert item.name == "Giấy khai sinh (kết quả điện tử)"
    page = Client().get(reverse("signing:verify_code", kwargs={"code": code}))
    assert page.status_code == 200 and dossier.code in page.content.decode()


def test_the_qr_code_encodes_the_verification_address_and_is_embedded(w: World, certs: Any, settings: Any) -> None:
    settings.CQS_PUBLIC_URL = "https://dichvucong.nghean.gov.vn/"
    html = results.result_html(dossier=drafted(w), content=CONTENT, code="ABCD-EFGH-JKMN")
    url = results.verification_url("ABCD-EFGH-JKMN")
    assert url.startswith("https://dichvucong.nghean.gov.vn/")
    assert url.endswith("/xac-thuc/ABCD-EFGH-JKMN/")
    assert results.qr_data_uri(url) in html
    dossier = approved(w)
    _item, data = result_bytes(dossier)
    images = [image for page in pypdf.PdfReader(io.BytesIO(data)).pages for image in page.images]
    assert len(images) == 1


def test_the_draft_preview_has_no_code_and_says_draft(w: World) -> None:
    dossier = drafted(w)
    text = pdf_text(results.result_pdf(dossier=dossier, content=dossier.result_draft))
    assert "DỰ THẢO" in text
    assert "Mã xác thực:" not in text
    assert "Nguyễn Thị Lan" in text


def test_the_result_lands_in_the_citizens_store_and_is_reusable(w: World, certs: Any) -> None:
    dossier = approved(w)
    item, _data = result_bytes(dossier)
    services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="online")
    paper = StoredPaper.objects.get(owner=w.citizen)
    assert paper.is_result and paper.verification_code == item.verification_code
    assert paper.from_dossier == dossier and paper.sha256 == item.sha256
    document = w.version.documents.first()
    reuse = services.Attachment(required_document_id=document.pk if document else None, stored_paper_id=paper.pk)
    again = make.submitted(w, attachments=[reuse])
    reused = again.files.get()
    assert reused.source == DossierFile.Source.REUSED
    assert reused.sha256 == item.sha256 and reused.file.name == paper.file.name


def _unchanged(dossier: Dossier) -> None:
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_APPROVAL
    assert not dossier.files.filter(source=DossierFile.Source.RESULT).exists()
    assert not VerifiableDocument.objects.exists()


def test_without_a_personal_certificate_nothing_changes(w: World, demo_ca: Any) -> None:
    dossier = drafted(w)
    with pytest.raises(ValidationFailed) as caught:
        services.dossier_approve(dossier=dossier, actor=w.leader, electronic_result=True)
    assert caught.value.message == "Bạn chưa có chứng thư số cá nhân còn hiệu lực; không thể ký kết quả điện tử."
    _unchanged(dossier)


def test_without_the_agencys_certificate_nothing_changes(w: World, personal_cert: Any) -> None:
    personal_cert(w.leader)
    dossier = drafted(w)
    with pytest.raises(ValidationFailed) as caught:
        services.dossier_approve(dossier=dossier, actor=w.leader, electronic_result=True)
    assert caught.value.message == (
        "UBND phường Trường Vinh chưa có chứng thư số của cơ quan còn hiệu lực; không thể đóng dấu kết quả điện tử."
    )
    _unchanged(dossier)


def test_a_revoked_personal_certificate_is_no_certificate(w: World, certs: Any) -> None:
    signing.certificate_revoke(certificate=certs[0], reason="Mất thiết bị", actor=None)
    dossier = drafted(w)
    with pytest.raises(ValidationFailed) as caught:
        services.dossier_approve(dossier=dossier, actor=w.leader, electronic_result=True)
    assert caught.value.message == "Bạn chưa có chứng thư số cá nhân còn hiệu lực; không thể ký kết quả điện tử."
    _unchanged(dossier)


def test_without_content_nothing_changes(w: World, certs: Any) -> None:
    dossier = make.awaiting_approval(w)
    with pytest.raises(ValidationFailed) as caught:
        services.dossier_approve(dossier=dossier, actor=w.leader, electronic_result=True)
    assert caught.value.message == (
        "Chưa có nội dung kết quả: cán bộ xử lý soạn dự thảo kết quả, "
        "hoặc lãnh đạo ghi nội dung khi phê duyệt, trước khi ký kết quả điện tử."
    )
    _unchanged(dossier)


def test_an_uploaded_file_and_an_electronic_result_together_are_refused(w: World, certs: Any) -> None:
    from cqs.dossiers.tests.factories import pdf

    dossier = drafted(w)
    with pytest.raises(ValidationFailed) as caught:
        services.dossier_approve(dossier=dossier, actor=w.leader, result=pdf(), electronic_result=True)
    assert caught.value.message == "Chọn một trong hai: tải tệp kết quả lên hoặc cấp kết quả điện tử."
    _unchanged(dossier)


def test_wrong_role_and_wrong_state_are_refused(w: World, certs: Any, personal_cert: Any) -> None:
    dossier = drafted(w)
    personal_cert(w.specialist)
    with pytest.raises(NotFoundOrForbidden) as forbidden:
        services.dossier_approve(dossier=dossier, actor=w.specialist, electronic_result=True)
    assert forbidden.value.message == "Không tìm thấy hồ sơ."
    _unchanged(dossier)
    services.dossier_approve(dossier=dossier, actor=w.leader, electronic_result=True)
    with pytest.raises(InvalidTransition) as invalid:
        services.dossier_approve(dossier=dossier, actor=w.leader, electronic_result=True)
    assert invalid.value.message == (
        f"Không thể phê duyệt: hồ sơ {dossier.code} đang ở trạng thái «Đã có kết quả, chờ trả»."
    )
    assert VerifiableDocument.objects.count() == 1


def test_signed_at_the_last_approval_the_result_goes_on_to_the_clerk(w: World, certs: Any) -> None:
    factories.steps_before_the_return(w.version, factories.ISSUING)
    clerk = official("vanthu", w.agency, "clerk")
    dossier = approved(w)
    assert (dossier.status, dossier.current_role) == (Status.PROCESSING, "clerk")
    item, data = result_bytes(dossier)
    assert [r.signer_name for r in pdf_verify(pdf=data)] == [w.leader.full_name, w.agency.name]
    assert VerifiableDocument.objects.filter(code=item.verification_code).exists()
    with pytest.raises(ValidationFailed) as caught:
        services.dossier_finish(dossier=dossier, actor=clerk, summary="Đã phát hành", result=factories.pdf())
    assert caught.value.message == "Hồ sơ đã có kết quả điện tử do lãnh đạo ký số; không tải thêm tệp kết quả."
    dossier = services.dossier_finish(dossier=dossier, actor=clerk, summary="Đã vào sổ và phát hành")
    assert dossier.status == Status.FINISHED
    assert list(dossier.files.filter(source=DossierFile.Source.RESULT)) == [item]


def test_an_electronic_result_before_another_approval_is_refused(w: World, certs: Any) -> None:
    factories.steps_before_the_return(w.version, ("Chủ tịch phê duyệt", "leader", "leadership"), factories.ISSUING)
    dossier = drafted(w)
    with pytest.raises(ValidationFailed) as caught:
        services.dossier_approve(dossier=dossier, actor=w.leader, electronic_result=True)
    assert caught.value.message == (
        "Kết quả điện tử chỉ được ký ở lần phê duyệt cuối cùng của quy trình "
        "(sau đó chỉ còn bước văn thư phát hành và bước trả kết quả)."
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_APPROVAL
    assert not dossier.files.filter(source=DossierFile.Source.RESULT).exists()
    assert not VerifiableDocument.objects.exists()


def test_the_draft_is_written_by_the_handler_only_in_an_active_state(w: World) -> None:
    dossier = make.processing(w)
    with pytest.raises(NotFoundOrForbidden):
        services.dossier_result_draft(dossier=dossier, actor=w.officer, content=CONTENT)
    with pytest.raises(NotFoundOrForbidden):
        services.dossier_result_draft(dossier=dossier, actor=w.leader, content=CONTENT)
    with pytest.raises(ValidationFailed) as empty:
        services.dossier_result_draft(dossier=dossier, actor=w.specialist, content="  ")
    assert empty.value.message == "Ghi nội dung kết quả giải quyết."
    services.dossier_result_draft(dossier=dossier, actor=w.specialist, content=CONTENT)
    dossier.refresh_from_db()
    assert dossier.result_draft == CONTENT
    assert dossier.events.filter(action="draft_result").count() == 1
    submitted = make.submitted(w)
    with pytest.raises(InvalidTransition) as invalid:
        services.dossier_result_draft(dossier=submitted, actor=w.officer, content=CONTENT)
    assert invalid.value.message == (
        f"Không thể soạn dự thảo kết quả: hồ sơ {submitted.code} đang ở trạng thái «Mới đăng ký»."
    )
