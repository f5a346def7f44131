"""Filing through the API: the account holder files, one dossier per Idempotency-Key, the declaration is made for you."""

from __future__ import annotations

import pytest

from cqs.dossiers.models import Dossier
from cqs.dossiers.tests.factories import World, pdf
from cqs.dossiers.tests.test_api import Caller, _officials_without_totp, filing_payload, people, png

pytestmark = pytest.mark.django_db
__all__ = ["_officials_without_totp", "people"]  # fixtures shared with the main API tests


def test_self_filing_under_another_persons_name_and_cccd_is_refused(w: World, people: dict[str, Caller]) -> None:
    payload = filing_payload(w, filing_mode="self", applicant_name="Trần Văn Hùng", applicant_id_number="040085654321")
    response = people["citizen"].multipart("/dossiers", payload, [pdf(), png()])
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["message"] == "Hồ sơ chưa hợp lệ, vui lòng sửa các mục được đánh dấu."
    assert body["detail"]["errors"]["applicant"].startswith(
        "Người nộp hồ sơ trực tuyến là chủ tài khoản (Nguyễn Thị Lan, 040190012345)."
    )
    assert not Dossier.objects.exists()


def test_filing_for_another_person_goes_through_the_proxy_mode(w: World, people: dict[str, Caller]) -> None:
    payload = filing_payload(
        w,
        filing_mode="on_behalf",
        principal_name="Trần Văn Hùng",
        principal_id_number="040085654321",
        authorisation_note="Giấy ủy quyền số 12/UQ",
    )
    response = people["citizen"].multipart("/dossiers", payload, [pdf(), png()])
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.json()["code"])
    assert (dossier.applicant, dossier.applicant_name, dossier.applicant_id_number) == (
        w.citizen,
        "Nguyễn Thị Lan",
        "040190012345",
    )
    assert dossier.principal_id_number == "040085654321"
    # The principal sees nothing of it through their own account: it is not their dossier.
    assert people["stranger"].get(f"/dossiers/{dossier.code}").status_code == 404

