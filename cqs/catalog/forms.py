"""Forms of the catalog manager's pages. They only validate input; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from cqs.accounts.models import Role
from cqs.catalog.models import (
    VERSION_CONTENT_FIELDS,
    Fee,
    Field,
    FormField,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureVersion,
    ProcessStep,
    RequiredDocument,
)
from cqs.core.forms import BoundedIntegerField, VietnameseDateField
from cqs.units.models import Agency

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_HELP = _("Theo dạng ngày/tháng/năm, ví dụ 01/07/2025.")


def _label(model: type[Any], name: str) -> str:
    return str(model._meta.get_field(name).verbose_name).capitalize()


class ProcedureCreateForm(forms.Form):
    code = forms.CharField(label=_label(Procedure, "code"), max_length=40, help_text=_("Ví dụ 1.001193"))
    name = forms.CharField(label=_label(Procedure, "name"), max_length=500)
    field = forms.ModelChoiceField(
        label=_label(ProcedureVersion, "field"), queryset=Field.objects.all(), empty_label=_("— Chọn lĩnh vực —")
    )
    level = forms.ChoiceField(label=_label(Procedure, "level"), choices=Level.choices)
    online_level = forms.ChoiceField(label=_label(Procedure, "online_level"), choices=OnlineLevel.choices)

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()


# The scalar fields of a version the manager edits (the decision is given when publishing).
VERSION_FIELDS = [
    "name",
    "field",
    "level",
    "online_level",
    "agency_kinds",
    "agencies",
    *VERSION_CONTENT_FIELDS,
    "result_type",
    "result_template",
    "fee_note",
    "change_note",
]


class VersionEditForm(forms.ModelForm):
    """The scalar fields of a draft version; ``cleaned_data`` goes to ``version_update``, never ``save()``."""

    agency_kinds = forms.MultipleChoiceField(
        label=_("Loại cơ quan thực hiện"),
        choices=Agency.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Chọn khi mọi cơ quan thuộc loại đó thực hiện thủ tục (ví dụ mọi UBND cấp xã): "
            "danh sách tự theo các xã, phường hiện có, kể cả khi sắp xếp, sáp nhập."
        ),
    )

    class Meta:
        model = ProcedureVersion
        fields = VERSION_FIELDS
        widgets = {
            "steps": forms.Textarea(attrs={"rows": 5}),
            "method": forms.Textarea(attrs={"rows": 3}),
            "applicants": forms.Textarea(attrs={"rows": 2}),
            "conditions": forms.Textarea(attrs={"rows": 3}),
            "legal_basis": forms.Textarea(attrs={"rows": 4}),
            "fee_note": forms.Textarea(attrs={"rows": 2}),
            "result_template": forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
            "change_note": forms.Textarea(attrs={"rows": 2}),
            "afternoon_cutoff": forms.TimeInput(format="%H:%M", attrs={"placeholder": "15:00", "inputmode": "numeric"}),
            "agencies": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for bound_name, form_field in self.fields.items():
            form_field.label = str(form_field.label).capitalize()
            if bound_name == "agencies":
                form_field.label = _("Cơ quan thực hiện cụ thể")
                form_field.help_text = _(
                    "Ngoài các loại cơ quan đã chọn ở trên. "
                    "Giữ phím Ctrl (hoặc chạm giữ trên điện thoại) để chọn nhiều cơ quan."
                )
        agencies = self.fields["agencies"]
        assert isinstance(agencies, forms.ModelMultipleChoiceField)
        agencies.queryset = Agency.objects.filter(is_active=True).order_by("electronic_code")

    def _post_clean(self) -> None:
        # Validate the input only: the instance is neither changed nor validated here (the service does that).
        return None

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in VERSION_FIELDS}
        data["agencies"] = list(data["agencies"])
        data["agency_kinds"] = list(data["agency_kinds"])
        return data


class PublishForm(forms.Form):
    decision_number = forms.CharField(label=_label(ProcedureVersion, "decision_number"), max_length=100)
    decision_date = VietnameseDateField(label=_label(ProcedureVersion, "decision_date"), help_text=DATE_HELP)
    effective_from = VietnameseDateField(label=_label(ProcedureVersion, "effective_from"), help_text=DATE_HELP)


class UnpublishForm(forms.Form):
    reason = forms.CharField(label=_("Lý do ngừng công bố"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp danh mục (.json hoặc .xlsx)"),
        help_text=_("Định dạng theo tài liệu “Định dạng trao đổi danh mục”. Có lỗi thì không thay đổi gì."),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.xlsx,application/json," + XLSX_TYPE}),
    )
    publish = forms.BooleanField(label=_("Công bố ngay khi nhập (theo quyết định ghi trong tệp)"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.CATALOG_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("Tệp quá lớn: tối đa %(mb)s MB."), params={"mb": settings.CATALOG_IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload


TEMPLATE_ACCEPT = ".pdf,.docx,.odt,.doc"


class TemplateUploadForm(forms.Form):
    """The template file of one document; the service checks its content, size and type."""

    # Empty files pass here so that the service's own, more precise message is shown.
    file = forms.FileField(
        label=_("Tệp mẫu"), allow_empty_file=True, widget=forms.FileInput(attrs={"accept": TEMPLATE_ACCEPT})
    )


# The lists of a version, one formset row per item; keys are those of docs/catalog-format.md.


class DocumentRowForm(forms.Form):
    name = forms.CharField(label=_label(RequiredDocument, "name"), max_length=1000)
    originals = forms.IntegerField(label=_label(RequiredDocument, "originals"), min_value=0, max_value=99, initial=1)
    copies = forms.IntegerField(label=_label(RequiredDocument, "copies"), min_value=0, max_value=99, initial=0)
    optional = forms.BooleanField(label=_label(RequiredDocument, "is_optional"), required=False)
    # The metaclass moves declared fields out of the class, so this never hides BaseForm.template_name.
    template_name = forms.CharField(  # type: ignore[assignment]
        label=_label(RequiredDocument, "template_name"), max_length=300, required=False
    )
    replaceable_by = forms.ChoiceField(
        label=_label(RequiredDocument, "replaceable_by"), choices=RequiredDocument.NationalData.choices, required=False
    )
    declaration = forms.BooleanField(
        label=_label(RequiredDocument, "is_declaration"),
        required=False,
        help_text=RequiredDocument._meta.get_field("is_declaration").help_text,
    )
    note = forms.CharField(label=_label(RequiredDocument, "note"), max_length=1000, required=False)


class FeeRowForm(forms.Form):
    name = forms.CharField(label=_label(Fee, "name"), max_length=300)
    amount = BoundedIntegerField(
        label=_label(Fee, "amount"),
        max_value=10**12,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
    )
    quantity_field = forms.CharField(
        label=_label(Fee, "quantity_field"),
        max_length=60,
        required=False,
        help_text=Fee._meta.get_field("quantity_field").help_text,
    )
    note = forms.CharField(label=_label(Fee, "note"), max_length=500, required=False)


PREFILL_CHOICES = [
    ("", _("Không")),
    ("full_name", _("Họ và tên")),
    ("citizen_id", _("Số định danh cá nhân")),
    ("date_of_birth", _("Ngày sinh")),
    ("phone", _("Số điện thoại")),
    ("email", _("Thư điện tử")),
    ("address", _("Địa chỉ")),
]


class FormFieldRowForm(forms.Form):
    key = forms.SlugField(
        label=_label(FormField, "key"), max_length=60, help_text=_("Chữ không dấu, số, gạch dưới; ví dụ ho_ten")
    )
    label = forms.CharField(label=_label(FormField, "label"), max_length=300)
    type = forms.ChoiceField(label=_label(FormField, "type"), choices=FormField.Type.choices)
    required = forms.BooleanField(label=_label(FormField, "required"), required=False, initial=True)
    choices = forms.CharField(
        label=_label(FormField, "choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Với kiểu “Chọn một”: mỗi lựa chọn một dòng."),
    )
    help_text = forms.CharField(label=_label(FormField, "help_text"), max_length=500, required=False)
    prefill = forms.ChoiceField(label=_label(FormField, "prefill"), choices=PREFILL_CHOICES, required=False)

    def clean_choices(self) -> list[str]:
        text = str(self.cleaned_data.get("choices") or "")
        return [line.strip() for line in text.splitlines() if line.strip()]


class ProcessStepRowForm(forms.Form):
    name = forms.CharField(label=_label(ProcessStep, "name"), max_length=500)
    role = forms.ChoiceField(label=_label(ProcessStep, "role"), choices=Role.choices)
    unit_kind = forms.ChoiceField(label=_label(ProcessStep, "unit_kind"), choices=ProcessStep.UnitKind.choices)
    duration_hours = forms.DecimalField(
        label=_label(ProcessStep, "duration_hours"),
        min_value=0,
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )


def _formset(form: type[forms.Form]) -> Any:
    return formset_factory(form, extra=1, can_delete=True, can_order=True, max_num=200, validate_max=True)


DocumentFormSet = _formset(DocumentRowForm)
FeeFormSet = _formset(FeeRowForm)
FormFieldFormSet = _formset(FormFieldRowForm)
ProcessStepFormSet = _formset(ProcessStepRowForm)


def document_initial(document: RequiredDocument) -> dict[str, Any]:
    return {
        "name": document.name,
        "originals": document.originals,
        "copies": document.copies,
        "optional": document.is_optional,
        "template_name": document.template_name,
        "replaceable_by": document.replaceable_by,
        "declaration": document.is_declaration,
        "note": document.note,
    }


def fee_initial(fee: Fee) -> dict[str, Any]:
    return {"name": fee.name, "amount": fee.amount, "quantity_field": fee.quantity_field, "note": fee.note}


def form_field_initial(field: FormField) -> dict[str, Any]:
    return {
        "key": field.key,
        "label": field.label,
        "type": field.type,
        "required": field.required,
        "choices": "\n".join(str(choice) for choice in (field.choices or [])),
        "help_text": field.help_text,
        "prefill": field.prefill,
    }


def step_initial(step: ProcessStep) -> dict[str, Any]:
    return {"name": step.name, "role": step.role, "unit_kind": step.unit_kind, "duration_hours": step.duration_hours}


def formset_rows(formset: Any) -> list[tuple[dict[str, Any], forms.Form]]:
    """The kept rows in their order: the service's item dict (without the formset's own keys) and its form."""
    rows: list[tuple[dict[str, Any], forms.Form]] = []
    for form in formset.ordered_forms:
        item = {key: value for key, value in form.cleaned_data.items() if key not in {"ORDER", "DELETE"}}
        rows.append((item, form))
    return rows
