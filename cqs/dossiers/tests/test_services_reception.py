"""Reception (``services.reception``): accepting or refusing a dossier, its register row, the one supplement;
what each does, and that every refusal changes nothing."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import time_machine
from django.db import connection

from cqs.accounts.models import Role
from cqs.catalog.models import Agency
from cqs.catalog.tests import factories as catalog_factories
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.core.sequences import sequence_last
from cqs.dossiers import services
from cqs.dossiers.codes import REGISTER_SCOPE
from cqs.dossiers.models import Dossier, DossierEvent, DossierFile, DossierPause, FormalNotice, Status
from cqs.dossiers.services import Attachment, reception
from cqs.dossiers.tests.factories import World, official, pdf
from cqs.dossiers.tests.factories_dsvc import (
    NOT_A_PDF,
    NOT_FOUND,
    accepted,
    at,
    awaiting_approval,
    invalid,
    refused,
    submitted,
    supplement,
    upload,
)


def _answer(dossier: Dossier, actor: Any) -> Dossier:
    return services.dossier_answer_supplement(
        dossier=dossier, actor=actor, attachments=[Attachment(required_document_id=None, upload=pdf("chung-sinh.pdf"))]
    )


# ---------------------------------------------------------------- reception


def test_accept_starts_the_clock_and_the_process(w: World) -> None:
    dossier = accepted(w)
    assert dossier.status == Status.PROCESSING and dossier.received_by == w.officer
    assert (dossier.current_step, dossier.current_role, dossier.current_agency) == (2, Role.SPECIALIST, w.agency)
    event = DossierEvent.objects.get(dossier=dossier, action="accept")
    assert (event.national_status, event.channel, event.from_status) == (2, 2, Status.SUBMITTED)


def test_accept_twice_and_by_the_wrong_people(w: World) -> None:
    dossier = accepted(w)
    refused(
        InvalidTransition,
        invalid("tiếp nhận hồ sơ", dossier, "Đang xử lý"),
        lambda: services.dossier_accept(dossier=dossier, actor=w.officer),
        dossier,
    )
    fresh = submitted(w)
    for actor in (w.specialist, w.leader, w.citizen, w.stranger, official("mc", w.other_agency, Role.ONE_STOP_OFFICER)):
        refused(NotFoundOrForbidden, NOT_FOUND, lambda a=actor: services.dossier_accept(dossier=fresh, actor=a), fresh)


def test_refuse_with_a_reason_closes_the_dossier(w: World) -> None:
    dossier = submitted(w)
    refused(
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
    assert losses[0].message == invalid("tiếp nhận hồ sơ", dossier, "Đang xử lý")
    assert DossierEvent.objects.filter(dossier=dossier, action="accept").count() == 1
    assert Dossier.objects.get(pk=dossier.pk).steps.count() == 2  # reception closed, one specialist step


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
    refused(
        ValidationFailed,
        "Thủ tục chưa có quy trình nội bộ; không thể tiếp nhận.",
        lambda: services.dossier_accept(dossier=first, actor=w.officer),
        first,
    )
    monkeypatch.undo()
    assert services.dossier_accept(dossier=second, actor=w.officer).register_row == 1


# ---------------------------------------------------------------- supplement


def test_supplement_before_acceptance_returns_to_submitted_without_a_clock(w: World) -> None:
    dossier = supplement(submitted(w), w.officer)
    assert dossier.status == Status.SUPPLEMENT_REQUESTED and dossier.paused_since is None
    assert not DossierPause.objects.exists()
    assert DossierEvent.objects.get(dossier=dossier, action="request_supplement").national_status == 5
    dossier = _answer(dossier, w.citizen)
    assert dossier.status == Status.SUBMITTED and dossier.due_at is None
    assert dossier.files.filter(source=DossierFile.Source.SUPPLEMENT).count() == 1
    # Once only, even though the dossier has not been accepted yet.
    dossier = services.dossier_accept(dossier=dossier, actor=w.officer)
    refused(
        InvalidTransition,
        f"Hồ sơ {dossier.code} đã được yêu cầu bổ sung một lần; chỉ được yêu cầu bổ sung một lần, đầy đủ.",
        lambda: supplement(dossier, w.specialist),
        dossier,
    )


def test_supplement_only_once(w: World) -> None:
    dossier = _answer(supplement(accepted(w), w.specialist), w.citizen)
    assert dossier.status == Status.PROCESSING and dossier.supplement_count == 1
    refused(
        InvalidTransition,
        f"Hồ sơ {dossier.code} đã được yêu cầu bổ sung một lần; chỉ được yêu cầu bổ sung một lần, đầy đủ.",
        lambda: supplement(dossier, w.specialist),
        dossier,
    )


def test_supplement_while_waiting_names_the_state(w: World) -> None:
    dossier = supplement(accepted(w), w.specialist)
    refused(
        InvalidTransition,
        invalid("yêu cầu bổ sung", dossier, "Yêu cầu bổ sung hồ sơ"),
        lambda: supplement(dossier, w.specialist),
        dossier,
    )


def test_supplement_at_approval_returns_to_awaiting_approval(w: World) -> None:
    dossier = supplement(awaiting_approval(w), w.leader)
    assert dossier.status == Status.SUPPLEMENT_REQUESTED and dossier.paused_since is not None
    assert _answer(dossier, w.citizen).status == Status.AWAITING_APPROVAL


def test_supplement_during_a_transfer_returns_to_transferred(w: World) -> None:
    partner = official("phoihop", w.other_agency, Role.SPECIALIST)
    dossier = services.dossier_transfer(
        dossier=accepted(w), actor=w.specialist, to_agency=w.other_agency, note="Xác minh"
    )
    dossier = supplement(dossier, partner)
    dossier = _answer(dossier, w.citizen)
    assert dossier.status == Status.TRANSFERRED and dossier.current_agency == w.other_agency


def test_supplement_validation_and_who_may_ask(w: World) -> None:
    dossier = accepted(w)
    calls = [
        ("Liệt kê ít nhất một nội dung cần bổ sung.", {"items": [" "], "reason": "x", "contact": "y"}),
        ("Phải ghi lý do yêu cầu bổ sung.", {"items": ["a"], "reason": "", "contact": "y"}),
        ("Phải ghi người, số điện thoại liên hệ khi cần hướng dẫn.", {"items": ["a"], "reason": "x", "contact": ""}),
    ]
    for message, kwargs in calls:
        refused(
            ValidationFailed,
            message,
            lambda k=kwargs: services.dossier_request_supplement(dossier=dossier, actor=w.specialist, **k),
            dossier,
        )
    for actor in (w.officer, w.leader, w.citizen):
        refused(NotFoundOrForbidden, NOT_FOUND, lambda a=actor: supplement(dossier, a), dossier)


def test_answer_supplement_refusals(w: World) -> None:
    dossier = supplement(accepted(w), w.specialist)
    refused(
        ValidationFailed,
        "Vui lòng tải lên giấy tờ cần bổ sung.",
        lambda: services.dossier_answer_supplement(dossier=dossier, actor=w.citizen, attachments=[]),
        dossier,
    )
    files = [
        Attachment(required_document_id=None, upload=pdf("mot.pdf")),
        Attachment(required_document_id=None, upload=upload(NOT_A_PDF, "hai.pdf")),
    ]
    refused(
        ValidationFailed,
        "Tệp “hai.pdf” không đúng loại: Giấy tờ khác chỉ nhận PDF, PNG, JPEG.",
        lambda: services.dossier_answer_supplement(dossier=dossier, actor=w.citizen, attachments=files),
        dossier,
    )
    refused(NotFoundOrForbidden, NOT_FOUND, lambda: _answer(dossier, w.stranger), dossier)
    refused(NotFoundOrForbidden, NOT_FOUND, lambda: _answer(dossier, w.specialist), dossier)
