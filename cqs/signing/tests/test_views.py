from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cqs.signing import services, views
from cqs.signing.models import Certificate, VerifiableDocument
from cqs.signing.pdf import pdf_sign
from cqs.signing.selectors import verification_code_normalise

pytestmark = pytest.mark.django_db
VERIFY = "/xac-thuc/"


def _tamper(signed: bytes, needle: bytes = b"/Type /Page") -> bytes:
    at = signed.index(needle) + 2
    return signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1 :]


@pytest.fixture
def signed(org_cert: Certificate, small_pdf: bytes) -> bytes:
    return pdf_sign(pdf=small_pdf, certificate=org_cert, reason="Ban hành", location="Nghệ An", placement="seal")


@pytest.fixture
def registered(signed: bytes, agency: Any) -> VerifiableDocument:
    return services.verifiable_register(
        code="ABCD-EFGH-JKMN",
        pdf=signed,
        title="Quyết định phê duyệt kế hoạch chuyển đổi số năm 2026",
        source=VerifiableDocument.Source.OUTGOING_DOCUMENT,
        agency=agency,
        actor=None,
    )


def _upload(client: Client, data: bytes, name: str = "van-ban.pdf") -> Any:
    return client.post(VERIFY, {"file": SimpleUploadedFile(name, data, content_type="application/pdf")})


def test_urls() -> None:
    assert reverse("signing:verify") == VERIFY
    assert reverse("signing:verify_code", kwargs={"code": "ABCD-EFGH-JKMN"}) == "/xac-thuc/ABCD-EFGH-JKMN/"


def test_the_page_needs_no_login(client: Client) -> None:
    response = client.get(VERIFY)
    assert response.status_code == 200
    assert "Xác thực văn bản điện tử" in response.content.decode()


def test_a_registered_signed_copy_is_valid_and_matches(client: Client, signed: bytes, registered: Any) -> None:
    response = _upload(client, signed)
    text = response.content.decode()
    assert response.status_code == 200
    assert "HỢP LỆ: chữ ký số trên văn bản hợp lệ." in text
    assert "Tệp trùng khớp với văn bản đã đăng ký mã" in text and 'href="/xac-thuc/ABCD-EFGH-JKMN/"' in text
    assert "UBND tỉnh Nghệ An" in text  # the signer
    assert "Do tổ chức chứng thực tin cậy cấp" in text and "Không có thay đổi nào sau khi ký." in text


def test_an_unregistered_signed_file_is_verified_on_its_own(client: Client, signed: bytes) -> None:
    text = _upload(client, signed).content.decode()
    assert "HỢP LỆ: chữ ký số trên văn bản hợp lệ." in text
    assert "Tệp không có trong hệ thống" in text


def test_a_tampered_file_is_not_valid(client: Client, signed: bytes, registered: Any) -> None:
    text = _upload(client, _tamper(signed)).content.decode()
    assert "KHÔNG HỢP LỆ: văn bản có chữ ký số không hợp lệ hoặc đã bị sửa đổi sau khi ký." in text
    assert "KHÔNG — nội dung được ký đã bị thay đổi" in text
    assert "Tệp không có trong hệ thống" in text


def test_an_unsigned_pdf_has_no_signature(client: Client, small_pdf: bytes) -> None:
    assert "KHÔNG HỢP LỆ: tệp không có chữ ký số nào." in _upload(client, small_pdf).content.decode()


def test_what_is_not_a_pdf_is_refused_with_a_message(client: Client) -> None:
    response = _upload(client, b"GIF89a not a pdf at all", name="anh.pdf")
    assert response.status_code == 400
    assert "Tệp “anh.pdf” không đúng loại: văn bản cần kiểm tra chỉ nhận PDF." in response.content.decode()


def test_too_large_is_refused(client: Client, monkeypatch: Any, small_pdf: bytes) -> None:
    monkeypatch.setattr(views, "VERIFY_MAX_BYTES", 100)
    response = _upload(client, small_pdf)
    assert response.status_code == 400
    assert "Tệp “van-ban.pdf” lớn hơn giới hạn 100 byte." in response.content.decode()


def test_an_empty_form_asks_for_a_file_or_a_code(client: Client) -> None:
    response = client.post(VERIFY, {"code": "  "})
    assert response.status_code == 400
    assert "Hãy chọn tệp PDF cần kiểm tra hoặc nhập mã xác thực." in response.content.decode()


def test_a_typed_code_leads_to_the_document(client: Client, registered: Any) -> None:
    response = client.post(VERIFY, {"code": " abcd efgh jkmn "})
    assert response.status_code == 302 and response["Location"] == "/xac-thuc/ABCD-EFGH-JKMN/"
    response = client.post(VERIFY, {"code": "12"})
    assert response.status_code == 400
    assert "Mã xác thực gồm 12 chữ cái và chữ số, ví dụ ABCD-EFGH-JKMN." in response.content.decode()


def test_code_page_shows_the_registered_document(client: Client, registered: Any, signed: bytes) -> None:
    for code in ("ABCD-EFGH-JKMN", "abcdefghjkmn", "abcd-efgh-jkmn"):
        response = client.get(f"/xac-thuc/{code}/")
        text = response.content.decode()
        assert response.status_code == 200, code
        assert "Quyết định phê duyệt kế hoạch chuyển đổi số năm 2026" in text
        assert "UBND tỉnh Nghệ An" in text and "Văn bản đi" in text
        assert "HỢP LỆ: chữ ký số trên văn bản hợp lệ." in text
        assert timezone.localtime(registered.created_at).strftime("%d/%m/%Y") in text
    download = client.get("/xac-thuc/abcdefghjkmn/tai-ve/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == signed  # type: ignore[attr-defined]


def test_unknown_code_is_a_404_with_a_message(client: Client) -> None:
    for url in ("/xac-thuc/ZZZZ-ZZZZ-ZZZZ/", "/xac-thuc/khong-co/", "/xac-thuc/ZZZZ-ZZZZ-ZZZZ/tai-ve/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Không có văn bản nào được đăng ký với mã xác thực" in response.content.decode()


def test_code_normalisation() -> None:
    assert verification_code_normalise("abcd-efgh-jkmn") == "ABCD-EFGH-JKMN"
    assert verification_code_normalise("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"
    assert verification_code_normalise("o1il-0000-0000") == "0111-0000-0000"
    assert verification_code_normalise("ABCD-EFGH-JKM") is None
    assert verification_code_normalise("ABCD-EFGH-JKM!") is None
    assert verification_code_normalise("ABCD-EFGH-JKMU") is None


def test_only_get_and_post(client: Client) -> None:
    assert client.put(VERIFY).status_code == 405
    assert client.post("/xac-thuc/ABCD-EFGH-JKMN/").status_code == 405


def test_no_personal_data_of_the_signer_beyond_the_document(
    client: Client, demo_ca: Any, make_official: Any, small_pdf: bytes
) -> None:
    leader = make_official("lanhdao")
    leader.email = "lanhdao@nghean.gov.vn"
    leader.save()
    cert = services.certificate_issue(
        issuer=demo_ca[1], common_name=leader.full_name, kind="personal", owner=leader, actor=None
    )
    data = pdf_sign(pdf=small_pdf, certificate=cert, reason="Ký", location="Nghệ An")
    text = _upload(client, data).content.decode()
    assert leader.full_name in text
    assert leader.email not in text and cert.serial not in text
