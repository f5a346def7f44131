"""Reads of the core app."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from cqs.core.models import CalendarDay


def calendar_days_of_year(*, year: int) -> QuerySet[CalendarDay]:
    """The administrator's overrides falling in ``year``, in date order."""
    return CalendarDay.objects.filter(date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31)).order_by("date")
