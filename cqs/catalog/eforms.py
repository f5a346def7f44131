"""The electronic form (tờ khai điện tử) of a procedure version, as a real Django form."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqs.accounts.validators import validate_citizen_id
from cqs.catalog.models import FormField, ProcedureVersion
from cqs.core.errors import ApplicationError
from cqs.core.forms import DATE_ERROR, BoundedIntegerField, VietnameseDateField

# The largest whole number an e-form takes (a count of copies, an area, an amount in đồng).
EFORM_INTEGER_MAX = 999_999_999_999_999
_PHONE_RE = re.compile(r"^(?:\+84|0)\d{9,10}$")


def _validate_citizen_id(value: str) -> None:
    try:
        validate_citizen_id(value)
    except ApplicationError as error:
        raise ValidationError(error.message, code="citizen_id") from error


def _validate_phone(value: str) -> None:
    compact = re.sub(r"[\s.\-()]", "", value or "")
    if not _PHONE_RE.match(compact):
        raise ValidationError(_("Số điện thoại không hợp lệ (ví dụ 0912345678)."), code="phone")


def _date_formats() -> list[str]:
    return list(get_format("DATE_INPUT_FORMATS", lang="vi"))


def form_field(row: FormField) -> forms.Field:
    """One Django form field for a FormField row."""
    common: dict[str, Any] = {"label": row.label, "required": row.required, "help_text": row.help_text}
    kind = row.type
    if kind == FormField.Type.TEXTAREA:
        return forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 4}), **common)
    if kind == FormField.Type.DATE:
        return VietnameseDateField(
            input_formats=_date_formats(),
            widget=forms.DateInput(
                format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
            ),
            error_messages={"invalid": DATE_ERROR},
            **common,
        )
    if kind == FormField.Type.INTEGER:
        return BoundedIntegerField(max_value=EFORM_INTEGER_MAX, **common)
    if kind == FormField.Type.EMAIL:
        return forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}), **common)
    if kind == FormField.Type.PHONE:
        return forms.CharField(
            max_length=20,
            validators=[_validate_phone],
            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
            **common,
        )
    if kind == FormField.Type.CITIZEN_ID:
        return forms.CharField(
            min_length=12,
            max_length=12,
            validators=[_validate_citizen_id],
            widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{12}", "autocomplete": "off"}),
            **common,
        )
    if kind == FormField.Type.CHOICE:
        options = [(str(choice), str(choice)) for choice in row.choices or []]
        return forms.ChoiceField(choices=[("", _("— Chọn —")), *options], widget=forms.Select, **common)
    if kind == FormField.Type.CHECKBOX:
        # required=True: the box must be ticked (a declaration the applicant confirms).
        return forms.BooleanField(
            error_messages={"required": gettext_lazy("Cần đánh dấu xác nhận để tiếp tục.")}, **common
        )
    return forms.CharField(max_length=500, **common)


def eform_class(version: ProcedureVersion) -> type[forms.Form]:
    """A Form class with one field per FormField row of the version, in their order."""
    rows = sorted(version.form_fields.all(), key=lambda row: row.position)
    attrs: dict[str, Any] = {row.key: form_field(row) for row in rows}
    name = f"EForm_{version.procedure.code.replace('.', '_')}_v{version.number}" if version.procedure_id else "EForm"
    return type(name, (forms.Form,), attrs)


def initial_from_user(version: ProcedureVersion, user: Any) -> dict[str, Any]:
    """Initial values from the account for the fields that declare a ``prefill`` key."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    initial: dict[str, Any] = {}
    for row in version.form_fields.all():
        if not row.prefill:
            continue
        value = getattr(user, row.prefill, None)
        if value not in (None, ""):
            initial[row.key] = value
    return initial


def _answer_text(field: forms.Field, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(field, forms.BooleanField) or isinstance(value, bool):
        truthy = value is True or str(value).lower() in ("true", "on", "1", "có")
        return str(_("Có") if truthy else _("Không"))
    if isinstance(field, forms.DateField):
        try:
            return dt.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    return str(value)


def eform_rows(version: ProcedureVersion, data: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of each e-form field in order, as a person reads them: dates dd/mm/yyyy, "Có"/"Không".

    ``data`` may be as typed (the wizard's session) or as stored (ISO dates, booleans).
    """
    form = eform_class(version)(data)
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    rows = []
    for name, field in form.fields.items():
        value = cleaned.get(name, data.get(name, ""))
        if isinstance(value, dt.date):
            value = value.isoformat()
        rows.append((str(field.label or name), _answer_text(field, value)))
    return rows
