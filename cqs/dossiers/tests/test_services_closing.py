"""Closing (``services.closing``): apology and a new date, finishing, returning the result, rating,
withdrawal and stopping; what each does, and that every refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cqs.accounts.models import Role
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.dossiers import services
from cqs.dossiers.models import Dossier, DossierEvent, DossierFile, DossierPause, FormalNotice, Status, StoredPaper
from cqs.dossiers.tests.factories import World, filing, official, pdf
from cqs.dossiers.tests.factories_dsvc import (
    NOT_A_PDF,
    NOT_FOUND,
    accepted,
    at,
    awaiting_approval,
    finished,
    invalid,
    refused,
    submitted,
    supplement,
    upload,
)

TOO_LATE = "Phiếu xin lỗi phải gửi trước hạn trả ít nhất 1 ngày làm việc."
NOT_AFTER = "Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại (04/03/2027)."


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
        refused(
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
        refused(
            error,
            message,
            lambda: services.dossier_apologise(dossier=dossier, actor=w.leader, reason="Chậm", new_due_date=new_date),
            dossier,
        )


def test_apology_needs_a_reason_and_the_deciding_leader(w: World) -> None:
    dossier = _accepted_monday(w)
    with time_machine.travel(at(2027, 3, 2, 10, 0), tick=False):
        refused(
            ValidationFailed,
            "Phải ghi lý do chậm trễ.",
            lambda: services.dossier_apologise(
                dossier=dossier, actor=w.leader, reason="", new_due_date=dt.date(2027, 3, 12)
            ),
            dossier,
        )
        for actor in (w.specialist, w.officer, official("ld2", w.other_agency, Role.LEADER)):
            refused(
                NotFoundOrForbidden,
                NOT_FOUND,
                lambda a=actor: services.dossier_apologise(
                    dossier=dossier, actor=a, reason="Chậm", new_due_date=dt.date(2027, 3, 12)
                ),
                dossier,
            )


# ---------------------------------------------------------------- finishing, returning, rating


def test_finish_is_refused_while_processing_steps_remain(w: World) -> None:
    dossier = accepted(w)
    refused(
        InvalidTransition,
        "Hồ sơ còn bước xử lý chưa làm; hãy chuyển bước tiếp theo.",
        lambda: services.dossier_finish(dossier=dossier, actor=w.specialist, summary="Xong"),
        dossier,
    )


def test_finish_at_the_last_step_with_a_result_file_then_return_into_the_citizens_store(w: World) -> None:
    dossier = awaiting_approval(w)
    refused(
        ValidationFailed,
        "Ghi kết quả giải quyết.",
        lambda: services.dossier_finish(dossier=dossier, actor=w.leader, summary=""),
        dossier,
    )
    refused(
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
    refused(
        ValidationFailed,
        "Cách nhận kết quả không hợp lệ.",
        lambda: services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="drone"),
        dossier,
    )
    for actor in (w.specialist, w.leader, w.citizen):
        refused(
            NotFoundOrForbidden,
            NOT_FOUND,
            lambda a=actor: services.dossier_return_result(dossier=dossier, actor=a),
            dossier,
        )


def test_an_online_return_needs_an_electronic_result(w: World) -> None:
    dossier = finished(w)  # approved at the last step without a result file
    refused(
        ValidationFailed,
        "Hồ sơ chưa có tệp kết quả điện tử; hãy trả tại Bộ phận Một cửa hoặc qua bưu chính.",
        lambda: services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="online"),
        dossier,
    )
    assert services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="post").status == Status.RETURNED


def test_rating_once_from_1_to_5(w: World) -> None:
    dossier = finished(w)
    refused(
        InvalidTransition,
        invalid("đánh giá", dossier, "Đã có kết quả, chờ trả"),
        lambda: services.dossier_rate(dossier=dossier, actor=w.citizen, rating=5),
        dossier,
    )
    dossier = services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="desk")
    for rating in (0, 6, True, "5"):
        refused(
            ValidationFailed,
            "Chọn mức đánh giá từ 1 đến 5 sao.",
            lambda r=rating: services.dossier_rate(dossier=dossier, actor=w.citizen, rating=r),
            dossier,
        )
    refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_rate(dossier=dossier, actor=w.stranger, rating=5),
        dossier,
    )
    refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_rate(dossier=dossier, actor=w.officer, rating=5),
        dossier,
    )
    dossier = services.dossier_rate(dossier=dossier, actor=w.citizen, rating=4, comment="Nhanh, chu đáo")
    assert (dossier.rating, dossier.rating_comment) == (4, "Nhanh, chu đáo")
    refused(
        InvalidTransition,
        f"Bạn đã đánh giá hồ sơ {dossier.code}.",
        lambda: services.dossier_rate(dossier=dossier, actor=w.citizen, rating=5),
        dossier,
    )


# ---------------------------------------------------------------- withdraw, stop


def test_withdraw_before_acceptance_is_immediate(w: World) -> None:
    dossier = submitted(w)
    refused(
        ValidationFailed,
        "Vui lòng ghi lý do rút hồ sơ.",
        lambda: services.dossier_withdraw(dossier=dossier, actor=w.citizen, reason=""),
        dossier,
    )
    refused(
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
    refused(
        InvalidTransition,
        invalid("rút hồ sơ", dossier, "Công dân yêu cầu rút hồ sơ"),
        lambda: services.dossier_withdraw(dossier=dossier, actor=w.citizen, reason="x"),
        dossier,
    )
    for actor in (w.specialist, w.leader, w.citizen):
        refused(
            NotFoundOrForbidden,
            NOT_FOUND,
            lambda a=actor: services.dossier_confirm_withdrawal(dossier=dossier, actor=a),
            dossier,
        )
    dossier = services.dossier_confirm_withdrawal(dossier=dossier, actor=w.officer)
    assert dossier.status == Status.WITHDRAWN and dossier.closed_at is not None
    assert dossier.steps.filter(finished_at__isnull=True).count() == 0


def test_withdrawing_a_paused_dossier_ends_its_pause(w: World) -> None:
    dossier = supplement(accepted(w), w.specialist)
    dossier = services.dossier_withdraw(dossier=dossier, actor=w.citizen, reason="Thôi")
    dossier = services.dossier_confirm_withdrawal(dossier=dossier, actor=w.officer)
    assert dossier.paused_since is None
    assert DossierPause.objects.get(dossier=dossier).ended_at == dossier.closed_at


def test_stop_with_form_05(w: World) -> None:
    fresh = submitted(w)
    refused(
        InvalidTransition,
        invalid("dừng giải quyết", fresh, "Mới đăng ký"),
        lambda: services.dossier_stop(dossier=fresh, actor=w.leader, reason="x"),
        fresh,
    )
    dossier = supplement(accepted(w), w.specialist)
    refused(
        ValidationFailed,
        "Phải ghi lý do dừng giải quyết.",
        lambda: services.dossier_stop(dossier=dossier, actor=w.leader, reason=""),
        dossier,
    )
    refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_stop(dossier=dossier, actor=w.specialist, reason="x"),
        dossier,
    )
    dossier = services.dossier_stop(dossier=dossier, actor=w.leader, reason="Quá hạn bổ sung")
    assert dossier.status == Status.STOPPED and dossier.closed_at is not None and dossier.paused_since is None
    assert FormalNotice.objects.get(dossier=dossier).form == "05"
    assert DossierEvent.objects.get(dossier=dossier, action="stop").national_status == 8


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
