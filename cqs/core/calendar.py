"""Working-time arithmetic on the Vietnamese calendar.

A day is a working day unless it is a weekend or a public holiday (from the
``holidays`` package), and the administrator's calendar (``CalendarDay``)
overrides both ways: a swapped Saturday becomes a working day, an extra day off
does not count. One working day is eight working hours, spread over the office
periods of ``CQS_WORKING_PERIODS``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from functools import cache

import holidays
from django.conf import settings
from django.utils import timezone

from cqs.core.errors import ValidationFailed
from cqs.core.models import CalendarDay

HOURS_PER_DAY = 8
_MAX_DAYS_SCANNED = 3660


@cache
def _periods(spec: str) -> tuple[tuple[dt.time, dt.time], ...]:
    periods = []
    for part in spec.split(","):
        start, end = (dt.time.fromisoformat(x.strip()) for x in part.split("-"))
        periods.append((start, end))
    return tuple(sorted(periods))


def office_timezone() -> zoneinfo.ZoneInfo:
    """Office hours are the province's, whatever time zone a request has switched on."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def working_periods() -> tuple[tuple[dt.time, dt.time], ...]:
    return _periods(settings.CQS_WORKING_PERIODS)


@dataclass
class WorkingCalendar:
    """Answers working-time questions; loads the administrator's overrides once per instance."""

    overrides: dict[dt.date, str] = field(default_factory=dict)
    _loaded: bool = False

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self.overrides = dict(CalendarDay.objects.values_list("date", "kind"))
            self._loaded = True

    def is_working_day(self, day: dt.date) -> bool:
        self._ensure_loaded()
        kind = self.overrides.get(day)
        if kind == CalendarDay.Kind.WORKING_DAY:
            return True
        if kind in (CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.DAY_OFF):
            return False
        if day.weekday() >= 5:
            return False
        return day not in _public_holidays(day.year)

    def next_working_day(self, day: dt.date) -> dt.date:
        candidate = day + dt.timedelta(days=1)
        for _ in range(_MAX_DAYS_SCANNED):
            if self.is_working_day(candidate):
                return candidate
            candidate += dt.timedelta(days=1)
        raise ValidationFailed("Lịch làm việc không có ngày làm việc nào trong mười năm tới.")

    def start_of_counting(self, moment: dt.datetime, *, cutoff: dt.time | None = None) -> dt.datetime:
        """When the clock starts for something received at ``moment``.

        Received on a non-working day, after office hours, or after ``cutoff`` (15:00:00 itself still
        counts the same day: the per-procedure 15:00 rule): from the start of the next working day.
        """
        local = timezone.localtime(moment, office_timezone())
        day, time = local.date(), local.time()
        periods = working_periods()
        if self.is_working_day(day) and not (cutoff is not None and time > cutoff):
            for start, end in periods:
                if time < end:
                    return _at(day, max(time, start), local.tzinfo)
        return _at(self.next_working_day(day), periods[0][0], local.tzinfo)

    def add_working_hours(self, moment: dt.datetime, hours: float, *, cutoff: dt.time | None = None) -> dt.datetime:
        """The moment ``hours`` working hours after ``moment`` (counting from ``start_of_counting``)."""
        if hours < 0:
            raise ValidationFailed("Số giờ làm việc không được âm.")
        current = self.start_of_counting(moment, cutoff=cutoff)
        remaining = dt.timedelta(hours=hours)
        tz = current.tzinfo
        for _ in range(_MAX_DAYS_SCANNED):
            day = current.date()
            if self.is_working_day(day):
                for start, end in working_periods():
                    period_start = max(current, _at(day, start, tz))
                    period_end = _at(day, end, tz)
                    if period_start >= period_end:
                        continue
                    available = period_end - period_start
                    if remaining <= available:
                        return period_start + remaining
                    remaining -= available
            current = _at(self.next_working_day(day), working_periods()[0][0], tz)
        raise ValidationFailed("Thời hạn vượt quá mười năm làm việc.")

    def add_working_days(self, moment: dt.datetime, days: float, *, cutoff: dt.time | None = None) -> dt.datetime:
        return self.add_working_hours(moment, days * HOURS_PER_DAY, cutoff=cutoff)

    def working_hours_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working hours elapsed from ``start`` to ``end`` (0 when end is not after start)."""
        if end <= start:
            return 0.0
        total = dt.timedelta()
        local_start, local_end = (
            timezone.localtime(start, office_timezone()),
            timezone.localtime(end, office_timezone()),
        )
        tz = local_start.tzinfo
        day = local_start.date()
        while day <= local_end.date():
            if self.is_working_day(day):
                for p_start, p_end in working_periods():
                    lo = max(local_start, _at(day, p_start, tz))
                    hi = min(local_end, _at(day, p_end, tz))
                    if hi > lo:
                        total += hi - lo
            day += dt.timedelta(days=1)
        return total.total_seconds() / 3600


def _at(day: dt.date, time: dt.time, tz: dt.tzinfo | None) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=tz)


@cache
def _public_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def public_holiday_names(year: int) -> list[tuple[dt.date, str]]:
    """The statutory holidays of a year in Vietnamese, for the calendar page."""
    vn = holidays.country_holidays("VN", years=year, language="vi")
    return sorted(vn.items())
