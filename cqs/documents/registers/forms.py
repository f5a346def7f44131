"""Forms of the registers pages, and the year bounds every documents form uses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cqs.core.forms import VietnameseDateField
from cqs.documents.registers.selectors import CLASSIFIED, NORMAL
from cqs.units.models import Agency

YEAR_ERROR = _("Năm phải từ 2000 đến 2100.")
YEAR_ERRORS = {"min_value": YEAR_ERROR, "max_value": YEAR_ERROR}


class RegisterForm(forms.Form):
    co_quan = forms.TypedChoiceField(label=_("Cơ quan"), coerce=int, choices=())
    nam = forms.IntegerField(
        label=_("Năm"),
        min_value=2000,
        max_value=2100,
        error_messages=YEAR_ERRORS,
    )
    so = forms.ChoiceField(
        label=_("Sổ"), choices=((NORMAL, _("Sổ thường")), (CLASSIFIED, _("Sổ văn bản mật"))), initial=NORMAL
    )
    tu_ngay = VietnameseDateField(label=_("Từ ngày (dd/mm/yyyy)"), required=False)
    den_ngay = VietnameseDateField(label=_("Đến ngày (dd/mm/yyyy)"), required=False)

    def __init__(self, data: Any, *, agencies: list[Agency]) -> None:
        values = data.copy() if data else {}
        values.setdefault("nam", str(timezone.localdate().year))
        values.setdefault("so", NORMAL)
        if agencies:
            values.setdefault("co_quan", str(agencies[0].pk))
        super().__init__(values)
        choice = self.fields["co_quan"]
        assert isinstance(choice, forms.TypedChoiceField)
        choice.choices = [(a.pk, a.name) for a in agencies]
