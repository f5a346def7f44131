from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cqs.core.models import CalendarDay

_DMY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def parse_dmy(value: str) -> dt.date | None:
    """A date written dd/mm/yyyy, or None."""
    match = _DMY.match(value or "")
    if match is None:
        return None
    day, month, year = (int(x) for x in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


DATE_ERROR = _("Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/09/2025.")
DATE_WIDGET_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off", "maxlength": "10"}


class VietnameseDateField(forms.DateField):
    """A date typed as dd/mm/yyyy, whatever the browser's locale (the one date field of every page)."""

    default_error_messages = {"invalid": DATE_ERROR}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%d/%m/%Y"])
        kwargs.setdefault("widget", forms.DateInput(format="%d/%m/%Y", attrs=DATE_WIDGET_ATTRS))
        super().__init__(**kwargs)


class CalendarDayForm(forms.Form):
    date = VietnameseDateField(label=_("Ngày (dd/mm/yyyy)"))
    kind = forms.ChoiceField(label=_("Loại ngày"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(label=_("Lý do, căn cứ"), max_length=200)
