"""Applying online, the parts that protect the citizen: one dossier per "Nộp hồ sơ", filed in their own name."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cqs.dossiers.models import Dossier, DossierEvent
from cqs.dossiers.tests import factories
from cqs.dossiers.tests.factories_filing import at_once, with_copy_fee
from cqs.dossiers.tests.factories_portalapply import client_for, file_application, submission_token, upload
from cqs.portal.tests.test_dossiers_apply import _document, _step1, _to_documents, _url

pytestmark = pytest.mark.django_db


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
