"""Filing a dossier: who the applicant is, one dossier per submission, the declaration, the fee."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from cqs.core.audit import RequestContext, current_request
from cqs.core.errors import ValidationFailed
from cqs.core.models import AuditEvent, Sequence
from cqs.dossiers import services
from cqs.dossiers.codes import CODE_SCOPE
from cqs.dossiers.models import (
    AuthMethod,
    DeclarationConfirmation,
    Dossier,
    DossierEvent,
    DossierFile,
    FilingMode,
    SubmissionKey,
)
from cqs.dossiers.tests.factories import World, filing
from cqs.dossiers.tests.factories_dsvc import media_files, state, submitted
from cqs.dossiers.tests.factories_filing import at_once, pdf_text, with_copy_fee, with_declaration
from cqs.signing import services as signing
from cqs.signing.models import Certificate
from cqs.signing.pdf import pdf_verify

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
    assert list(Sequence.objects.values_list("scope", "last")) == [(CODE_SCOPE, 1)]


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


# ---------------------------------------------------------------- the declaration is the filled e-form


def _stored(item: DossierFile) -> bytes:
    with item.file.open("rb") as handle:
        return handle.read()


def test_online_the_declaration_is_made_from_the_eform_and_confirmed(w: World) -> None:
    document = with_declaration(w.version)
    token = current_request.set(RequestContext(ip_address="203.0.113.45"))
    try:
        dossier = services.dossier_submit_online(
            applicant=w.citizen, filing=filing(w, attachments=[]), authenticated_by=AuthMethod.VNEID
        )
    finally:
        current_request.reset(token)
    made = dossier.files.get()
    assert (made.required_document, made.source, made.kind, made.name) == (
        document,
        DossierFile.Source.DECLARATION,
        "pdf",
        "Tờ khai đăng ký khai sinh",
    )
    content = _stored(made)
    assert hashlib.sha256(content).hexdigest() == made.sha256 and len(content) == made.size
    text = pdf_text(content)
    for expected in (
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        "Kính gửi: UBND phường Trường Vinh",
        "Nguyễn Thị Lan",
        "040190012345",
        "Nguyễn Văn Bình",
        "02/03/2026",
        dossier.code,
        "Tài khoản định danh điện tử VNeID",
        "203.0.113.45",
    ):
        assert expected in text, expected
    confirmation = DeclarationConfirmation.objects.get(dossier=dossier)
    assert (confirmation.file, confirmation.confirmed_by, confirmation.method) == (made, w.citizen, "vneid")
    assert (confirmation.ip_address, confirmation.sha256, confirmation.certificate) == (
        "203.0.113.45",
        made.sha256,
        None,
    )
    assert confirmation.confirmed_at == dossier.submitted_at
    audit = AuditEvent.objects.filter(action="dossier.submit").latest("seq")
    assert audit.after["declaration"]["sha256"] == made.sha256


def test_online_an_upload_for_the_declaration_is_refused(w: World) -> None:
    with_declaration(w.version)
    before = state()
    with pytest.raises(ValidationFailed) as caught:
        submitted(w)  # the factory attaches a PDF to the first document
    assert caught.value.extra["errors"] == {
        "declaration": "“Tờ khai đăng ký khai sinh” được lập từ tờ khai điện tử khi nộp hồ sơ; "
        "không gửi tệp cho giấy tờ này."
    }
    assert state() == before


def test_at_the_counter_the_signed_paper_declaration_is_scanned(w: World) -> None:
    with_declaration(w.version)
    with pytest.raises(ValidationFailed) as caught:
        services.dossier_receive_at_counter(
            officer=w.officer,
            filing=filing(w, attachments=[], applicant_name="Lê Văn Tám", applicant_id_number="040090011111"),
        )
    assert caught.value.extra["errors"]["documents"] == "Còn thiếu giấy tờ bắt buộc: Tờ khai đăng ký khai sinh."
    dossier = services.dossier_receive_at_counter(
        officer=w.officer, filing=filing(w, applicant_name="Lê Văn Tám", applicant_id_number="040090011111")
    )
    assert dossier.files.get().source == DossierFile.Source.UPLOAD
    assert not DeclarationConfirmation.objects.exists()


def test_an_applicant_with_a_certificate_signs_the_declaration(w: World, demo_ca: Any) -> None:
    with_declaration(w.version)
    certificate = signing.certificate_issue(
        issuer=demo_ca[1], common_name="Nguyễn Thị Lan", kind=Certificate.Kind.PERSONAL, owner=w.citizen, actor=None
    )
    dossier = services.dossier_submit_online(
        applicant=w.citizen, filing=filing(w, attachments=[]), authenticated_by=AuthMethod.PASSWORD
    )
    made = dossier.files.get()
    reports = pdf_verify(pdf=_stored(made))
    assert len(reports) == 1 and reports[0].intact and reports[0].valid and reports[0].signer_name == "Nguyễn Thị Lan"
    assert DeclarationConfirmation.objects.get().certificate == certificate
    assert "Tờ khai có chữ ký số của người khai." in pdf_text(_stored(made))


def test_a_signing_service_that_fails_leaves_the_confirmation(w: World, demo_ca: Any, monkeypatch: Any) -> None:
    from cqs.dossiers.services import filing as filing_module

    with_declaration(w.version)
    signing.certificate_issue(
        issuer=demo_ca[1], common_name="Nguyễn Thị Lan", kind=Certificate.Kind.PERSONAL, owner=w.citizen, actor=None
    )

    def unavailable(**_kwargs: Any) -> bytes:
        raise ValidationFailed("Dịch vụ ký số từ xa không trả lời.")

    monkeypatch.setattr(filing_module, "pdf_sign", unavailable)
    dossier = services.dossier_submit_online(
        applicant=w.citizen, filing=filing(w, attachments=[]), authenticated_by=AuthMethod.PASSWORD
    )
    confirmation = DeclarationConfirmation.objects.get(dossier=dossier)
    assert confirmation.certificate is None and confirmation.method == "password"
    assert pdf_verify(pdf=_stored(confirmation.file)) == []
    assert "Đã xác nhận điện tử" in pdf_text(_stored(confirmation.file))


def test_an_unknown_authentication_method_is_refused(w: World) -> None:
    before = state()
    with pytest.raises(ValidationFailed):
        services.dossier_submit_online(applicant=w.citizen, filing=filing(w), authenticated_by="magic")
    assert state() == before
