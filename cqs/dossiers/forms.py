"""Input of the dossiers' read pages: periods of days, within sane bounds (DESIGN convention 14)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cqs.core.forms import VietnameseDateField

# No dossier of this platform is older, and none is due more than a year ahead.
FIRST_DAY = dt.date(2000, 1, 1)


def last_day() -> dt.date:
    return dt.date(timezone.localdate().year + 1, 12, 31)


class PeriodDateField(VietnameseDateField):
    """A day of a period (dd/mm/yyyy) between ``FIRST_DAY`` and the end of next year (the core date bounds
    and their message, narrowed)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_date=FIRST_DAY, **kwargs)

    def validate(self, value: Any) -> None:
        self.max_date = last_day()  # "next year" moves on without a restart
        super().validate(value)


class RegisterPeriodForm(forms.Form):
    """The period of the dossier register (form 07): ``tu`` and ``den``, this month so far by default."""

    tu = PeriodDateField(label=gettext_lazy("Từ ngày"), required=False)
    den = PeriodDateField(label=gettext_lazy("Đến ngày"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        data["tu"] = data.get("tu") or today.replace(day=1)
        data["den"] = data.get("den") or today
        return data

    def error_text(self) -> str:
        """Every error, one line each, for a plain-text answer."""
        return "\n".join(str(message) for messages in self.errors.values() for message in messages)
