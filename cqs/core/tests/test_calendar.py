import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from cqs.core.calendar import WorkingCalendar, public_holiday_names
from cqs.core.errors import ValidationFailed
from cqs.core.models import CalendarDay

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CUTOFF = dt.time(15, 0)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=VN)


def test_tet_2027_holidays_come_from_the_holidays_package():
    days = {day for day, _ in public_holiday_names(2027)}
    assert {dt.date(2027, 2, d) for d in range(4, 11)} <= days
    names = dict(public_holiday_names(2027))
    assert names[dt.date(2027, 2, 6)]  # Vietnamese names for the page


@pytest.mark.django_db
def test_working_days_skip_tet_2027():
    cal = WorkingCalendar()
    assert cal.is_working_day(dt.date(2027, 2, 3))
    for d in range(4, 11):
        assert not cal.is_working_day(dt.date(2027, 2, d))
    assert cal.next_working_day(dt.date(2027, 2, 3)) == dt.date(2027, 2, 11)
    # Wednesday 03/02 09:00 + 1 working day: 6.5 h that Wednesday, 1.5 h on Thursday 11/02 after Tết.
    assert cal.add_working_days(at(2027, 2, 3, 9), 1) == at(2027, 2, 11, 9)
    # Received during Tết: the clock starts on 11/02 07:30.
    assert cal.add_working_days(at(2027, 2, 6, 10), 1) == at(2027, 2, 11, 17, 30)


@pytest.mark.django_db
def test_a_swapped_saturday_counts_as_a_working_day():
    received = at(2027, 2, 12, 16)  # Friday 16:00
    assert WorkingCalendar().add_working_days(received, 1) == at(2027, 2, 15, 16)  # Monday
    CalendarDay.objects.create(date=dt.date(2027, 2, 13), kind=CalendarDay.Kind.WORKING_DAY, name="Làm bù")
    cal = WorkingCalendar()
    assert cal.is_working_day(dt.date(2027, 2, 13))
    assert cal.add_working_days(received, 1) == at(2027, 2, 13, 16)  # the swapped Saturday


@pytest.mark.django_db
def test_an_extra_day_off_does_not_count():
    CalendarDay.objects.create(date=dt.date(2027, 2, 15), kind=CalendarDay.Kind.DAY_OFF, name="Nghỉ bù")
    cal = WorkingCalendar()
    assert not cal.is_working_day(dt.date(2027, 2, 15))
    assert cal.add_working_days(at(2027, 2, 12, 16), 1) == at(2027, 2, 16, 16)  # Tuesday


@pytest.mark.django_db
def test_received_after_the_15h_cutoff_counts_from_the_next_working_day():
    cal = WorkingCalendar()
    received = at(2027, 3, 2, 15, 30)  # Tuesday 15:30
    assert cal.start_of_counting(received, cutoff=CUTOFF) == at(2027, 3, 3, 7, 30)
    assert cal.add_working_days(received, 1, cutoff=CUTOFF) == at(2027, 3, 3, 17, 30)
    # Without the rule, the remaining two hours of Tuesday count.
    assert cal.start_of_counting(received) == received
    assert cal.add_working_days(received, 1) == at(2027, 3, 3, 15, 30)
    # Before the cutoff, the same day counts.
    assert cal.start_of_counting(at(2027, 3, 2, 14, 59), cutoff=CUTOFF) == at(2027, 3, 2, 14, 59)


@pytest.mark.django_db
def test_received_at_15h_sharp_still_counts_the_same_day_only_after_it_the_next():
    cal = WorkingCalendar()
    sharp = at(2027, 3, 2, 15, 0)
    assert cal.start_of_counting(sharp, cutoff=CUTOFF) == sharp
    assert cal.add_working_days(sharp, 1, cutoff=CUTOFF) == at(2027, 3, 3, 15, 0)
    a_second_later = at(2027, 3, 2, 15, 0) + dt.timedelta(seconds=1)
    assert cal.start_of_counting(a_second_later, cutoff=CUTOFF) == at(2027, 3, 3, 7, 30)


@pytest.mark.django_db
def test_received_on_sunday_lunch_time_or_after_hours():
    cal = WorkingCalendar()
    assert cal.start_of_counting(at(2027, 3, 7, 10)) == at(2027, 3, 8, 7, 30)  # Sunday → Monday
    assert cal.add_working_days(at(2027, 3, 7, 10), 1) == at(2027, 3, 8, 17, 30)
    assert cal.start_of_counting(at(2027, 3, 8, 12)) == at(2027, 3, 8, 13, 30)  # lunch break
    assert cal.start_of_counting(at(2027, 3, 8, 18)) == at(2027, 3, 9, 7, 30)  # after hours
    assert cal.start_of_counting(at(2027, 3, 8, 6)) == at(2027, 3, 8, 7, 30)  # before hours


@pytest.mark.django_db
def test_one_working_day_is_eight_working_hours():
    cal = WorkingCalendar()
    start = at(2027, 3, 8, 7, 30)
    assert cal.add_working_days(start, 1) == cal.add_working_hours(start, 8) == at(2027, 3, 8, 17, 30)
    assert cal.add_working_days(start, 0.5) == at(2027, 3, 8, 11, 30)
    assert cal.add_working_days(start, 3) == at(2027, 3, 10, 17, 30)
    assert cal.working_hours_between(start, cal.add_working_days(start, 5)) == 40
    with pytest.raises(ValidationFailed, match="không được âm"):
        cal.add_working_hours(start, -1)


@pytest.mark.django_db
def test_working_hours_between():
    cal = WorkingCalendar()
    assert cal.working_hours_between(at(2027, 3, 8, 7, 30), at(2027, 3, 9, 12)) == 12
    assert cal.working_hours_between(at(2027, 3, 8, 11), at(2027, 3, 8, 14)) == 1  # lunch excluded
    assert cal.working_hours_between(at(2027, 3, 12, 17), at(2027, 3, 15, 8)) == 1  # weekend excluded
    assert cal.working_hours_between(at(2027, 2, 3, 7, 30), at(2027, 2, 11, 17, 30)) == 16  # Tết excluded
    assert cal.working_hours_between(at(2027, 3, 9), at(2027, 3, 8)) == 0


@pytest.mark.django_db
def test_deadline_from_now_during_tet():
    with time_machine.travel(at(2027, 2, 3, 9), tick=False):
        deadline = WorkingCalendar().add_working_days(timezone.now(), 1)
    assert deadline == at(2027, 2, 11, 9)


# ---------------------------------------------------------------- input bounds


def test_the_date_field_refuses_dates_outside_the_sane_range() -> None:
    import datetime as dt

    from cqs.core.forms import VietnameseDateField, parse_dmy

    field = VietnameseDateField()
    assert field.clean("31/12/2100") == dt.date(2100, 12, 31)
    assert field.clean("01/01/1900") == dt.date(1900, 1, 1)
    for far in ("31/12/9999", "31/12/1899", "01/01/2101"):
        with pytest.raises(ValidationError) as caught:
            field.clean(far)
        assert caught.value.messages == ["Ngày phải trong khoảng 01/01/1900–31/12/2100."]
    narrow = VietnameseDateField(min_date=dt.date(2020, 1, 1), max_date=dt.date(2030, 12, 31))
    with pytest.raises(ValidationError, match="01/01/2020–31/12/2030"):
        narrow.clean("01/01/2031")
    assert parse_dmy("31/12/9999") is None and parse_dmy("05/09/2025") == dt.date(2025, 9, 5)


def test_the_integer_field_has_a_maximum() -> None:
    from cqs.core.forms import INTEGER_MAX, BoundedIntegerField

    field = BoundedIntegerField()
    assert field.clean("2000000000") == INTEGER_MAX
    for huge in ("2000000001", "1" + "0" * 30, "9" * 5000):
        with pytest.raises(ValidationError) as caught:
            field.clean(huge)
        assert caught.value.messages == ["Nhập một số nguyên từ 0 đến 2.000.000.000."]
    with pytest.raises(ValidationError):
        field.clean("-1")
