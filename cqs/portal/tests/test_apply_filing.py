"""Applying online, the parts that protect the citizen: one dossier per "Nộp hồ sơ", filed in their own name."""

from __future__ import annotations

from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cqs.accounts.tests.test_vneid import CLAIMS, _callback, _start, provider
from cqs.dossiers.models import DeclarationConfirmation, Dossier, DossierEvent
from cqs.dossiers.tests import factories
from cqs.dossiers.tests.factories_filing import (
    at_once,
    pdf_text,
    with_copy_fee,
    with_declaration,
    with_second_document,
)
from cqs.dossiers.tests.factories_portalapply import client_for, exe, file_application, submission_token, upload
from cqs.portal.tests.test_dossiers_apply import _document, _step1, _to_documents, _url

pytestmark = pytest.mark.django_db
__all__ = ["provider"]  # the VNeID provider fixture


def _ready(client: Client, w: factories.World) -> None:
    """Steps 1–3 done: the check page is next."""
    _to_documents(client, w)
    client.post(_url("portal:apply_documents", w), {f"file_{_document(w).pk}": upload()})


# ---------------------------------------------------------------- the applicant is the account holder


def test_step_1_cannot_name_another_applicant(w: factories.World) -> None:
    client = client_for(w.citizen)
    _step1(client, w, applicant_name="Trần Văn Hùng", applicant_id_number=w.stranger.citizen_id)
    client.post(_url("portal:apply_form", w), {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "02/03/2026"})
    client.post(_url("portal:apply_documents", w), {f"file_{_document(w).pk}": upload()})
    check = client.get(_url("portal:apply_check", w)).content.decode()
    assert "Trần Văn Hùng" not in check and w.citizen.full_name in check
    file_application(client, w.procedure.code)
    dossier = Dossier.objects.get()
    assert (dossier.applicant, dossier.applicant_name, dossier.applicant_id_number) == (
        w.citizen,
        w.citizen.full_name,
        w.citizen.citizen_id,
    )


def test_filing_for_another_person_is_written_as_on_behalf(w: factories.World) -> None:
    client = client_for(w.citizen)
    _step1(
        client,
        w,
        filing_mode="on_behalf",
        principal_name="Trần Văn Hùng",
        principal_id_number=w.stranger.citizen_id,
        authorisation_note="Giấy ủy quyền số 12/UQ",
    )
    client.post(_url("portal:apply_form", w), {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "02/03/2026"})
    client.post(_url("portal:apply_documents", w), {f"file_{_document(w).pk}": upload()})
    file_application(client, w.procedure.code)
    dossier = Dossier.objects.get()
    assert dossier.applicant_name == w.citizen.full_name and dossier.filing_mode == "on_behalf"
    assert (dossier.principal_name, dossier.principal_id_number) == ("Trần Văn Hùng", w.stranger.citizen_id)
    # The principal's own account does not see it: the dossier is the proxy's.
    assert client_for(w.stranger).get(reverse("portal:dossier", args=[dossier.code])).status_code == 404


# ---------------------------------------------------------------- one dossier per "Nộp hồ sơ"


def test_a_second_tap_shows_the_dossier_already_filed(w: factories.World) -> None:
    client = client_for(w.citizen)
    _ready(client, w)
    token = submission_token(client, w.procedure.code)
    first = client.post(_url("portal:apply_check", w), {"ma_nop": token})
    dossier = Dossier.objects.get()
    assert first["Location"] == reverse("portal:apply_done", args=[dossier.code])
    second = client.post(_url("portal:apply_check", w), {"ma_nop": token}, follow=True)
    assert second.redirect_chain == [(reverse("portal:apply_done", args=[dossier.code]), 302)]
    html = second.content.decode()
    assert f"Hồ sơ này đã được nộp, mã hồ sơ {dossier.code}; không nộp lần thứ hai." in html
    assert dossier.code in html
    assert Dossier.objects.count() == 1 and DossierEvent.objects.filter(action="submit").count() == 1


def test_a_post_without_the_pages_token_files_nothing(w: factories.World) -> None:
    client = client_for(w.citizen)
    _ready(client, w)
    for data in ({}, {"ma_nop": "khong-phai-ma-cua-trang"}):
        response = client.post(_url("portal:apply_check", w), data)
        assert response.status_code == 400
        assert "Trang kiểm tra đã cũ; vui lòng xem lại thông tin rồi bấm “Nộp hồ sơ”." in response.content.decode()
    assert not Dossier.objects.exists()
    assert file_application(client, w.procedure.code).status_code == 302
    assert Dossier.objects.count() == 1


def test_another_citizen_cannot_use_a_token_to_see_a_dossier(w: factories.World) -> None:
    client = client_for(w.citizen)
    _ready(client, w)
    token = submission_token(client, w.procedure.code)
    client.post(_url("portal:apply_check", w), {"ma_nop": token})
    dossier = Dossier.objects.get()
    other = client_for(w.stranger)
    response = other.post(_url("portal:apply_check", w), {"ma_nop": token})
    assert response.status_code == 302 and dossier.code not in response["Location"]
    assert Dossier.objects.count() == 1


def test_anonymous_and_officials_cannot_file(client: Client, w: factories.World) -> None:
    response = client.post(_url("portal:apply_check", w), {"ma_nop": "x"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert client_for(w.officer).post(_url("portal:apply_check", w), {"ma_nop": "x"}).status_code == 404
    assert not Dossier.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_taps_arriving_at_the_same_moment_file_one_dossier(w: factories.World) -> None:
    client = client_for(w.citizen)
    _ready(client, w)
    token = submission_token(client, w.procedure.code)
    cookies: SimpleCookie[str] = client.cookies

    def tap() -> Any:
        twin = Client()
        twin.cookies = SimpleCookie(cookies.output(header="", sep=";"))
        return twin.post(_url("portal:apply_check", w), {"ma_nop": token})

    outcomes = at_once(tap, tap)
    assert [o.status_code for o in outcomes] == [302, 302], outcomes
    dossier = Dossier.objects.get()
    assert {o["Location"] for o in outcomes} == {reverse("portal:apply_done", args=[dossier.code])}


# ---------------------------------------------------------------- the fee shown follows what was asked


@pytest.mark.parametrize(
    ("copies", "shown", "total"),
    [
        ("", "Phí cấp bản sao Giấy khai sinh: không yêu cầu", 0),
        ("0", "Phí cấp bản sao Giấy khai sinh: không yêu cầu", 0),
        ("2", "Phí cấp bản sao Giấy khai sinh: 8.000 đồng × 2", 16000),
    ],
)
def test_the_fee_shown_and_stored_follows_the_copies_asked(
    w: factories.World, copies: str, shown: str, total: int
) -> None:
    with_copy_fee(w.version)
    client = client_for(w.citizen)
    _step1(client, w)
    client.post(
        _url("portal:apply_form", w), {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "02/03/2026", "ban_sao": copies}
    )
    client.post(_url("portal:apply_documents", w), {f"file_{_document(w).pk}": upload()})
    check = client.get(_url("portal:apply_check", w)).content.decode()
    assert shown in check
    assert "Lệ phí đăng ký khai sinh: miễn" in check
    expected = f"{total:,}".replace(",", ".") + " đồng" if total else "Miễn phí"
    assert f'<strong id="fee-total">{expected}</strong>' in check
    file_application(client, w.procedure.code)
    assert Dossier.objects.get().fee_total == total


# ---------------------------------------------------------------- the declaration is asked once


def _form(client: Client, w: factories.World) -> None:
    _step1(client, w)
    client.post(_url("portal:apply_form", w), {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "02/03/2026"})


def test_step_3_does_not_ask_for_the_declaration_again(w: factories.World) -> None:
    declaration = with_declaration(w.version)
    birth = with_second_document(w.version)
    client = client_for(w.citizen)
    _form(client, w)
    page = client.get(_url("portal:apply_documents", w)).content.decode()
    assert f'name="file_{declaration.pk}"' not in page and f'name="file_{birth.pk}"' in page
    assert "“Tờ khai đăng ký khai sinh”: không cần tải lên." in page
    response = client.post(_url("portal:apply_documents", w), {f"file_{birth.pk}": upload("chung-sinh.pdf")})
    assert response["Location"] == _url("portal:apply_check", w)
    check = client.get(_url("portal:apply_check", w)).content.decode()
    assert "Lập từ tờ khai điện tử ở bước 2 khi bạn nộp hồ sơ" in check
    assert "tôi xác nhận “Tờ khai đăng ký khai sinh” lập từ tờ khai trên là của tôi" in check
    assert "Hệ thống ghi lại xác nhận này: tài khoản, cách đăng nhập, thời điểm và địa chỉ mạng." in check
    file_application(client, w.procedure.code)
    dossier = Dossier.objects.get()
    sources = dict(dossier.files.values_list("required_document_id", "source"))
    assert sources == {declaration.pk: "declaration", birth.pk: "upload"}
    confirmation = DeclarationConfirmation.objects.get(dossier=dossier)
    assert (confirmation.confirmed_by, confirmation.method, confirmation.ip_address) == (
        w.citizen,
        "password",
        "127.0.0.1",
    )
    # The citizen can read their declaration; nobody else can.
    url = reverse("portal:dossier_file", args=[dossier.code, confirmation.file.pk])
    assert client.get(url).status_code == 200
    assert client_for(w.stranger).get(url).status_code == 404


def test_a_procedure_whose_only_paper_is_the_declaration_skips_step_3(w: factories.World) -> None:
    with_declaration(w.version)
    client = client_for(w.citizen)
    _form(client, w)
    assert client.get(_url("portal:apply_documents", w))["Location"] == _url("portal:apply_check", w)
    assert file_application(client, w.procedure.code).status_code == 302
    assert Dossier.objects.get().files.get().source == "declaration"


def test_a_vneid_login_is_what_the_confirmation_records(client: Client, w: factories.World, provider: Any) -> None:
    with_declaration(w.version)
    code, state = provider.authorize(_start(client), CLAIMS)
    _callback(client, code, state)
    _form(client, w)
    file_application(client, w.procedure.code)
    confirmation = DeclarationConfirmation.objects.get()
    assert confirmation.method == "vneid" and confirmation.confirmed_by.citizen_id == CLAIMS["citizen_id"]
    assert "Tài khoản định danh điện tử VNeID" in pdf_text(confirmation.file.file.open("rb").read())


def test_the_desk_shows_how_the_declaration_was_confirmed(w: factories.World, settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    with_declaration(w.version)
    client = client_for(w.citizen)
    _form(client, w)
    file_application(client, w.procedure.code)
    dossier = Dossier.objects.get()
    confirmation = DeclarationConfirmation.objects.get()
    desk = client_for(w.officer).get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert "Người nộp xác nhận tờ khai điện tử" in desk
    for text in (w.citizen.full_name, "Mật khẩu", "127.0.0.1", confirmation.sha256):
        assert text in desk, text


# ---------------------------------------------------------------- files that passed are kept


def test_a_good_file_is_kept_when_another_fails(w: factories.World, settings: Any) -> None:
    first = _document(w)
    second = with_second_document(w.version)
    client = client_for(w.citizen)
    _form(client, w)
    response = client.post(
        _url("portal:apply_documents", w),
        {f"file_{first.pk}": upload("to-khai.pdf"), f"file_{second.pk}": exe()},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Các tệp hợp lệ đã được giữ lại, không cần tải lên lại:" in html and "to-khai.pdf" in html
    assert "Đã có: to-khai.pdf" in html
    assert "Tệp “chuong-trinh.exe” không đúng loại" in html
    assert len(list((Path(settings.MEDIA_ROOT) / "tmp" / "apply").rglob("*.pdf"))) == 1
    # Only the failed one is sent again.
    again = client.post(_url("portal:apply_documents", w), {f"file_{second.pk}": upload("chung-sinh.pdf")})
    assert again["Location"] == _url("portal:apply_check", w)
    check = client.get(_url("portal:apply_check", w)).content.decode()
    assert "to-khai.pdf" in check and "chung-sinh.pdf" in check
    file_application(client, w.procedure.code)
    assert Dossier.objects.get().files.count() == 2
