"""Officials see, on a dossier, whether the account that filed it has proven its identity."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cqs.dossiers import services as dossier_services
from cqs.dossiers.tests import factories
from cqs.dossiers.tests.factories_api import Caller

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _desk_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "config.urls"
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


def _filed_by(w: factories.World, account: Any) -> Any:
    return factories.filing(w, applicant_name=account.full_name, applicant_id_number=account.citizen_id)


def _desk_page(user: Any, code: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("desk:dossier", kwargs={"code": code}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_desk_marks_a_dossier_filed_by_an_unverified_account(w: factories.World) -> None:
    squatted = factories.citizen("040095004321", "Lê Văn Giả", verified=False)
    dossier = dossier_services.dossier_submit_online(applicant=squatted, filing=_filed_by(w, squatted))
    html = _desk_page(w.officer, dossier.code)
    assert "Chưa xác minh danh tính" in html
    assert f'href="{reverse("accounts:identity_counter")}?so=040095004321"' in html
    specialist_view = _desk_page(w.specialist, dossier.code)
    assert "Chưa xác minh danh tính" in specialist_view
    assert reverse("accounts:identity_counter") not in specialist_view  # no link to a page they cannot open


def test_a_verified_account_is_shown_as_such(w: factories.World) -> None:
    dossier = dossier_services.dossier_submit_online(applicant=w.citizen, filing=factories.filing(w))
    html = _desk_page(w.officer, dossier.code)
    assert "Đã xác minh danh tính (Đối chiếu giấy tờ tại Bộ phận Một cửa)" in html
    assert "Chưa xác minh danh tính" not in html


def test_the_api_tells_officials_whether_the_filing_account_is_verified(w: factories.World) -> None:
    squatted = factories.citizen("040095004321", "Lê Văn Giả", verified=False)
    unproven = dossier_services.dossier_submit_online(applicant=squatted, filing=_filed_by(w, squatted))
    proven = dossier_services.dossier_submit_online(applicant=w.citizen, filing=factories.filing(w))
    officer = Caller(w.officer)
    applicant = officer.get(f"/dossiers/{unproven.code}").json()["applicant"]
    assert (applicant["account_identity_verified"], applicant["account_identity_proof"]) == (False, "")
    applicant = officer.get(f"/dossiers/{proven.code}").json()["applicant"]
    assert (applicant["account_identity_verified"], applicant["account_identity_proof"]) == (True, "counter")
    assert Caller(w.citizen).get(f"/dossiers/{proven.code}").json()["applicant"]["account_identity_verified"]
