"""Forms of the account pages: they check the shape of the input; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cqs.core.errors import ApplicationError
from cqs.core.forms import VietnameseDateField

DATE_INPUT_FORMATS = ["%d/%m/%Y"]


class AccessibleForm(forms.Form):
    """Marks fields with errors (aria-invalid) and points them at their message (aria-describedby)."""

    required_css_class = "required"

    def full_clean(self) -> None:
        super().full_clean()
        self._mark_invalid()

    def add_application_error(self, exc: ApplicationError, field_map: dict[str, str] | None = None) -> None:
        """Shows a service's refusal: per-field messages on their fields, the rest above the form."""
        errors = exc.extra.get("errors") if isinstance(exc.extra, dict) else None
        placed = False
        if isinstance(errors, dict):
            for key, message in errors.items():
                field = (field_map or {}).get(key, key)
                self.add_error(field if field in self.fields else None, str(message))
                placed = True
        if not placed:
            self.add_error(None, exc.message)
        self._mark_invalid()

    def _mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{self[name].auto_id}_errors"}
                )


def _required(message: Any) -> dict[str, Any]:
    return {"required": message}


class LoginForm(AccessibleForm):
    username = forms.CharField(
        label=_("Tên đăng nhập hoặc số định danh cá nhân (CCCD)"),
        max_length=150,
        error_messages=_required(_("Vui lòng nhập tên đăng nhập hoặc số CCCD.")),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        error_messages=_required(_("Vui lòng nhập mật khẩu.")),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_username(self) -> str:
        value: str = self.cleaned_data["username"].strip()
        compact = "".join(value.split())
        # a CCCD or tax code typed with spaces ("040 0 95 001234") is the same user name
        return compact if compact.replace("-", "").isdigit() else value


class TotpForm(AccessibleForm):
    token = forms.CharField(
        label=_("Mã xác thực (6 chữ số trong ứng dụng xác thực)"),
        max_length=12,
        error_messages=_required(_("Vui lòng nhập mã xác thực.")),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"[0-9 ]*", "autofocus": True}
        ),
    )


class RegisterForm(AccessibleForm):
    citizen_id = forms.CharField(
        label=_("Số định danh cá nhân (CCCD, 12 chữ số)"),
        max_length=20,
        error_messages=_required(_("Vui lòng nhập số định danh cá nhân.")),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=200,
        error_messages=_required(_("Vui lòng nhập họ và tên.")),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    date_of_birth = VietnameseDateField(
        label=_("Ngày sinh (ngày/tháng/năm, ví dụ 05/09/1995)"),
        input_formats=DATE_INPUT_FORMATS,
        error_messages={
            "required": _("Vui lòng nhập ngày sinh."),
            "invalid": _("Ngày sinh phải có dạng ngày/tháng/năm, ví dụ 05/09/1995."),
        },
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"autocomplete": "bday", "placeholder": "dd/mm/yyyy"}),
    )
    email = forms.CharField(
        label=_("Thư điện tử"),
        max_length=254,
        error_messages=_required(_("Vui lòng nhập địa chỉ thư điện tử.")),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại (không bắt buộc)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    password1 = forms.CharField(
        label=_("Mật khẩu (ít nhất 10 ký tự)"),
        strip=False,
        error_messages=_required(_("Vui lòng nhập mật khẩu.")),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Nhập lại mật khẩu"),
        strip=False,
        error_messages=_required(_("Vui lòng nhập lại mật khẩu.")),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Hai lần nhập mật khẩu không giống nhau."))
        return cleaned


class ApiTokenForm(AccessibleForm):
    name = forms.CharField(
        label=_("Tên mã truy cập (hệ thống sẽ dùng mã)"),
        max_length=100,
        error_messages=_required(_("Vui lòng đặt tên cho mã truy cập.")),
    )
    expires_on = VietnameseDateField(
        label=_("Hết hạn sau ngày (ngày/tháng/năm, để trống nếu không hết hạn)"),
        input_formats=DATE_INPUT_FORMATS,
        required=False,
        error_messages={"invalid": _("Ngày hết hạn phải có dạng ngày/tháng/năm, ví dụ 31/12/2026.")},
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
    )
