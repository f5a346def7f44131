"""Forms of the work-file pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cqs.documents.models import Department
from cqs.documents.registers.forms import YEAR_ERRORS
from cqs.documents.search.selectors import INCOMING, OUTGOING
from cqs.units.models import Agency


class WorkFileForm(forms.Form):
    co_quan = forms.TypedChoiceField(label=_("Cơ quan"), coerce=int, choices=())
    department = forms.ModelChoiceField(
        label=_("Đơn vị lập hồ sơ"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("— Không ghi đơn vị —"),
    )
    code = forms.CharField(label=_("Số, ký hiệu hồ sơ"), max_length=50, help_text=_("Ví dụ: 01.VP, 12/HS-TP."))
    title = forms.CharField(label=_("Tiêu đề hồ sơ"), max_length=500)
    year = forms.IntegerField(
        label=_("Năm"),
        min_value=2000,
        max_value=2100,
        error_messages=YEAR_ERRORS,
    )
    retention = forms.CharField(
        label=_("Thời hạn bảo quản"), max_length=50, required=False, help_text=_("Ví dụ: 10 năm, Vĩnh viễn.")
    )

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"year": timezone.localdate().year})
        super().__init__(*args, **kwargs)
        choice = self.fields["co_quan"]
        assert isinstance(choice, forms.TypedChoiceField)
        choice.choices = [(a.pk, a.name) for a in agencies]
        department = self.fields["department"]
        assert isinstance(department, forms.ModelChoiceField)
        department.queryset = Department.objects.filter(agency__in=agencies, is_active=True).select_related("agency")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        department = cleaned.get("department")
        if department is not None and cleaned.get("co_quan") and department.agency_id != cleaned["co_quan"]:
            self.add_error("department", _("Đơn vị không thuộc cơ quan đã chọn."))
        return cleaned


class WorkFileDocumentForm(forms.Form):
    kind = forms.ChoiceField(choices=((INCOMING, INCOMING), (OUTGOING, OUTGOING)))
    document = forms.IntegerField(min_value=1)
