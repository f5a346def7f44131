"""Filing a dossier: who the applicant is, one dossier per submission, the declaration, the fee."""

from __future__ import annotations

from typing import Any

import pytest

from cqs.core.errors import ValidationFailed
from cqs.dossiers import services
from cqs.dossiers.models import Dossier, DossierEvent, DossierSequence, FilingMode, SubmissionKey
from cqs.dossiers.tests.factories import World, filing
from cqs.dossiers.tests.factories_dsvc import media_files, state, submitted
from cqs.dossiers.tests.factories_filing import at_once, with_copy_fee

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


# ---------------------------------------------------------------- one dossier per submission key


def _filing_with_key(w: World, key: str, **overrides: Any) -> Any:
    return filing(w, idempotency_key=key, **overrides)


def test_the_same_key_twice_files_one_dossier_and_names_it(w: World) -> None:
    first = services.dossier_submit_online(applicant=w.citizen, filing=_filing_with_key(w, "lan-1"))
    before = state()
    with pytest.raises(services.AlreadyFiled) as caught:
        services.dossier_submit_online(applicant=w.citizen, filing=_filing_with_key(w, "lan-1"))
    assert caught.value.dossier == first
    assert caught.value.message == f"Hồ sơ này đã được nộp, mã hồ sơ {first.code}; không nộp lần thứ hai."
    assert state() == before
    assert SubmissionKey.objects.get().dossier == first


def test_a_key_reused_for_a_different_filing_is_refused(w: World) -> None:
    services.dossier_submit_online(applicant=w.citizen, filing=_filing_with_key(w, "lan-1"))
    before = state()
    with pytest.raises(ValidationFailed) as caught:
        services.dossier_submit_online(
            applicant=w.citizen, filing=_filing_with_key(w, "lan-1", form_data={"ho_ten_tre": "Khác", "ngay_sinh": ""})
        )
    assert caught.value.code == "idempotency_key_reused"
    assert caught.value.message == "Khoá nộp một lần này đã dùng cho một hồ sơ khác; mỗi lần nộp cần một khoá mới."
    assert state() == before


def test_keys_belong_to_their_account(w: World) -> None:
    mine = services.dossier_submit_online(applicant=w.citizen, filing=_filing_with_key(w, "k"))
    theirs = services.dossier_submit_online(
        applicant=w.stranger,
        filing=_filing_with_key(w, "k", applicant_name="", applicant_id_number=""),
    )
    assert mine != theirs and Dossier.objects.count() == 2


def test_a_refused_filing_leaves_its_key_free_for_the_corrected_one(w: World) -> None:
    with pytest.raises(ValidationFailed):
        services.dossier_submit_online(applicant=w.citizen, filing=_filing_with_key(w, "k", attachments=[]))
    assert not SubmissionKey.objects.exists()
    dossier = services.dossier_submit_online(applicant=w.citizen, filing=_filing_with_key(w, "k"))
    assert SubmissionKey.objects.get().dossier == dossier


@pytest.mark.parametrize("key", ["có dấu", "a b", "x" * 101])
def test_a_malformed_key_is_refused(w: World, key: str) -> None:
    before = state()
    with pytest.raises(ValidationFailed) as caught:
        services.dossier_submit_online(applicant=w.citizen, filing=_filing_with_key(w, key))
    assert caught.value.code == "idempotency_key_invalid"
    assert state() == before


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_the_same_moment_with_one_key_file_one_dossier(w: World) -> None:
    outcomes = at_once(
        *(
            lambda: services.dossier_submit_online(applicant=w.citizen, filing=_filing_with_key(w, "double-tap"))
            for _ in range(2)
        )
    )
    filed = [o for o in outcomes if isinstance(o, Dossier)]
    replayed = [o for o in outcomes if isinstance(o, services.AlreadyFiled)]
    assert (len(filed), len(replayed)) == (1, 1), outcomes
    assert replayed[0].dossier.pk == filed[0].pk
    assert Dossier.objects.count() == 1 and DossierEvent.objects.filter(action="submit").count() == 1
    assert DossierSequence.objects.get().last == 1


@pytest.mark.django_db(transaction=True)
def test_counter_reception_at_the_same_moment_with_one_key_receives_one_dossier(w: World) -> None:
    def receive() -> Any:
        return services.dossier_receive_at_counter(
            officer=w.officer,
            filing=_filing_with_key(w, "quay-1", applicant_name="Lê Văn Tám", applicant_id_number="040090011111"),
        )

    outcomes = at_once(receive, receive)
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyFiled", "Dossier"], outcomes
    assert Dossier.objects.count() == 1


# ---------------------------------------------------------------- the fee follows what was asked


@pytest.mark.parametrize(("copies", "fee"), [(None, 0), ("", 0), ("0", 0), ("1", 8000), ("3", 24000)])
def test_the_stored_fee_follows_the_copies_asked(w: World, copies: str | None, fee: int) -> None:
    with_copy_fee(w.version)
    form = {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "02/03/2026"}
    if copies is not None:
        form["ban_sao"] = copies
    dossier = submitted(w, form_data=form)
    assert dossier.fee_total == fee


def test_an_absurd_number_of_copies_is_refused_on_its_field(w: World) -> None:
    with_copy_fee(w.version)
    before = state()
    with pytest.raises(ValidationFailed) as caught:
        submitted(w, form_data={"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "02/03/2026", "ban_sao": "20000"})
    assert caught.value.extra["errors"]["form"] == {"ban_sao": ["Tối đa 10.000."]}
    assert state() == before
