"""The dossier's clock: statutory time in working hours, pauses, due times, early / on time / late.

All arithmetic is on the working-time calendar of ``cqs.core.calendar`` (8 working hours a
day, holidays and the administrator's swapped days). Time waiting for the citizen (supplement,
payment) does not count: when the clock resumes, the due times move by the paused working hours.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from cqs.catalog.models import ProcedureVersion
from cqs.core.calendar import HOURS_PER_DAY, WorkingCalendar
from cqs.dossiers.models import Timing


def statutory_hours(version: ProcedureVersion) -> Decimal:
    """The version's processing time in working hours."""
    amount = version.processing_time or Decimal(0)
    if version.processing_time_unit == ProcedureVersion.TimeUnit.WORKING_DAYS:
        return amount * HOURS_PER_DAY
    return amount


def due_after(
    calendar: WorkingCalendar, start: dt.datetime, hours: Decimal, *, cutoff: dt.time | None = None
) -> dt.datetime:
    return calendar.add_working_hours(start, float(hours), cutoff=cutoff)


def paused_hours(calendar: WorkingCalendar, since: dt.datetime, until: dt.datetime) -> float:
    return calendar.working_hours_between(since, until)


def timing_of(calendar: WorkingCalendar, *, done_at: dt.datetime, due_at: dt.datetime) -> str:
    """Late after the due time; early when a whole working day or more was left; else on time."""
    if done_at > due_at:
        return Timing.LATE
    if calendar.working_hours_between(done_at, due_at) >= HOURS_PER_DAY:
        return Timing.EARLY
    return Timing.ON_TIME


def due_within_a_working_day(calendar: WorkingCalendar, *, now: dt.datetime, due_at: dt.datetime) -> bool:
    return now <= due_at and calendar.working_hours_between(now, due_at) <= HOURS_PER_DAY
