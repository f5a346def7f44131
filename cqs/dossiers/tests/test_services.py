"""The dossier state machine, action by action: what each does, and that every refusal changes nothing."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from cqs.accounts.models import Role
from cqs.catalog.models import Agency, ProcedureVersion
from cqs.catalog.tests import factories as catalog_factories
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.core.models import Sequence
from cqs.core.sequences import sequence_last
from cqs.dossiers import services
from cqs.dossiers.codes import REGISTER_SCOPE
from cqs.dossiers.models import (
    Dossier,
    DossierEvent,
    DossierFile,
    DossierPause,
    FilingMode,
    FormalNotice,
    Status,
    StoredPaper,
)
from cqs.dossiers.services import Attachment, reception
from cqs.dossiers.tests.factories import PDF_BYTES, World, filing, official, pdf
from cqs.dossiers.tests.factories_dsvc import (
    NOT_A_PDF,
    PNG_BYTES,
    accepted,
    at,
    awaiting_approval,
    finished,
    media_files,
    state,
    submitted,
    upload,
)

NOT_FOUND = "Không tìm thấy hồ sơ."
INVALID_FILING = "Hồ sơ chưa hợp lệ, vui lòng sửa các mục được đánh dấu."
TOO_LATE = "Phiếu xin lỗi phải gửi trước hạn trả ít nhất 1 ngày làm việc."
NOT_AFTER = "Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại (04/03/2027)."


def _refused(error: type[Exception], message: str, call: Any, dossier: Dossier | None = None) -> None:
    """The call raises exactly ``message`` and leaves status, events, audit rows and files as they were."""
    before = state(dossier)
    with pytest.raises(error) as caught:
        call()
    assert caught.value.message == message  # type: ignore[attr-defined]
    assert state(dossier) == before


def _invalid(action: str, dossier: Dossier, status: str) -> str:
    return f"Không thể {action}: hồ sơ {dossier.code} đang ở trạng thái «{status}»."


def _supplement(dossier: Dossier, actor: Any) -> Dossier:
    return services.dossier_request_supplement(
        dossier=dossier,
        actor=actor,
        items=["Bản sao giấy chứng sinh"],
        reason="Thiếu giấy chứng sinh",
        contact="Chị Hoa",
    )


def _answer(dossier: Dossier, actor: Any) -> Dossier:
    return services.dossier_answer_supplement(
        dossier=dossier, actor=actor, attachments=[Attachment(required_document_id=None, upload=pdf("chung-sinh.pdf"))]
    )


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
    _refused(
        ValidationFailed,
        "Thủ tục này hiện không nhận hồ sơ (phiên bản không còn áp dụng).",
        lambda: submitted(w),
    )


def test_a_procedure_without_online_service_is_refused_online_but_taken_at_the_counter(w: World) -> None:
    ProcedureVersion.objects.filter(pk=w.version.pk).update(online_level="none")
    w.version.refresh_from_db()
    _refused(
        ValidationFailed,
        "Thủ tục này chưa cung cấp dịch vụ công trực tuyến; vui lòng nộp tại Bộ phận Một cửa.",
        lambda: submitted(w),
    )
    dossier = services.dossier_receive_at_counter(officer=w.officer, filing=filing(w))
    assert dossier.status == Status.PROCESSING


def test_an_attachment_that_is_not_a_pdf_inside_is_refused_by_content(w: World) -> None:
    document = w.version.documents.get()
    bad = Attachment(required_document_id=document.pk, upload=upload(NOT_A_PDF, "to-khai.pdf"))
    _refused(
        ValidationFailed,
        "Tệp “to-khai.pdf” không đúng loại: Tờ khai đăng ký khai sinh chỉ nhận PDF, PNG, JPEG.",
        lambda: submitted(w, attachments=[bad]),
    )
    assert media_files() == [] and not Sequence.objects.exists()


def test_a_bad_second_attachment_leaves_no_file_of_the_first_behind(w: World) -> None:
    document = w.version.documents.get()
    good = Attachment(required_document_id=document.pk, upload=pdf())
    bad = Attachment(required_document_id=None, name="Ảnh chân dung", upload=upload(b"GIF89a....", "anh.png"))
    _refused(
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
    _refused(
        ValidationFailed,
        "Không tìm thấy giấy tờ trong kho dữ liệu của bạn.",
        lambda: submitted(w, attachments=attachments),
    )


def test_an_official_cannot_file_online(w: World) -> None:
    _refused(
        NotFoundOrForbidden,
        "Chỉ công dân, tổ chức đã đăng nhập mới nộp hồ sơ trực tuyến.",
        lambda: services.dossier_submit_online(applicant=w.officer, filing=filing(w)),
    )


# ---------------------------------------------------------------- reception


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
    _refused(
        NotFoundOrForbidden,
        "Bạn không tiếp nhận hồ sơ tại nơi này.",
        lambda: services.dossier_receive_at_counter(officer=actor, filing=filing(w)),
    )


def test_counter_reception_refuses_an_online_channel_and_bad_files(w: World) -> None:
    _refused(
        ValidationFailed,
        "Kênh tiếp nhận không hợp lệ.",
        lambda: services.dossier_receive_at_counter(officer=w.officer, filing=filing(w), channel=2),
    )
    document = w.version.documents.get()
    bad = [Attachment(required_document_id=document.pk, upload=upload(NOT_A_PDF, "scan.pdf"))]
    _refused(
        ValidationFailed,
        "Tệp “scan.pdf” không đúng loại: Tờ khai đăng ký khai sinh chỉ nhận PDF, PNG, JPEG.",
        lambda: services.dossier_receive_at_counter(officer=w.officer, filing=filing(w, attachments=bad)),
    )


def test_accept_starts_the_clock_and_the_process(w: World) -> None:
    dossier = accepted(w)
    assert dossier.status == Status.PROCESSING and dossier.received_by == w.officer
    assert (dossier.current_step, dossier.current_role, dossier.current_agency) == (2, Role.SPECIALIST, w.agency)
    event = DossierEvent.objects.get(dossier=dossier, action="accept")
    assert (event.national_status, event.channel, event.from_status) == (2, 2, Status.SUBMITTED)


def test_accept_twice_and_by_the_wrong_people(w: World) -> None:
    dossier = accepted(w)
    _refused(
        InvalidTransition,
        _invalid("tiếp nhận hồ sơ", dossier, "Đang xử lý"),
        lambda: services.dossier_accept(dossier=dossier, actor=w.officer),
        dossier,
    )
    fresh = submitted(w)
    for actor in (w.specialist, w.leader, w.citizen, w.stranger, official("mc", w.other_agency, Role.ONE_STOP_OFFICER)):
        _refused(NotFoundOrForbidden, NOT_FOUND, lambda a=actor: services.dossier_accept(dossier=fresh, actor=a), fresh)


def test_refuse_with_a_reason_closes_the_dossier(w: World) -> None:
    dossier = submitted(w)
    _refused(
        ValidationFailed,
        "Phải ghi rõ lý do từ chối tiếp nhận.",
        lambda: services.dossier_refuse(dossier=dossier, actor=w.officer, reason="  "),
        dossier,
    )
    dossier = services.dossier_refuse(dossier=dossier, actor=w.officer, reason="Không thuộc thẩm quyền")
    assert dossier.status == Status.REFUSED and dossier.closed_at is not None
    assert FormalNotice.objects.get(dossier=dossier).form == "03"
    assert DossierEvent.objects.get(dossier=dossier, action="refuse").national_status == 3


@pytest.mark.django_db(transaction=True)
def test_two_officers_accepting_at_once_one_wins(w: World) -> None:
    second = official("motcua_b", w.agency, Role.ONE_STOP_OFFICER)
    dossier = submitted(w)
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []
    lock = threading.Lock()

    def accept(actor: Any) -> None:
        try:
            barrier.wait(timeout=30)
            result: Any = services.dossier_accept(dossier=dossier.pk, actor=actor)  # type: ignore[arg-type]
        except Exception as error:
            result = error
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=accept, args=(actor,)) for actor in (w.officer, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    wins = [o for o in outcomes if isinstance(o, Dossier)]
    losses = [o for o in outcomes if isinstance(o, InvalidTransition)]
    assert len(wins) == 1 and len(losses) == 1
    assert losses[0].message == _invalid("tiếp nhận hồ sơ", dossier, "Đang xử lý")
    assert DossierEvent.objects.filter(dossier=dossier, action="accept").count() == 1
    assert Dossier.objects.get(pk=dossier.pk).steps.count() == 2  # reception closed, one specialist step


# ---------------------------------------------------------------- supplement


def test_supplement_before_acceptance_returns_to_submitted_without_a_clock(w: World) -> None:
    dossier = _supplement(submitted(w), w.officer)
    assert dossier.status == Status.SUPPLEMENT_REQUESTED and dossier.paused_since is None
    assert not DossierPause.objects.exists()
    assert DossierEvent.objects.get(dossier=dossier, action="request_supplement").national_status == 5
    dossier = _answer(dossier, w.citizen)
    assert dossier.status == Status.SUBMITTED and dossier.due_at is None
    assert dossier.files.filter(source=DossierFile.Source.SUPPLEMENT).count() == 1
    # Once only, even though the dossier has not been accepted yet.
    dossier = services.dossier_accept(dossier=dossier, actor=w.officer)
    _refused(
        InvalidTransition,
        f"Hồ sơ {dossier.code} đã được yêu cầu bổ sung một lần; chỉ được yêu cầu bổ sung một lần, đầy đủ.",
        lambda: _supplement(dossier, w.specialist),
        dossier,
    )


def test_supplement_only_once(w: World) -> None:
    dossier = _answer(_supplement(accepted(w), w.specialist), w.citizen)
    assert dossier.status == Status.PROCESSING and dossier.supplement_count == 1
    _refused(
        InvalidTransition,
        f"Hồ sơ {dossier.code} đã được yêu cầu bổ sung một lần; chỉ được yêu cầu bổ sung một lần, đầy đủ.",
        lambda: _supplement(dossier, w.specialist),
        dossier,
    )


def test_supplement_while_waiting_names_the_state(w: World) -> None:
    dossier = _supplement(accepted(w), w.specialist)
    _refused(
        InvalidTransition,
        _invalid("yêu cầu bổ sung", dossier, "Yêu cầu bổ sung hồ sơ"),
        lambda: _supplement(dossier, w.specialist),
        dossier,
    )


def test_supplement_at_approval_returns_to_awaiting_approval(w: World) -> None:
    dossier = _supplement(awaiting_approval(w), w.leader)
    assert dossier.status == Status.SUPPLEMENT_REQUESTED and dossier.paused_since is not None
    assert _answer(dossier, w.citizen).status == Status.AWAITING_APPROVAL


def test_supplement_during_a_transfer_returns_to_transferred(w: World) -> None:
    partner = official("phoihop", w.other_agency, Role.SPECIALIST)
    dossier = services.dossier_transfer(
        dossier=accepted(w), actor=w.specialist, to_agency=w.other_agency, note="Xác minh"
    )
    dossier = _supplement(dossier, partner)
    dossier = _answer(dossier, w.citizen)
    assert dossier.status == Status.TRANSFERRED and dossier.current_agency == w.other_agency


def test_a_transfer_to_the_receiving_centre_is_still_a_transfer_after_a_pause(w: World) -> None:
    centre = catalog_factories.agency(kind=Agency.Kind.COMMUNE_SERVICE_CENTRE, name="Trung tâm phục vụ hành chính công")
    desk = official("motcua_tt", centre, Role.ONE_STOP_OFFICER, Role.SPECIALIST)
    dossier = services.dossier_accept(dossier=submitted(w, receiving_agency=centre), actor=desk)
    assert dossier.current_agency == w.agency  # the specialist step is at the deciding agency
    dossier = services.dossier_transfer(dossier=dossier, actor=w.specialist, to_agency=centre, note="Đối chiếu bản gốc")
    dossier = services.dossier_request_payment(dossier=dossier, actor=desk, amount=8000)
    dossier = services.dossier_record_payment(dossier=dossier, actor=desk, receipt="BL 7")
    assert dossier.status == Status.TRANSFERRED
    dossier = services.dossier_transfer_return(dossier=dossier, actor=desk, note="Đã đối chiếu")
    assert dossier.status == Status.PROCESSING and dossier.current_agency == w.agency


def test_supplement_validation_and_who_may_ask(w: World) -> None:
    dossier = accepted(w)
    calls = [
        ("Liệt kê ít nhất một nội dung cần bổ sung.", {"items": [" "], "reason": "x", "contact": "y"}),
        ("Phải ghi lý do yêu cầu bổ sung.", {"items": ["a"], "reason": "", "contact": "y"}),
        ("Phải ghi người, số điện thoại liên hệ khi cần hướng dẫn.", {"items": ["a"], "reason": "x", "contact": ""}),
    ]
    for message, kwargs in calls:
        _refused(
            ValidationFailed,
            message,
            lambda k=kwargs: services.dossier_request_supplement(dossier=dossier, actor=w.specialist, **k),
            dossier,
        )
    for actor in (w.officer, w.leader, w.citizen):
        _refused(NotFoundOrForbidden, NOT_FOUND, lambda a=actor: _supplement(dossier, a), dossier)


def test_answer_supplement_refusals(w: World) -> None:
    dossier = _supplement(accepted(w), w.specialist)
    _refused(
        ValidationFailed,
        "Vui lòng tải lên giấy tờ cần bổ sung.",
        lambda: services.dossier_answer_supplement(dossier=dossier, actor=w.citizen, attachments=[]),
        dossier,
    )
    files = [
        Attachment(required_document_id=None, upload=pdf("mot.pdf")),
        Attachment(required_document_id=None, upload=upload(NOT_A_PDF, "hai.pdf")),
    ]
    _refused(
        ValidationFailed,
        "Tệp “hai.pdf” không đúng loại: Giấy tờ khác chỉ nhận PDF, PNG, JPEG.",
        lambda: services.dossier_answer_supplement(dossier=dossier, actor=w.citizen, attachments=files),
        dossier,
    )
    _refused(NotFoundOrForbidden, NOT_FOUND, lambda: _answer(dossier, w.stranger), dossier)
    _refused(NotFoundOrForbidden, NOT_FOUND, lambda: _answer(dossier, w.specialist), dossier)


# ---------------------------------------------------------------- apology (form 04)


def _accepted_monday(w: World) -> Dossier:
    with time_machine.travel(at(2027, 3, 1, 9, 0), tick=False):
        return accepted(w)  # due Thursday 04/03/2027 09:00


def test_apology_sets_a_new_due_date_once_and_keeps_the_original(w: World) -> None:
    dossier = _accepted_monday(w)
    with time_machine.travel(at(2027, 3, 2, 10, 0), tick=False):
        dossier = services.dossier_apologise(
            dossier=dossier, actor=w.leader, reason="Cần xác minh thêm", new_due_date=dt.date(2027, 3, 12)
        )
        assert dossier.due_at == at(2027, 3, 12, 17, 30)
        assert dossier.original_due_at == at(2027, 3, 4, 9, 0) and dossier.extension_count == 1
        notice = FormalNotice.objects.get(dossier=dossier)
        assert (notice.form, notice.new_due_at, notice.issued_by) == ("04", at(2027, 3, 12, 17, 30), w.leader)
        _refused(
            InvalidTransition,
            f"Ngày hẹn trả của hồ sơ {dossier.code} đã được hẹn lại một lần; không được hẹn lại lần nữa.",
            lambda: services.dossier_apologise(
                dossier=dossier, actor=w.leader, reason="Lần nữa", new_due_date=dt.date(2027, 3, 19)
            ),
            dossier,
        )


def test_apology_the_new_due_time_is_in_the_offices_time_zone(w: World) -> None:
    dossier = _accepted_monday(w)
    with time_machine.travel(at(2027, 3, 2, 10, 0), tick=False), timezone.override("UTC"):
        dossier = services.dossier_apologise(
            dossier=dossier, actor=w.leader, reason="Chậm", new_due_date=dt.date(2027, 3, 12)
        )
    assert dossier.due_at == at(2027, 3, 12, 17, 30)


@pytest.mark.parametrize(
    ("now", "new_date", "error", "message"),
    [
        (at(2027, 3, 3, 9, 1), dt.date(2027, 3, 12), InvalidTransition, TOO_LATE),
        (at(2027, 3, 5, 9, 0), dt.date(2027, 3, 12), InvalidTransition, TOO_LATE),
        (at(2027, 3, 2, 10, 0), dt.date(2027, 3, 4), ValidationFailed, NOT_AFTER),
        (at(2027, 3, 2, 10, 0), dt.date(2027, 3, 3), ValidationFailed, NOT_AFTER),
        (at(2027, 3, 2, 10, 0), dt.date(2027, 3, 6), ValidationFailed, "Ngày hẹn trả mới phải là ngày làm việc."),
    ],
)
def test_apology_refusals(w: World, now: dt.datetime, new_date: dt.date, error: type[Exception], message: str) -> None:
    dossier = _accepted_monday(w)
    with time_machine.travel(now, tick=False):
        _refused(
            error,
            message,
            lambda: services.dossier_apologise(dossier=dossier, actor=w.leader, reason="Chậm", new_due_date=new_date),
            dossier,
        )


def test_apology_needs_a_reason_and_the_deciding_leader(w: World) -> None:
    dossier = _accepted_monday(w)
    with time_machine.travel(at(2027, 3, 2, 10, 0), tick=False):
        _refused(
            ValidationFailed,
            "Phải ghi lý do chậm trễ.",
            lambda: services.dossier_apologise(
                dossier=dossier, actor=w.leader, reason="", new_due_date=dt.date(2027, 3, 12)
            ),
            dossier,
        )
        for actor in (w.specialist, w.officer, official("ld2", w.other_agency, Role.LEADER)):
            _refused(
                NotFoundOrForbidden,
                NOT_FOUND,
                lambda a=actor: services.dossier_apologise(
                    dossier=dossier, actor=a, reason="Chậm", new_due_date=dt.date(2027, 3, 12)
                ),
                dossier,
            )


# ---------------------------------------------------------------- processing


def test_transfer_and_back(w: World) -> None:
    partner = official("phoihop", w.other_agency, Role.SPECIALIST)
    dossier = accepted(w)
    _refused(
        ValidationFailed,
        "Chọn một cơ quan phối hợp khác cơ quan đang giữ hồ sơ.",
        lambda: services.dossier_transfer(dossier=dossier, actor=w.specialist, to_agency=w.agency, note="x"),
        dossier,
    )
    _refused(
        ValidationFailed,
        "Ghi nội dung đề nghị cơ quan phối hợp thực hiện.",
        lambda: services.dossier_transfer(dossier=dossier, actor=w.specialist, to_agency=w.other_agency, note=""),
        dossier,
    )
    _refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_transfer(dossier=dossier, actor=w.officer, to_agency=w.other_agency, note="x"),
        dossier,
    )
    dossier = services.dossier_transfer(
        dossier=dossier, actor=w.specialist, to_agency=w.other_agency, note="Đề nghị xác minh"
    )
    assert (dossier.status, dossier.current_agency, dossier.current_role) == (
        Status.TRANSFERRED,
        w.other_agency,
        Role.SPECIALIST,
    )
    event = DossierEvent.objects.get(dossier=dossier, action="transfer")
    assert event.national_status == 4 and event.data == {"to_agency": w.other_agency.electronic_code}
    _refused(
        InvalidTransition,
        "Hồ sơ đang ở cơ quan phối hợp; chờ cơ quan đó trả lại.",
        lambda: services.dossier_forward(dossier=dossier, actor=partner),
        dossier,
    )
    _refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_transfer_return(dossier=dossier, actor=w.specialist, note="x"),
        dossier,
    )
    _refused(
        ValidationFailed,
        "Ghi kết quả phối hợp trước khi trả hồ sơ.",
        lambda: services.dossier_transfer_return(dossier=dossier, actor=partner, note=" "),
        dossier,
    )
    dossier = services.dossier_transfer_return(dossier=dossier, actor=partner, note="Đã xác minh, đúng")
    assert (dossier.status, dossier.current_agency, dossier.current_step) == (Status.PROCESSING, w.agency, 2)
    outcomes = list(dossier.steps.order_by("id").values_list("position", "outcome", "agency_id"))
    assert outcomes == [
        (1, "accepted", w.agency.pk),
        (2, "transferred", w.agency.pk),
        (2, "returned", w.other_agency.pk),
        (2, "", w.agency.pk),
    ]
    _refused(
        InvalidTransition,
        _invalid("trả hồ sơ liên thông", dossier, "Đang xử lý"),
        lambda: services.dossier_transfer_return(dossier=dossier, actor=w.specialist, note="x"),
        dossier,
    )


def test_the_leader_sends_back_to_the_specialist(w: World) -> None:
    dossier = awaiting_approval(w)
    _refused(
        ValidationFailed,
        "Phải ghi lý do trả lại.",
        lambda: services.dossier_send_back(dossier=dossier, actor=w.leader, reason=""),
        dossier,
    )
    _refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_send_back(dossier=dossier, actor=w.specialist, reason="x"),
        dossier,
    )
    dossier = services.dossier_send_back(dossier=dossier, actor=w.leader, reason="Sai tên cha")
    assert (dossier.status, dossier.current_step, dossier.current_role) == (Status.PROCESSING, 2, Role.SPECIALIST)
    assert dossier.steps.get(position=3).outcome == "sent_back"
    _refused(
        InvalidTransition,
        _invalid("trả lại bước trước", dossier, "Đang xử lý"),
        lambda: services.dossier_send_back(dossier=dossier, actor=w.leader, reason="x"),
        dossier,
    )


def test_finish_is_refused_while_processing_steps_remain(w: World) -> None:
    dossier = accepted(w)
    _refused(
        InvalidTransition,
        "Hồ sơ còn bước xử lý chưa làm; hãy chuyển bước tiếp theo.",
        lambda: services.dossier_finish(dossier=dossier, actor=w.specialist, summary="Xong"),
        dossier,
    )


def test_finish_at_the_last_step_with_a_result_file_then_return_into_the_citizens_store(w: World) -> None:
    dossier = awaiting_approval(w)
    _refused(
        ValidationFailed,
        "Ghi kết quả giải quyết.",
        lambda: services.dossier_finish(dossier=dossier, actor=w.leader, summary=""),
        dossier,
    )
    _refused(
        ValidationFailed,
        "Tệp “ket-qua.pdf” không đúng loại: Kết quả giải quyết chỉ nhận PDF, PNG, JPEG.",
        lambda: services.dossier_finish(
            dossier=dossier, actor=w.leader, summary="Cấp", result=upload(NOT_A_PDF, "ket-qua.pdf")
        ),
        dossier,
    )
    dossier = services.dossier_finish(
        dossier=dossier, actor=w.leader, summary="Cấp giấy khai sinh", result=pdf("giay-khai-sinh.pdf")
    )
    assert dossier.status == Status.FINISHED and dossier.current_role == Role.ONE_STOP_OFFICER
    result = dossier.files.get(source=DossierFile.Source.RESULT)
    assert DossierEvent.objects.get(dossier=dossier, action="finish").national_status == 9
    dossier = services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="desk")
    paper = StoredPaper.objects.get(owner=w.citizen)
    assert paper.is_result and paper.from_dossier == dossier and paper.file.name == result.file.name
    assert paper.name == f"Kết quả giải quyết — {dossier.code}"


def test_return_result_refusals(w: World) -> None:
    dossier = finished(w)
    _refused(
        ValidationFailed,
        "Cách nhận kết quả không hợp lệ.",
        lambda: services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="drone"),
        dossier,
    )
    for actor in (w.specialist, w.leader, w.citizen):
        _refused(
            NotFoundOrForbidden,
            NOT_FOUND,
            lambda a=actor: services.dossier_return_result(dossier=dossier, actor=a),
            dossier,
        )


def test_an_online_return_needs_an_electronic_result(w: World) -> None:
    dossier = finished(w)  # approved at the last step without a result file
    _refused(
        ValidationFailed,
        "Hồ sơ chưa có tệp kết quả điện tử; hãy trả tại Bộ phận Một cửa hoặc qua bưu chính.",
        lambda: services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="online"),
        dossier,
    )
    assert services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="post").status == Status.RETURNED


def test_the_leader_finishes_with_the_result_file_only_at_the_last_step(w: World) -> None:
    dossier = awaiting_approval(w)
    dossier = services.dossier_approve(dossier=dossier, actor=w.leader, note="Đồng ý", result=pdf("ket-qua.pdf"))
    assert dossier.status == Status.FINISHED and dossier.files.filter(source=DossierFile.Source.RESULT).count() == 1
    dossier = services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="online")
    assert dossier.status == Status.RETURNED


def test_register_rows_are_given_at_receipt_per_receiving_agency_per_year(w: World) -> None:
    centre = catalog_factories.agency(kind=Agency.Kind.COMMUNE_SERVICE_CENTRE)
    desk = official("motcua_tt", centre, Role.ONE_STOP_OFFICER)

    def returned(receiving: Agency | None = None) -> int | None:
        officer = desk if receiving is not None else w.officer
        dossier = submitted(w, receiving_agency=receiving or w.agency)
        dossier = services.dossier_accept(dossier=dossier, actor=officer)
        dossier = services.dossier_forward(dossier=dossier, actor=w.specialist)
        dossier = services.dossier_approve(dossier=dossier, actor=w.leader, note="Đồng ý")
        return services.dossier_return_result(dossier=dossier, actor=officer, delivery="desk").register_row

    with time_machine.travel(at(2027, 12, 31, 16, 0), tick=False):
        assert [returned(), returned(), returned(centre)] == [1, 2, 1]
    with time_machine.travel(at(2028, 1, 3, 8, 0), tick=False):
        assert [returned(), returned(centre)] == [1, 1]
    lasts = [
        sequence_last(scope=REGISTER_SCOPE, agency_id=agency.pk, period=year)
        for year in ("2027", "2028")
        for agency in (w.agency, centre)
    ]
    assert lasts == [2, 1, 1, 1]
    event = DossierEvent.objects.filter(action="return_result").last()
    assert event is not None and event.national_status == 10


def test_an_acceptance_that_fails_gives_its_register_row_back(w: World, monkeypatch: Any) -> None:
    first, second = submitted(w), submitted(w)
    monkeypatch.setattr(reception, "_process", lambda version: [])
    _refused(
        ValidationFailed,
        "Thủ tục chưa có quy trình nội bộ; không thể tiếp nhận.",
        lambda: services.dossier_accept(dossier=first, actor=w.officer),
        first,
    )
    monkeypatch.undo()
    assert services.dossier_accept(dossier=second, actor=w.officer).register_row == 1


def test_rating_once_from_1_to_5(w: World) -> None:
    dossier = finished(w)
    _refused(
        InvalidTransition,
        _invalid("đánh giá", dossier, "Đã có kết quả, chờ trả"),
        lambda: services.dossier_rate(dossier=dossier, actor=w.citizen, rating=5),
        dossier,
    )
    dossier = services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="desk")
    for rating in (0, 6, True, "5"):
        _refused(
            ValidationFailed,
            "Chọn mức đánh giá từ 1 đến 5 sao.",
            lambda r=rating: services.dossier_rate(dossier=dossier, actor=w.citizen, rating=r),
            dossier,
        )
    _refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_rate(dossier=dossier, actor=w.stranger, rating=5),
        dossier,
    )
    _refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_rate(dossier=dossier, actor=w.officer, rating=5),
        dossier,
    )
    dossier = services.dossier_rate(dossier=dossier, actor=w.citizen, rating=4, comment="Nhanh, chu đáo")
    assert (dossier.rating, dossier.rating_comment) == (4, "Nhanh, chu đáo")
    _refused(
        InvalidTransition,
        f"Bạn đã đánh giá hồ sơ {dossier.code}.",
        lambda: services.dossier_rate(dossier=dossier, actor=w.citizen, rating=5),
        dossier,
    )


# ---------------------------------------------------------------- withdraw, stop


def test_withdraw_before_acceptance_is_immediate(w: World) -> None:
    dossier = submitted(w)
    _refused(
        ValidationFailed,
        "Vui lòng ghi lý do rút hồ sơ.",
        lambda: services.dossier_withdraw(dossier=dossier, actor=w.citizen, reason=""),
        dossier,
    )
    _refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_withdraw(dossier=dossier, actor=w.stranger, reason="x"),
        dossier,
    )
    dossier = services.dossier_withdraw(dossier=dossier, actor=w.citizen, reason="Nộp nhầm")
    assert dossier.status == Status.WITHDRAWN and dossier.closed_at is not None
    # The national portal hears "withdrawal requested" (7) before "stopped" (8), as for an accepted dossier.
    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("at", "id"))
    assert [(e.action, e.from_status, e.to_status, e.national_status) for e in events] == [
        ("submit", "", Status.SUBMITTED, 1),
        ("withdraw", Status.SUBMITTED, Status.WITHDRAWAL_REQUESTED, 7),
        ("confirm_withdrawal", Status.WITHDRAWAL_REQUESTED, Status.WITHDRAWN, 8),
    ]
    assert events[1].actor == w.citizen and events[1].note == "Nộp nhầm"
    assert events[2].actor is None  # nothing to confirm at the desk: the dossier was never accepted


def test_withdraw_after_acceptance_waits_for_the_desk(w: World) -> None:
    dossier = services.dossier_withdraw(dossier=accepted(w), actor=w.citizen, reason="Không cần nữa")
    assert dossier.status == Status.WITHDRAWAL_REQUESTED and dossier.closed_at is None
    assert DossierEvent.objects.get(dossier=dossier, action="withdraw").national_status == 7
    _refused(
        InvalidTransition,
        _invalid("rút hồ sơ", dossier, "Công dân yêu cầu rút hồ sơ"),
        lambda: services.dossier_withdraw(dossier=dossier, actor=w.citizen, reason="x"),
        dossier,
    )
    for actor in (w.specialist, w.leader, w.citizen):
        _refused(
            NotFoundOrForbidden,
            NOT_FOUND,
            lambda a=actor: services.dossier_confirm_withdrawal(dossier=dossier, actor=a),
            dossier,
        )
    dossier = services.dossier_confirm_withdrawal(dossier=dossier, actor=w.officer)
    assert dossier.status == Status.WITHDRAWN and dossier.closed_at is not None
    assert dossier.steps.filter(finished_at__isnull=True).count() == 0


def test_withdrawing_a_paused_dossier_ends_its_pause(w: World) -> None:
    dossier = _supplement(accepted(w), w.specialist)
    dossier = services.dossier_withdraw(dossier=dossier, actor=w.citizen, reason="Thôi")
    dossier = services.dossier_confirm_withdrawal(dossier=dossier, actor=w.officer)
    assert dossier.paused_since is None
    assert DossierPause.objects.get(dossier=dossier).ended_at == dossier.closed_at


def test_stop_with_form_05(w: World) -> None:
    fresh = submitted(w)
    _refused(
        InvalidTransition,
        _invalid("dừng giải quyết", fresh, "Mới đăng ký"),
        lambda: services.dossier_stop(dossier=fresh, actor=w.leader, reason="x"),
        fresh,
    )
    dossier = _supplement(accepted(w), w.specialist)
    _refused(
        ValidationFailed,
        "Phải ghi lý do dừng giải quyết.",
        lambda: services.dossier_stop(dossier=dossier, actor=w.leader, reason=""),
        dossier,
    )
    _refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_stop(dossier=dossier, actor=w.specialist, reason="x"),
        dossier,
    )
    dossier = services.dossier_stop(dossier=dossier, actor=w.leader, reason="Quá hạn bổ sung")
    assert dossier.status == Status.STOPPED and dossier.closed_at is not None and dossier.paused_since is None
    assert FormalNotice.objects.get(dossier=dossier).form == "05"
    assert DossierEvent.objects.get(dossier=dossier, action="stop").national_status == 8


def test_payment_refusals(w: World) -> None:
    dossier = accepted(w)
    _refused(
        ValidationFailed,
        "Số tiền phải lớn hơn 0 đồng.",
        lambda: services.dossier_request_payment(dossier=dossier, actor=w.specialist, amount=0),
        dossier,
    )
    dossier = services.dossier_request_payment(dossier=dossier, actor=w.specialist, amount=8000)
    assert DossierEvent.objects.get(dossier=dossier, action="request_payment").national_status == 6
    _refused(
        ValidationFailed,
        "Ghi số biên lai thu phí, lệ phí.",
        lambda: services.dossier_record_payment(dossier=dossier, actor=w.officer, receipt=""),
        dossier,
    )
    _refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_record_payment(dossier=dossier, actor=w.specialist, receipt="BL"),
        dossier,
    )


def test_every_event_carries_the_dossiers_channel_and_a_national_status(w: World) -> None:
    finished_online = finished(w)
    services.dossier_return_result(dossier=finished_online, actor=w.officer, delivery="desk")
    services.dossier_receive_at_counter(officer=w.officer, filing=filing(w))
    for event in DossierEvent.objects.select_related("dossier"):
        assert event.channel == event.dossier.channel
        assert 1 <= event.national_status <= 10
    actions = list(
        DossierEvent.objects.filter(dossier=finished_online).values_list("action", "national_status", "to_status")
    )
    assert actions == [
        ("submit", 1, Status.SUBMITTED),
        ("accept", 2, Status.PROCESSING),
        ("forward", 4, Status.AWAITING_APPROVAL),
        ("approve", 9, Status.FINISHED),
        ("return_result", 10, Status.RETURNED),
    ]
