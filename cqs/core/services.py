"""Writes of the core app: the administrator's working calendar."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from cqs.core.actors import Actor
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.models import CalendarDay
from cqs.core.text import nfc


@transaction.atomic
def calendar_day_set(*, day: dt.date, kind: str, name: str, actor: Actor) -> CalendarDay:
    """Mark ``day`` as a swapped working day, an extra day off or a holiday (replacing an earlier mark)."""
    if kind not in CalendarDay.Kind.values:
        raise ValidationFailed(_("Loại ngày «%(kind)s» không hợp lệ.") % {"kind": kind}, code="calendar_kind")
    name = nfc(name or "")
    if not name:
        raise ValidationFailed(_("Cần ghi lý do (ví dụ: số quyết định hoán đổi ngày làm việc)."), code="calendar_name")
    if len(name) > CalendarDay._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ValidationFailed(_("Lý do quá dài (tối đa 200 ký tự)."), code="calendar_name")
    existing = CalendarDay.objects.select_for_update().filter(date=day).first()
    before = snapshot(existing) if existing is not None else None
    if existing is None:
        entry = CalendarDay.objects.create(date=day, kind=kind, name=name)
    else:
        entry = existing
        entry.kind, entry.name = kind, name
        entry.save(update_fields=["kind", "name", "updated_at"])
    audit_record(actor=actor, action="calendar_day.set", obj=entry, before=before, after=snapshot(entry))
    return entry


@transaction.atomic
def calendar_day_remove(*, day: dt.date, actor: Actor) -> None:
    """Remove the administrator's mark on ``day``; the day follows the usual week and holidays again."""
    entry = CalendarDay.objects.select_for_update().filter(date=day).first()
    if entry is None:
        raise NotFoundOrForbidden(
            _("Ngày %(day)s không có trong lịch điều chỉnh.") % {"day": day.strftime("%d/%m/%Y")},
            code="calendar_day_not_found",
        )
    before = snapshot(entry)
    entry_id = entry.pk
    entry.delete()
    audit_record(
        actor=actor,
        action="calendar_day.remove",
        object_type=CalendarDay._meta.label_lower,
        object_id=entry_id,
        before=before,
    )
