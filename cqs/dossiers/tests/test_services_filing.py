"""Filing a dossier (``services.filing``): online by the applicant, at the counter by the one-stop desk;
what each does, and that every refusal changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from cqs.accounts.models import Role
from cqs.catalog.models import Agency, ProcedureVersion
from cqs.catalog.tests import factories as catalog_factories
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.models import Sequence
from cqs.dossiers import services
from cqs.dossiers.models import DossierEvent, DossierFile, FilingMode, Status
from cqs.dossiers.services import Attachment
from cqs.dossiers.tests.factories import PDF_BYTES, World, filing, official, pdf
from cqs.dossiers.tests.factories_dsvc import NOT_A_PDF, PNG_BYTES, at, media_files, refused, state, submitted, upload

INVALID_FILING = "Hồ sơ chưa hợp lệ, vui lòng sửa các mục được đánh dấu."


# ---------------------------------------------------------------- filing online


def test_submit_online_writes_the_dossier_its_files_and_one_event(w: World) -> None:
    dossier = submitted(w)
    assert dossier.status == Status.SUBMITTED and dossier.channel == 2
    assert dossier.received_at is None and dossier.due_at is None
    assert dossier.applicant == w.citizen and dossier.filed_by == w.citizen
    assert dossier.form_data == {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "2026-03-02"}
    assert dossier.fee_total == 8000
    file = dossier.files.get()
    assert (file.kind, file.source, file.size) == ("pdf", DossierFile.Source.UPLOAD, len(PDF_BYTES))
    assert len(media_files()) == 1
    event = DossierEvent.objects.get(dossier=dossier)
    assert (event.action, event.from_status, event.to_status, event.national_status, event.channel) == (
        "submit",
        "",
        Status.SUBMITTED,
        1,
        2,
    )


def test_filing_with_eform_errors_is_refused_and_nothing_is_written(w: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        before = state()
        submitted(w, form_data={"ho_ten_tre": "", "ngay_sinh": "31/02/2026"})
    assert caught.value.message == INVALID_FILING
    assert set(caught.value.extra["errors"]["form"]) == {"ho_ten_tre", "ngay_sinh"}
    assert caught.value.extra["errors"]["form"]["ngay_sinh"] == [
        "Ngày 31/02/2026 không có thật: tháng 2 năm 2026 chỉ có 28 ngày."
    ]
    assert state() == before
    assert media_files() == [] and not Sequence.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        ({"attachments": []}, "documents", "Còn thiếu giấy tờ bắt buộc: Tờ khai đăng ký khai sinh."),
        (
            {"filing_mode": FilingMode.ON_BEHALF},
            "principal",
            "Nộp thay cần ghi họ tên người ủy quyền và giấy ủy quyền.",
        ),
        (
            {"filing_mode": FilingMode.ASSISTED},
            "assisted_by",
            "Ghi họ tên thành viên tổ công nghệ số cộng đồng đã hỗ trợ.",
        ),
        ({"filing_mode": "hacker"}, "filing_mode", "Hình thức nộp không hợp lệ."),
        ({"delivery": "drone"}, "delivery", "Cách nhận kết quả không hợp lệ."),
    ],
)
def test_filing_field_errors(w: World, overrides: dict[str, Any], key: str, message: str) -> None:
    before = state()
    with pytest.raises(ValidationFailed) as caught:
        submitted(w, **overrides)
    assert caught.value.message == INVALID_FILING
    assert caught.value.extra["errors"][key] == message
    assert state() == before and media_files() == []


def test_on_behalf_with_principal_and_authorisation_is_accepted(w: World) -> None:
    dossier = submitted(
        w,
        filing_mode=FilingMode.ON_BEHALF,
        principal_name="Lê Văn Ba",
        principal_id_number="040080011111",
        authorisation_note="Giấy ủy quyền số 12/UQ",
    )
    assert dossier.principal_name == "Lê Văn Ba" and "le van ba" in dossier.search_text


def test_a_document_of_another_procedure_is_refused(w: World) -> None:
    manager = catalog_factories.official(role="catalog_manager")
    other = catalog_factories.published(code="2.000999", name="Thủ tục khác", actor=manager, agencies=[w.agency])
    foreign = other.current_version.documents.get()  # type: ignore[union-attr]
    before = state()
    with pytest.raises(ValidationFailed) as caught:
        submitted(w, attachments=[*filing(w).attachments, Attachment(required_document_id=foreign.pk, upload=pdf())])
    assert caught.value.extra["errors"]["attachments"] == "Có giấy tờ không thuộc thủ tục này."
    assert state() == before and media_files() == []


def test_a_deciding_agency_that_does_not_do_the_procedure_is_refused(w: World) -> None:
    before = state()
    with pytest.raises(ValidationFailed) as caught:
        submitted(w, deciding_agency=w.other_agency)
    assert caught.value.extra["errors"]["deciding_agency"] == "Cơ quan này không giải quyết thủ tục đã chọn."
    assert state() == before


def test_a_receiving_place_that_takes_no_dossiers_is_refused(w: World) -> None:
    place = catalog_factories.agency(kind=Agency.Kind.OTHER)
    with pytest.raises(ValidationFailed) as caught:
        submitted(w, receiving_agency=place)
    assert caught.value.extra["errors"]["receiving_agency"] == "Nơi tiếp nhận không hợp lệ."


def test_a_version_no_longer_current_is_refused(w: World) -> None:
    ProcedureVersion.objects.filter(pk=w.version.pk).update(status=ProcedureVersion.Status.SUPERSEDED)
    w.version.refresh_from_db()
    refused(
        ValidationFailed,
        "Thủ tục này hiện không nhận hồ sơ (phiên bản không còn áp dụng).",
        lambda: submitted(w),
    )


def test_a_procedure_without_online_service_is_refused_online_but_taken_at_the_counter(w: World) -> None:
    ProcedureVersion.objects.filter(pk=w.version.pk).update(online_level="none")
    w.version.refresh_from_db()
    refused(
        ValidationFailed,
        "Thủ tục này chưa cung cấp dịch vụ công trực tuyến; vui lòng nộp tại Bộ phận Một cửa.",
        lambda: submitted(w),
    )
    dossier = services.dossier_receive_at_counter(officer=w.officer, filing=filing(w))
    assert dossier.status == Status.PROCESSING


def test_an_attachment_that_is_not_a_pdf_inside_is_refused_by_content(w: World) -> None:
    document = w.version.documents.get()
    bad = Attachment(required_document_id=document.pk, upload=upload(NOT_A_PDF, "to-khai.pdf"))
    refused(
        ValidationFailed,
        "Tệp “to-khai.pdf” không đúng loại: Tờ khai đăng ký khai sinh chỉ nhận PDF, PNG, JPEG.",
        lambda: submitted(w, attachments=[bad]),
    )
    assert media_files() == [] and not Sequence.objects.exists()


def test_a_bad_second_attachment_leaves_no_file_of_the_first_behind(w: World) -> None:
    document = w.version.documents.get()
    good = Attachment(required_document_id=document.pk, upload=pdf())
    bad = Attachment(required_document_id=None, name="Ảnh chân dung", upload=upload(b"GIF89a....", "anh.png"))
    refused(
        ValidationFailed,
        "Tệp “anh.png” không đúng loại: Ảnh chân dung chỉ nhận PDF, PNG, JPEG.",
        lambda: submitted(w, attachments=[good, bad]),
    )
    assert media_files() == []
    # No number was consumed: the next dossier of the day is 0001.
    assert submitted(w).code.endswith("-0001")


def test_png_and_a_paper_from_the_citizens_store_are_accepted(w: World) -> None:
    paper = services.stored_paper_add(owner=w.citizen, name="Giấy chứng sinh", upload=pdf("chung-sinh.pdf"))
    document = w.version.documents.get()
    dossier = submitted(
        w,
        attachments=[
            Attachment(required_document_id=document.pk, upload=upload(PNG_BYTES, "to-khai.png")),
            Attachment(required_document_id=None, stored_paper_id=paper.pk),
        ],
    )
    kinds = list(dossier.files.order_by("id").values_list("kind", "source", "name"))
    assert kinds == [
        ("png", DossierFile.Source.UPLOAD, "Tờ khai đăng ký khai sinh"),
        ("pdf", DossierFile.Source.REUSED, "Giấy tờ khác"),
    ]
    assert dossier.files.get(source=DossierFile.Source.REUSED).file.name == paper.file.name


def test_a_paper_from_someone_elses_store_is_refused(w: World) -> None:
    paper = services.stored_paper_add(owner=w.stranger, name="Giấy tờ của người khác", upload=pdf())
    attachments = [*filing(w).attachments, Attachment(required_document_id=None, stored_paper_id=paper.pk)]
    refused(
        ValidationFailed,
        "Không tìm thấy giấy tờ trong kho dữ liệu của bạn.",
        lambda: submitted(w, attachments=attachments),
    )


def test_an_official_cannot_file_online(w: World) -> None:
    refused(
        NotFoundOrForbidden,
        "Chỉ công dân, tổ chức đã đăng nhập mới nộp hồ sơ trực tuyến.",
        lambda: services.dossier_submit_online(applicant=w.officer, filing=filing(w)),
    )


# ---------------------------------------------------------------- reception at the counter


def test_counter_reception_is_channel_1_and_accepted_at_once(w: World) -> None:
    with time_machine.travel(at(2027, 3, 1, 9, 0), tick=False):
        dossier = services.dossier_receive_at_counter(officer=w.officer, filing=filing(w), applicant=w.citizen)
    assert dossier.channel == 1 and dossier.status == Status.PROCESSING
    assert dossier.received_by == w.officer and dossier.filed_by == w.officer and dossier.applicant == w.citizen
    assert dossier.due_at == at(2027, 3, 4, 9, 0)
    events = list(DossierEvent.objects.filter(dossier=dossier).values_list("action", "national_status", "channel"))
    assert events == [("receive", 1, 1), ("accept", 2, 1)]
    assert dossier.files.get().uploaded_by == w.officer


def test_counter_reception_by_post_keeps_channel_3(w: World) -> None:
    dossier = services.dossier_receive_at_counter(officer=w.officer, filing=filing(w), channel=3)
    assert set(DossierEvent.objects.filter(dossier=dossier).values_list("channel", flat=True)) == {3}


@pytest.mark.parametrize("who", ["specialist", "leader", "other_officer", "citizen"])
def test_counter_reception_only_by_a_one_stop_officer_of_that_agency(w: World, who: str) -> None:
    actor = official("motcua2", w.other_agency, Role.ONE_STOP_OFFICER) if who == "other_officer" else getattr(w, who)
    refused(
        NotFoundOrForbidden,
        "Bạn không tiếp nhận hồ sơ tại nơi này.",
        lambda: services.dossier_receive_at_counter(officer=actor, filing=filing(w)),
    )


def test_counter_reception_refuses_an_online_channel_and_bad_files(w: World) -> None:
    refused(
        ValidationFailed,
        "Kênh tiếp nhận không hợp lệ.",
        lambda: services.dossier_receive_at_counter(officer=w.officer, filing=filing(w), channel=2),
    )
    document = w.version.documents.get()
    bad = [Attachment(required_document_id=document.pk, upload=upload(NOT_A_PDF, "scan.pdf"))]
    refused(
        ValidationFailed,
        "Tệp “scan.pdf” không đúng loại: Tờ khai đăng ký khai sinh chỉ nhận PDF, PNG, JPEG.",
        lambda: services.dossier_receive_at_counter(officer=w.officer, filing=filing(w, attachments=bad)),
    )
