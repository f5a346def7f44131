"""Forms of the one-stop desk. They only validate input; the services decide and write."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cqs.core.forms import BoundedIntegerField, VietnameseDateField
from cqs.dossiers.forms import PeriodDateField
from cqs.dossiers.models import Delivery, FilingMode
from cqs.units.models import Agency


def _text(label: Any, *, required: bool = True, rows: int = 3, max_length: int = 2000) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows})
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Tìm hồ sơ"), required=False, max_length=100)
    co_quan = forms.TypedChoiceField(label=_("Cơ quan"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["co_quan"].choices = [  # type: ignore[attr-defined]
            ("", _("Tất cả cơ quan của tôi")),
            *((a.pk, a.name) for a in agencies),
        ]


# ---------------------------------------------------------------- the actions (one small form each)


class ActionForm(forms.Form):
    """No input: the button is the decision. ``state`` is the status the page showed (to tell a race)."""

    state = forms.CharField(widget=forms.HiddenInput, required=False, max_length=24)


class NoteForm(ActionForm):
    note = _text(_("Ghi chú"), required=False)


class RequiredNoteForm(ActionForm):
    note = _text(_("Nội dung"))


class ReasonForm(ActionForm):
    reason = _text(_("Lý do"))


class SupplementForm(ActionForm):
    items = _text(_("Nội dung cần bổ sung (mỗi dòng một mục)"), rows=4)
    reason = _text(_("Lý do"))
    contact = forms.CharField(label=_("Người, số điện thoại liên hệ"), max_length=300)

    def clean_items(self) -> list[str]:
        return [line.strip() for line in str(self.cleaned_data["items"]).splitlines() if line.strip()]


class TransferForm(ActionForm):
    to_agency = forms.ModelChoiceField(
        label=_("Cơ quan phối hợp"), queryset=Agency.objects.none(), empty_label=_("— Chọn cơ quan —")
    )
    note = _text(_("Nội dung đề nghị phối hợp"))

    def __init__(self, *args: Any, exclude_agency_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = (  # type: ignore[attr-defined]
            Agency.objects.filter(is_active=True).exclude(pk=exclude_agency_id or 0).order_by("name")
        )


class PaymentForm(ActionForm):
    amount = BoundedIntegerField(label=_("Số tiền (đồng)"), min_value=1, max_value=10**12)
    note = _text(_("Ghi chú"), required=False)


class ReceiptForm(ActionForm):
    receipt = forms.CharField(label=_("Số biên lai"), max_length=100)


class ApologyForm(ActionForm):
    reason = _text(_("Lý do chậm trễ"))
    new_due_date = VietnameseDateField(label=_("Ngày hẹn trả mới (dd/mm/yyyy)"))


class FinishForm(ActionForm):
    summary = _text(_("Kết quả giải quyết"), rows=4, max_length=5000)
    result = forms.FileField(label=_("Tệp kết quả (PDF, nếu có)"), required=False)


class ApproveForm(ActionForm):
    note = _text(_("Ghi chú"), required=False)
    result = forms.FileField(label=_("Tệp kết quả (PDF), khi phê duyệt ở bước cuối"), required=False)
    electronic_result = forms.BooleanField(
        label=_("Ký số và cấp kết quả điện tử (có mã xác thực và mã QR), ở lần phê duyệt cuối cùng"),
        required=False,
        widget=forms.CheckboxInput(attrs={"data-busy": _("Đang phê duyệt và ký số kết quả điện tử…")}),
        help_text=_(
            "Dùng chứng thư số cá nhân của bạn và chứng thư số của cơ quan giải quyết; "
            "nếu còn bước văn thư, kết quả đã ký đi cùng hồ sơ đến bước đó."
        ),
    )


class ResultDraftForm(ActionForm):
    content = _text(_("Nội dung kết quả giải quyết"), rows=5, max_length=5000)


class ReturnForm(ActionForm):
    delivery = forms.ChoiceField(label=_("Hình thức trả kết quả"), choices=Delivery.choices)


# ---------------------------------------------------------------- counter reception


class ProcedurePickForm(forms.Form):
    q = forms.CharField(label=_("Tìm thủ tục (tên hoặc mã)"), required=False, max_length=200)


class CounterForm(forms.Form):
    """The applicant and the agencies of a paper dossier; the e-form and the files come separately."""

    receiving_agency = forms.ModelChoiceField(
        label=_("Nơi tiếp nhận"), queryset=Agency.objects.none(), empty_label=_("— Chọn nơi tiếp nhận —")
    )
    deciding_agency = forms.ModelChoiceField(
        label=_("Cơ quan giải quyết"), queryset=Agency.objects.none(), empty_label=_("— Chọn cơ quan giải quyết —")
    )
    applicant_name = forms.CharField(label=_("Họ và tên người nộp"), max_length=200)
    applicant_id_number = forms.CharField(
        label=_("Số CCCD hoặc mã số thuế"),
        max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    applicant_address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    applicant_phone = forms.CharField(
        label=_("Số điện thoại"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    applicant_email = forms.EmailField(label=_("Thư điện tử"), required=False)
    filing_mode = forms.ChoiceField(label=_("Hình thức nộp"), choices=FilingMode.choices, initial=FilingMode.SELF)
    principal_name = forms.CharField(label=_("Họ tên người ủy quyền (nộp thay)"), max_length=200, required=False)
    principal_id_number = forms.CharField(label=_("Số định danh người ủy quyền"), max_length=14, required=False)
    authorisation_note = forms.CharField(label=_("Giấy ủy quyền"), max_length=300, required=False)
    assisted_by = forms.CharField(label=_("Thành viên tổ công nghệ số hỗ trợ"), max_length=200, required=False)
    delivery = forms.ChoiceField(label=_("Cách nhận kết quả"), choices=Delivery.choices, initial=Delivery.DESK)
    sets_count = forms.IntegerField(label=_("Số bộ hồ sơ"), min_value=1, max_value=50, initial=1)
    # The form's one-time submission token: pressing "Tiếp nhận hồ sơ" twice receives one dossier.
    ma_nop = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args: Any, receiving: list[Agency], deciding: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ma_nop"].initial = secrets.token_urlsafe(24)
        self.fields["receiving_agency"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            pk__in=[a.pk for a in receiving]
        ).order_by("name")
        self.fields["deciding_agency"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            pk__in=[a.pk for a in deciding]
        ).order_by("name")
        if len(receiving) == 1:
            self.fields["receiving_agency"].initial = receiving[0].pk
        if len(deciding) == 1:
            self.fields["deciding_agency"].initial = deciding[0].pk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("ma_nop"):
            self.add_error(None, _("Trang tiếp nhận đã cũ; vui lòng tải lại trang rồi nhập lại hồ sơ."))
        return data


# ---------------------------------------------------------------- dashboard


class PeriodForm(forms.Form):
    co_quan = forms.TypedChoiceField(label=_("Cơ quan"), coerce=int)
    tu_ngay = PeriodDateField(label=_("Từ ngày"), required=False)
    den_ngay = PeriodDateField(label=_("Đến ngày"), required=False)

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["co_quan"].choices = [(a.pk, a.name) for a in agencies]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        start: dt.date = data.get("tu_ngay") or today.replace(month=1, day=1)
        end: dt.date = data.get("den_ngay") or today
        if end < start:
            raise forms.ValidationError(_("Ngày kết thúc phải sau ngày bắt đầu."))
        if (end - start).days > 3 * 366:
            raise forms.ValidationError(_("Chọn khoảng thời gian tối đa ba năm."))
        data["tu_ngay"], data["den_ngay"] = start, end
        return data
