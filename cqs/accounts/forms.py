"""Forms of the account pages: they check the shape of the input; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cqs.core.errors import ApplicationError
from cqs.core.forms import VietnameseDateField

DATE_INPUT_FORMATS = ["%d/%m/%Y"]


class AccessibleForm(forms.Form):
    """Fields with errors are marked (aria-invalid) and described by their message by the site's form renderer."""

    required_css_class = "required"

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


def _required(message: Any) -> dict[str, Any]:
    return {"required": message}


def _password(label: Any, *, autocomplete: str = "new-password", required: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        error_messages=_required(required or _("Vui lòng nhập mật khẩu.")),
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def _code(label: Any, *, numeric: bool) -> forms.CharField:
    attrs = {"autocomplete": "one-time-code", "autocapitalize": "characters", "spellcheck": "false"}
    if numeric:
        attrs.update({"inputmode": "numeric", "pattern": r"[0-9 ]*"})
    return forms.CharField(
        label=label, max_length=20, error_messages=_required(_("Vui lòng nhập mã.")), widget=forms.TextInput(attrs)
    )


class NewPasswordForm(AccessibleForm):
    """A form where a new password is typed twice: the two fields ``password_pair`` names must match."""

    password_pair = ("password1", "password2")

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        first, second = self.password_pair
        if cleaned.get(first) and cleaned.get(second) and cleaned[first] != cleaned[second]:
            self.add_error(second, _("Hai lần nhập mật khẩu không giống nhau."))
        return cleaned


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


class RegisterForm(NewPasswordForm):
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
    password1 = _password(_("Mật khẩu (ít nhất 10 ký tự)"))
    password2 = _password(_("Nhập lại mật khẩu"), required=_("Vui lòng nhập lại mật khẩu."))


class ApiTokenForm(AccessibleForm):
    name = forms.CharField(
        label=_("Tên mã truy cập (hệ thống sẽ dùng mã)"),
        max_length=100,
        error_messages=_required(_("Vui lòng đặt tên cho mã truy cập.")),
    )
    expires_on = VietnameseDateField(
        label=_("Hết hạn sau ngày (ngày/tháng/năm; để trống: sau 90 ngày)"),
        input_formats=DATE_INPUT_FORMATS,
        required=False,
        error_messages={"invalid": _("Ngày hết hạn phải có dạng ngày/tháng/năm, ví dụ 31/12/2026.")},
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
    )


class BusinessRegisterForm(NewPasswordForm):
    tax_code = forms.CharField(
        label=_("Mã số thuế (10 chữ số, chi nhánh thêm -NNN)"),
        max_length=20,
        error_messages=_required(_("Vui lòng nhập mã số thuế.")),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    full_name = forms.CharField(
        label=_("Tên tổ chức, doanh nghiệp"),
        max_length=200,
        error_messages=_required(_("Vui lòng nhập tên tổ chức, doanh nghiệp.")),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    address = forms.CharField(
        label=_("Địa chỉ trụ sở (không bắt buộc)"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    email = RegisterForm.base_fields["email"]
    phone = RegisterForm.base_fields["phone"]
    password1 = RegisterForm.base_fields["password1"]
    password2 = RegisterForm.base_fields["password2"]


class RegistrationCodeForm(AccessibleForm):
    code = _code(_("Mã xác nhận (6 chữ số trong thư)"), numeric=True)


class ActivationCodeForm(AccessibleForm):
    activation_code = _code(_("Mã kích hoạt do quản trị viên cấp (ví dụ ABCD-EFGH-JKMN)"), numeric=False)


class PasswordChangeForm(NewPasswordForm):
    password_pair = ("new_password1", "new_password2")

    current_password = _password(
        _("Mật khẩu hiện tại"), autocomplete="current-password", required=_("Vui lòng nhập mật khẩu hiện tại.")
    )
    new_password1 = _password(_("Mật khẩu mới (ít nhất 10 ký tự)"), required=_("Vui lòng nhập mật khẩu mới."))
    new_password2 = _password(_("Nhập lại mật khẩu mới"), required=_("Vui lòng nhập lại mật khẩu mới."))


RESET_CHANNELS = [("email", _("Thư điện tử đã đăng ký")), ("sms", _("Tin nhắn SMS tới số điện thoại đã đăng ký"))]


class PasswordForgotForm(AccessibleForm):
    identifier = forms.CharField(
        label=_("Số định danh cá nhân (CCCD) hoặc mã số thuế"),
        max_length=150,
        error_messages=_required(_("Vui lòng nhập số định danh cá nhân hoặc mã số thuế.")),
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "numeric"}),
    )
    channel = forms.ChoiceField(
        label=_("Nhận mã qua"),
        choices=RESET_CHANNELS,
        initial="email",
        widget=forms.RadioSelect,
        error_messages=_required(_("Vui lòng chọn cách nhận mã.")),
    )

    def __init__(self, *args: Any, sms: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not sms:
            field = self.fields["channel"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = RESET_CHANNELS[:1]


class PasswordResetForm(NewPasswordForm):
    password_pair = ("new_password1", "new_password2")

    identifier = forms.CharField(
        label=_("Tên đăng nhập (số CCCD, mã số thuế hoặc tên đăng nhập cán bộ)"),
        max_length=150,
        error_messages=_required(_("Vui lòng nhập tên đăng nhập.")),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    code = _code(_("Mã đặt lại mật khẩu"), numeric=False)
    new_password1 = PasswordChangeForm.base_fields["new_password1"]
    new_password2 = PasswordChangeForm.base_fields["new_password2"]


class CounterLookupForm(AccessibleForm):
    so = forms.CharField(
        label=_("Số định danh cá nhân (CCCD) hoặc mã số thuế trên giấy tờ"),
        max_length=20,
        error_messages=_required(_("Vui lòng nhập số CCCD hoặc mã số thuế.")),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


def _document_field() -> forms.CharField:
    return forms.CharField(
        label=_("Giấy tờ đã đối chiếu (loại và số, ví dụ: thẻ CCCD gắn chip số …)"),
        max_length=200,
        error_messages=_required(_("Vui lòng ghi loại và số giấy tờ đã đối chiếu.")),
    )


def _confirm_field(label: Any) -> forms.BooleanField:
    return forms.BooleanField(label=label, error_messages=_required(_("Vui lòng xác nhận đã đối chiếu bản gốc.")))


class CounterVerifyForm(AccessibleForm):
    document = _document_field()
    confirm = _confirm_field(_("Tôi đã đối chiếu bản gốc giấy tờ với người đến quầy: họ tên, ngày sinh và số khớp."))


class CounterReclaimForm(AccessibleForm):
    document = _document_field()
    full_name = forms.CharField(
        label=_("Họ và tên (tên tổ chức) theo giấy tờ"),
        max_length=200,
        error_messages=_required(_("Vui lòng nhập họ và tên theo giấy tờ.")),
    )
    date_of_birth = forms.DateField(
        label=_("Ngày sinh theo giấy tờ (ngày/tháng/năm; tổ chức để trống)"),
        input_formats=DATE_INPUT_FORMATS,
        required=False,
        error_messages={"invalid": _("Ngày sinh phải có dạng ngày/tháng/năm, ví dụ 05/09/1995.")},
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
    )
    email = forms.CharField(
        label=_("Thư điện tử của chủ tài khoản"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại của chủ tài khoản"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    confirm = _confirm_field(
        _("Tôi đã đối chiếu bản gốc giấy tờ: người đến quầy là chủ số định danh (mã số thuế) này.")
    )
