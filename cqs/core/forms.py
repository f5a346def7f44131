from __future__ import annotations

import datetime as dt
import re

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


class VietnameseDateField(forms.CharField):
    """A date typed as dd/mm/yyyy, whatever the browser's locale."""

    default_error_messages = {"invalid": _("Ngày phải viết theo dạng dd/mm/yyyy, ví dụ 05/02/2027.")}

    def to_python(self, value: object) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        parsed = parse_dmy(str(text))
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class CalendarDayForm(forms.Form):
    date = VietnameseDateField(
        label=_("Ngày (dd/mm/yyyy)"),
        widget=forms.TextInput(
            attrs={"placeholder": "05/02/2027", "maxlength": "10", "inputmode": "numeric", "autocomplete": "off"}
        ),
    )
    kind = forms.ChoiceField(label=_("Loại ngày"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(label=_("Lý do, căn cứ"), max_length=200)
