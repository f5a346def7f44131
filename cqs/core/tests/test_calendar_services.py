import datetime as dt
import re

import pytest

from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.models import AuditEvent, CalendarDay
from cqs.core.services import calendar_day_remove, calendar_day_set

pytestmark = [pytest.mark.django_db]

SATURDAY = dt.date(2027, 2, 13)


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def test_calendar_day_set_and_remove_are_audited(administrator):
    entry = calendar_day_set(day=SATURDAY, kind="working_day", name="  Làm bù   Tết ", actor=administrator)
    assert (entry.kind, entry.name) == ("working_day", "Làm bù Tết")
    event = AuditEvent.objects.filter(action="calendar_day.set").latest("seq")
    assert event.before is None and event.after["kind"] == "working_day" and event.actor_id == administrator.pk

    calendar_day_set(day=SATURDAY, kind="day_off", name="Nghỉ bù", actor=administrator)
    assert CalendarDay.objects.get(date=SATURDAY).kind == "day_off"
    event = AuditEvent.objects.filter(action="calendar_day.set").latest("seq")
    assert event.before["kind"] == "working_day" and event.after["kind"] == "day_off"

    calendar_day_remove(day=SATURDAY, actor=administrator)
    assert not CalendarDay.objects.filter(date=SATURDAY).exists()
    event = AuditEvent.objects.filter(action="calendar_day.remove").latest("seq")
    assert event.before["name"] == "Nghỉ bù" and event.after is None


def test_calendar_services_refuse_bad_input(administrator):
    with pytest.raises(ValidationFailed, match=exactly("Loại ngày «weekend» không hợp lệ.")):
        calendar_day_set(day=SATURDAY, kind="weekend", name="x", actor=administrator)
    with pytest.raises(ValidationFailed, match=exactly("Cần ghi lý do (ví dụ: số quyết định hoán đổi ngày làm việc).")):
        calendar_day_set(day=SATURDAY, kind="day_off", name="  ", actor=administrator)
    with pytest.raises(NotFoundOrForbidden, match=exactly("Ngày 13/02/2027 không có trong lịch điều chỉnh.")):
        calendar_day_remove(day=SATURDAY, actor=administrator)
    assert not CalendarDay.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="calendar_day").exists()
