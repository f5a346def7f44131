from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from cqs.core.models import CalendarDay

_DMY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")

# Every date the platform takes in lies within these (a year 9999 makes calendars loop for seconds).
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
# The largest whole number a form takes unless its field says less (fits every integer column).
INTEGER_MAX = 2_000_000_000


def date_in_range(value: dt.date, *, minimum: dt.date = DATE_MIN, maximum: dt.date = DATE_MAX) -> bool:
    return minimum <= value <= maximum


def parse_dmy(value: str) -> dt.date | None:
    """A date written dd/mm/yyyy within DATE_MIN..DATE_MAX, or None."""
    match = _DMY.match(value or "")
    if match is None:
        return None
    day, month, year = (int(x) for x in match.groups())
    try:
        parsed = dt.date(year, month, day)
    except ValueError:
        return None
    return parsed if date_in_range(parsed) else None


DATE_ERROR = _("Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/09/2025.")
DATE_RANGE_ERROR = _("Ngày phải trong khoảng %(min)s–%(max)s.")
DATE_WIDGET_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off", "maxlength": "10"}


def impossible_date(text: str) -> str | None:
    """What is wrong with a date written dd/mm/yyyy that no calendar has (31/02, 29/02 of a common year,
    month 13), in Vietnamese; None when the text is not of that shape or the date exists."""
    match = _DMY.match(text or "")
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return str(_("Tháng %(month)d không có thật: tháng chỉ từ 1 đến 12.") % {"month": month})
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if 1 <= day <= days:
        return None
    return str(
        _("Ngày %(date)s không có thật: tháng %(month)d năm %(year)d chỉ có %(days)d ngày.")
        % {"date": f"{day:02d}/{month:02d}/{year:04d}", "month": month, "year": year, "days": days}
    )


class VietnameseDateField(forms.DateField):
    """A date typed as dd/mm/yyyy, whatever the browser's locale (the one date field of every page).

    It must lie within ``min_date``..``max_date`` (by default DATE_MIN..DATE_MAX).
    """

    default_error_messages = {"invalid": DATE_ERROR, "out_of_range": DATE_RANGE_ERROR}

    def __init__(self, *, min_date: dt.date = DATE_MIN, max_date: dt.date = DATE_MAX, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%d/%m/%Y"])
        kwargs.setdefault("widget", forms.DateInput(format="%d/%m/%Y", attrs=DATE_WIDGET_ATTRS))
        super().__init__(**kwargs)
        self.min_date, self.max_date = min_date, max_date

    def to_python(self, value: Any) -> dt.date | None:
        """31/02/2025 is written right but is no day: say so rather than "wrong format"."""
        reason = impossible_date(value) if isinstance(value, str) else None
        if reason is not None:
            raise ValidationError(reason, code="impossible_date")
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not date_in_range(value, minimum=self.min_date, maximum=self.max_date):
            raise forms.ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"min": self.min_date.strftime("%d/%m/%Y"), "max": self.max_date.strftime("%d/%m/%Y")},
            )


class BoundedIntegerField(forms.IntegerField):
    """A whole number from ``min_value`` (0 by default) to ``max_value`` (INTEGER_MAX by default): never unbounded."""

    def __init__(self, *, min_value: int = 0, max_value: int = INTEGER_MAX, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric"}))
        bounds = _("Nhập một số nguyên từ %(min)s đến %(max)s.") % {
            "min": f"{min_value:,}".replace(",", "."),
            "max": f"{max_value:,}".replace(",", "."),
        }
        kwargs["error_messages"] = {"min_value": bounds, "max_value": bounds, **kwargs.get("error_messages", {})}
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value: Any) -> int | None:
        text = str(value).strip() if value is not None else ""
        if len(text) > 30:  # never hand a 10^4300-digit string to int()
            raise forms.ValidationError(
                self.error_messages["max_value"], code="max_value", params={"limit_value": self.max_value}
            )
        return super().to_python(value)


class SiteFormRenderer(TemplatesSetting):
    """Every form of the site drawn the same way: a linked error summary, required marks, described errors."""

    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"


class CalendarDayForm(forms.Form):
    date = VietnameseDateField(label=_("Ngày (dd/mm/yyyy)"))
    kind = forms.ChoiceField(label=_("Loại ngày"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(label=_("Lý do, căn cứ"), max_length=200)
