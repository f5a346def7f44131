"""Filing a dossier: who the applicant is, one dossier per submission, the declaration, the fee."""

from __future__ import annotations

from typing import Any

import pytest

from cqs.core.errors import ValidationFailed
from cqs.dossiers.models import Dossier, FilingMode
from cqs.dossiers.tests.factories import World
from cqs.dossiers.tests.factories_dsvc import media_files, state, submitted

pytestmark = pytest.mark.django_db

INVALID_FILING = "Hồ sơ chưa hợp lệ, vui lòng sửa các mục được đánh dấu."
NOT_THE_ACCOUNT = (
    "Người nộp hồ sơ trực tuyến là chủ tài khoản (Nguyễn Thị Lan, 040190012345). "
    "Để nộp cho người khác, chọn hình thức “Nộp thay theo ủy quyền” và ghi người ủy quyền, giấy ủy quyền."
)


# ---------------------------------------------------------------- who files online: the account holder


@pytest.mark.parametrize("mode", [FilingMode.SELF, FilingMode.ASSISTED, FilingMode.ON_BEHALF])
@pytest.mark.parametrize(
    "overrides",
    [
        {"applicant_id_number": "040085654321"},
        {"applicant_name": "Trần Văn Hùng"},
        {"applicant_name": "Trần Văn Hùng", "applicant_id_number": "040085654321"},
    ],
)
def test_online_the_applicant_is_the_account_holder_whatever_the_payload_says(
    w: World, mode: str, overrides: dict[str, Any]
) -> None:
    extra = {
        FilingMode.SELF: {},
        FilingMode.ASSISTED: {"assisted_by": "Lê Văn Tổ"},
        FilingMode.ON_BEHALF: {"principal_name": "Lê Văn Ba", "authorisation_note": "Giấy ủy quyền số 12/UQ"},
    }[mode]
    before = state()
    with pytest.raises(ValidationFailed) as caught:
        submitted(w, filing_mode=mode, **extra, **overrides)
    assert caught.value.message == INVALID_FILING
    errors = caught.value.extra["errors"]
    assert set(errors) == {"applicant"}
    assert errors["applicant"] == NOT_THE_ACCOUNT
    assert state() == before and media_files() == []


def test_online_the_applicant_is_taken_from_the_account_when_left_empty(w: World) -> None:
    dossier = submitted(w, applicant_name="", applicant_id_number="", applicant_address="")
    assert (dossier.applicant_name, dossier.applicant_id_number) == ("Nguyễn Thị Lan", "040190012345")
    assert dossier.applicant == w.citizen


def test_online_the_account_holder_may_write_their_own_name_in_another_case_or_spacing(w: World) -> None:
    dossier = submitted(w, applicant_name="  nguyễn   THỊ lan ", applicant_id_number=" 040190012345 ")
    assert (dossier.applicant_name, dossier.applicant_id_number) == ("Nguyễn Thị Lan", "040190012345")


def test_filing_for_another_person_is_the_proxy_mode(w: World) -> None:
    dossier = submitted(
        w,
        filing_mode=FilingMode.ON_BEHALF,
        principal_name="Trần Văn Hùng",
        principal_id_number="040085654321",
        authorisation_note="Giấy ủy quyền số 12/UQ ngày 01/09/2025",
    )
    assert (dossier.applicant_name, dossier.applicant_id_number) == ("Nguyễn Thị Lan", "040190012345")
    assert (dossier.principal_name, dossier.principal_id_number) == ("Trần Văn Hùng", "040085654321")
    assert Dossier.objects.filter(applicant=w.citizen).count() == 1


def test_a_malformed_principal_id_number_is_refused(w: World) -> None:
    before = state()
    with pytest.raises(ValidationFailed) as caught:
        submitted(
            w,
            filing_mode=FilingMode.ON_BEHALF,
            principal_name="Trần Văn Hùng",
            principal_id_number="12345",
            authorisation_note="Giấy ủy quyền số 12/UQ",
        )
    assert "principal_id_number" in caught.value.extra["errors"]
    assert state() == before
