"""The dossier's clock on the working calendar: due times, the 15:00 rule, Tết, swapped days, pauses, timing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine

from cqs.catalog.models import ProcedureVersion
from cqs.core.calendar import WorkingCalendar
from cqs.core.models import CalendarDay
from cqs.dossiers import clock, services
from cqs.dossiers.models import Dossier, DossierEvent, DossierPause, DossierStep, Status, Timing
from cqs.dossiers.services import Attachment
from cqs.dossiers.tests.factories import World, pdf
from cqs.dossiers.tests.factories_dsvc import at, submitted


def _accept_at(w: World, moment: dt.datetime) -> Dossier:
    with time_machine.travel(moment, tick=False):
        return services.dossier_accept(dossier=submitted(w), actor=w.officer)


def _open_step(dossier: Dossier) -> DossierStep:
    return dossier.steps.get(finished_at__isnull=True)


def test_statutory_hours_from_the_version(w: World) -> None:
    assert clock.statutory_hours(w.version) == Decimal(24)
    w.version.processing_time_unit = ProcedureVersion.TimeUnit.WORKING_HOURS
    assert clock.statutory_hours(w.version) == Decimal(3)


def test_accepted_monday_9_with_three_working_days_is_due_thursday_9(w: World) -> None:
    dossier = _accept_at(w, at(2027, 3, 1, 9, 0))  # Monday
    assert dossier.received_at == at(2027, 3, 1, 9, 0)
    assert dossier.clock_started_at == at(2027, 3, 1, 9, 0)
    assert dossier.due_at == at(2027, 3, 4, 9, 0)  # Thursday
    assert dossier.original_due_at == dossier.due_at
    # The specialist's 16 hours: Monday 6.5 h, Tuesday 8 h, Wednesday 1.5 h.
    assert _open_step(dossier).due_at == at(2027, 3, 3, 9, 0)
    reception = dossier.steps.get(position=1)
    # A 2-hour step can never have a whole working day left: done at once is "on time".
    assert reception.finished_at == at(2027, 3, 1, 9, 0) and reception.timing == Timing.ON_TIME


def test_without_the_afternoon_rule_15_30_counts_the_same_day(w: World) -> None:
    dossier = _accept_at(w, at(2027, 3, 1, 15, 30))
    assert dossier.clock_started_at == at(2027, 3, 1, 15, 30)
    assert dossier.due_at == at(2027, 3, 4, 15, 30)


def test_received_after_the_procedures_15_00_cutoff_counts_from_next_working_day(w: World) -> None:
    ProcedureVersion.objects.filter(pk=w.version.pk).update(afternoon_cutoff=dt.time(15, 0))
    dossier = _accept_at(w, at(2027, 3, 1, 15, 30))
    assert dossier.clock_started_at == at(2027, 3, 2, 7, 30)
    assert dossier.due_at == at(2027, 3, 4, 17, 30)
    # The step opened at acceptance counts the same way (two whole days from Tuesday 07:30).
    assert _open_step(dossier).due_at == at(2027, 3, 3, 17, 30)


def test_received_before_the_cutoff_counts_at_once(w: World) -> None:
    ProcedureVersion.objects.filter(pk=w.version.pk).update(afternoon_cutoff=dt.time(15, 0))
    dossier = _accept_at(w, at(2027, 3, 1, 14, 59))
    assert dossier.clock_started_at == at(2027, 3, 1, 14, 59)
    assert dossier.due_at == at(2027, 3, 4, 14, 59)


def test_friday_afternoon_after_cutoff_counts_from_monday(w: World) -> None:
    ProcedureVersion.objects.filter(pk=w.version.pk).update(afternoon_cutoff=dt.time(15, 0))
    dossier = _accept_at(w, at(2027, 3, 5, 16, 0))  # Friday
    assert dossier.clock_started_at == at(2027, 3, 8, 7, 30)
    assert dossier.due_at == at(2027, 3, 10, 17, 30)


def test_tet_2027_does_not_count(w: World) -> None:
    # Wednesday 03/02/2027; Tết runs Thursday 04/02 to Wednesday 10/02.
    dossier = _accept_at(w, at(2027, 2, 3, 9, 0))
    # Wednesday 6.5 h, Thursday 11/02 8 h, Friday 12/02 8 h, Monday 15/02 1.5 h.
    assert dossier.due_at == at(2027, 2, 15, 9, 0)
    calendar = WorkingCalendar()
    assert not any(calendar.is_working_day(dt.date(2027, 2, d)) for d in range(4, 11))


def test_received_during_tet_counts_from_the_first_day_after(w: World) -> None:
    dossier = _accept_at(w, at(2027, 2, 8, 10, 0))  # a Monday inside Tết
    assert dossier.clock_started_at == at(2027, 2, 11, 7, 30)
    assert dossier.due_at == at(2027, 2, 15, 17, 30)


def test_a_swapped_saturday_is_a_working_day(w: World) -> None:
    CalendarDay.objects.create(date=dt.date(2027, 3, 6), kind=CalendarDay.Kind.WORKING_DAY, name="Làm bù")
    dossier = _accept_at(w, at(2027, 3, 3, 9, 0))  # Wednesday: 6.5 + 8 + 8, then 1.5 h on Saturday
    assert dossier.due_at == at(2027, 3, 6, 9, 0)


def test_without_the_swap_the_weekend_is_skipped(w: World) -> None:
    dossier = _accept_at(w, at(2027, 3, 3, 9, 0))
    assert dossier.due_at == at(2027, 3, 8, 9, 0)


def test_an_extra_day_off_is_skipped(w: World) -> None:
    CalendarDay.objects.create(date=dt.date(2027, 3, 2), kind=CalendarDay.Kind.DAY_OFF, name="Nghỉ bù")
    dossier = _accept_at(w, at(2027, 3, 1, 9, 0))
    assert dossier.due_at == at(2027, 3, 5, 9, 0)


def test_a_supplement_request_pauses_the_clock_and_moves_every_due_time(w: World) -> None:
    dossier = _accept_at(w, at(2027, 3, 1, 9, 0))
    step = _open_step(dossier)
    with time_machine.travel(at(2027, 3, 1, 10, 0), tick=False):
        dossier = services.dossier_request_supplement(
            dossier=dossier, actor=w.specialist, items=["Bản sao giấy chứng sinh"], reason="Thiếu", contact="Chị Hoa"
        )
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    assert dossier.paused_since == at(2027, 3, 1, 10, 0)
    assert dossier.due_at == at(2027, 3, 4, 9, 0)  # unchanged while paused
    with time_machine.travel(at(2027, 3, 3, 10, 0), tick=False):  # two working days later
        dossier = services.dossier_answer_supplement(
            dossier=dossier, actor=w.citizen, attachments=[Attachment(required_document_id=None, upload=pdf())]
        )
    assert dossier.status == Status.PROCESSING and dossier.paused_since is None
    assert dossier.due_at == at(2027, 3, 8, 9, 0)  # Thursday 09:00 + 16 working hours
    assert dossier.original_due_at == at(2027, 3, 4, 9, 0)
    step.refresh_from_db()
    assert step.due_at == at(2027, 3, 5, 9, 0)  # Wednesday 09:00 + 16 working hours
    pause = DossierPause.objects.get(dossier=dossier)
    assert (pause.reason, pause.started_at, pause.ended_at) == (
        Status.SUPPLEMENT_REQUESTED,
        at(2027, 3, 1, 10, 0),
        at(2027, 3, 3, 10, 0),
    )
    answer = DossierEvent.objects.get(dossier=dossier, action="answer_supplement")
    assert answer.data["paused_hours"] == repr(16.0)


def test_a_payment_request_pauses_the_clock_likewise(w: World) -> None:
    dossier = _accept_at(w, at(2027, 3, 1, 9, 0))
    with time_machine.travel(at(2027, 3, 1, 10, 0), tick=False):
        dossier = services.dossier_request_payment(dossier=dossier, actor=w.specialist, amount=8000)
    assert dossier.status == Status.PAYMENT_REQUESTED and dossier.fee_total == 8000
    with time_machine.travel(at(2027, 3, 3, 10, 0), tick=False):
        dossier = services.dossier_record_payment(dossier=dossier, actor=w.officer, receipt="BL 0001234")
    assert dossier.status == Status.PROCESSING
    assert dossier.fee_paid_at == at(2027, 3, 3, 10, 0)
    assert dossier.due_at == at(2027, 3, 8, 9, 0)
    assert _open_step(dossier).due_at == at(2027, 3, 5, 9, 0)
    assert DossierPause.objects.get(dossier=dossier).reason == Status.PAYMENT_REQUESTED


def test_a_pause_over_a_weekend_moves_by_working_hours_only(w: World) -> None:
    dossier = _accept_at(w, at(2027, 3, 1, 9, 0))
    with time_machine.travel(at(2027, 3, 5, 17, 30), tick=False):  # Friday evening (the dossier is late)
        dossier = services.dossier_request_payment(dossier=dossier, actor=w.specialist, amount=8000)
    with time_machine.travel(at(2027, 3, 8, 7, 0), tick=False):  # Monday before office hours
        dossier = services.dossier_record_payment(dossier=dossier, actor=w.officer, receipt="BL 1")
    assert dossier.due_at == at(2027, 3, 4, 9, 0)


def _finish_at(w: World, moment: dt.datetime) -> Dossier:
    dossier = _accept_at(w, at(2027, 3, 1, 9, 0))
    with time_machine.travel(at(2027, 3, 1, 9, 30), tick=False):
        dossier = services.dossier_forward(dossier=dossier, actor=w.specialist)
    with time_machine.travel(moment, tick=False):
        return services.dossier_approve(dossier=dossier, actor=w.leader, note="Đồng ý")


def test_finished_a_working_day_or_more_before_the_due_time_is_early(w: World) -> None:
    dossier = _finish_at(w, at(2027, 3, 3, 9, 0))  # exactly 8 working hours before Thursday 09:00
    assert dossier.timing == Timing.EARLY
    assert dossier.steps.get(position=2).timing == Timing.EARLY


def test_finished_within_the_last_working_day_is_on_time(w: World) -> None:
    dossier = _finish_at(w, at(2027, 3, 3, 10, 0))
    assert dossier.timing == Timing.ON_TIME
    # The leader's 4-hour step started Monday 09:30 and was due Monday 15:30: late.
    assert dossier.steps.get(position=3).timing == Timing.LATE


def test_finished_after_the_due_time_is_late(w: World) -> None:
    dossier = _finish_at(w, at(2027, 3, 4, 9, 1))
    assert dossier.timing == Timing.LATE


def test_step_timing_is_judged_against_the_step_due_time(w: World) -> None:
    dossier = _accept_at(w, at(2027, 3, 1, 9, 0))  # the specialist's step is due Wednesday 09:00
    with time_machine.travel(at(2027, 3, 3, 9, 0), tick=False):
        dossier = services.dossier_forward(dossier=dossier, actor=w.specialist)
    assert dossier.steps.get(position=2).timing == Timing.ON_TIME
    leader_step = _open_step(dossier)
    assert leader_step.started_at == at(2027, 3, 3, 9, 0) and leader_step.due_at == at(2027, 3, 3, 15, 0)


def test_timing_of_boundaries() -> None:
    calendar = WorkingCalendar(_loaded=True)
    due = at(2027, 3, 4, 9, 0)
    assert clock.timing_of(calendar, done_at=at(2027, 3, 3, 9, 0), due_at=due) == Timing.EARLY
    assert clock.timing_of(calendar, done_at=at(2027, 3, 3, 9, 1), due_at=due) == Timing.ON_TIME
    assert clock.timing_of(calendar, done_at=due, due_at=due) == Timing.ON_TIME
    assert clock.timing_of(calendar, done_at=due + dt.timedelta(seconds=1), due_at=due) == Timing.LATE
    # Over a weekend: Friday 09:00 to Monday 09:00 is 8 working hours, so early.
    assert clock.timing_of(calendar, done_at=at(2027, 3, 5, 9, 0), due_at=at(2027, 3, 8, 9, 0)) == Timing.EARLY


def test_due_within_a_working_day() -> None:
    calendar = WorkingCalendar(_loaded=True)
    due = at(2027, 3, 4, 9, 0)
    assert clock.due_within_a_working_day(calendar, now=at(2027, 3, 3, 9, 0), due_at=due)
    assert clock.due_within_a_working_day(calendar, now=at(2027, 3, 3, 17, 0), due_at=due)
    assert not clock.due_within_a_working_day(calendar, now=at(2027, 3, 3, 8, 59), due_at=due)
    assert not clock.due_within_a_working_day(calendar, now=at(2027, 3, 4, 9, 1), due_at=due)  # already late
    # Friday 16:00 for a Monday 09:00 deadline: 3 working hours away.
    assert clock.due_within_a_working_day(calendar, now=at(2027, 3, 5, 16, 0), due_at=at(2027, 3, 8, 9, 0))
