from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
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
IMPOSSIBLE_DATE_ERROR = _("Ngày %(day)s không tồn tại.")
DATE_WIDGET_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off", "maxlength": "10"}


class VietnameseDateField(forms.DateField):
    """A date typed as dd/mm/yyyy, whatever the browser's locale (the one date field of every page)."""

    default_error_messages = {"invalid": DATE_ERROR, "impossible": IMPOSSIBLE_DATE_ERROR}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%d/%m/%Y"])
        kwargs.setdefault("widget", forms.DateInput(format="%d/%m/%Y", attrs=DATE_WIDGET_ATTRS))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        """31/02/2025 is written right but is no day: say so rather than "wrong format"."""
        match = _DMY.match(value) if isinstance(value, str) else None
        if match is not None and parse_dmy(value) is None:
            day, month, year = (int(x) for x in match.groups())
            raise ValidationError(
                self.error_messages["impossible"], code="impossible", params={"day": f"{day:02d}/{month:02d}/{year}"}
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
