"""Forms of the citizen's side of online public services; every message in Vietnamese, next to its field.

Forms only check input (required fields, the kind and size of a file by its content); the rules
of the one-stop mechanism are checked again, and decided, by ``cqs.dossiers.services``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqs.accounts.models import User
from cqs.catalog.models import RequiredDocument
from cqs.core.errors import ApplicationError
from cqs.core.uploads import CheckedUpload, check_upload
from cqs.dossiers.models import Delivery, FilingMode, StoredPaper
from cqs.dossiers.services import ATTACHMENT_TYPES
from cqs.units.models import AdministrativeUnit, Agency

ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
FILE_HELP = gettext_lazy("PDF, JPEG hoặc PNG, tối đa 10 MB.")


def _file_input() -> forms.FileInput:
    return forms.FileInput(attrs={"accept": ACCEPT})


def check_file(upload: Any, *, label: str) -> CheckedUpload:
    """The upload's kind and size by its content (raises ``ApplicationError`` with the message)."""
    return check_upload(upload, allowed=set(ATTACHMENT_TYPES), max_bytes=settings.CQS_ATTACHMENT_MAX_BYTES, label=label)


class AgencyForm(forms.Form):
    """Step 1: who decides, where it is received, how it is filed, how the result comes back."""

    deciding_agency = forms.TypedChoiceField(
        label=gettext_lazy("Cơ quan giải quyết"),
        coerce=int,
        error_messages={"required": gettext_lazy("Chọn cơ quan giải quyết hồ sơ.")},
    )
    receiving_agency = forms.TypedChoiceField(
        label=gettext_lazy("Nơi tiếp nhận hồ sơ"),
        coerce=int,
        help_text=gettext_lazy("Bạn có thể nộp tại bất kỳ nơi tiếp nhận nào trong tỉnh, không phụ thuộc nơi cư trú."),
        error_messages={"required": gettext_lazy("Chọn nơi tiếp nhận hồ sơ.")},
    )
    filing_mode = forms.ChoiceField(
        label=gettext_lazy("Hình thức nộp"),
        choices=FilingMode.choices,
        initial=FilingMode.SELF,
        widget=forms.RadioSelect,
    )
    principal_name = forms.CharField(label=gettext_lazy("Họ và tên người ủy quyền"), max_length=200, required=False)
    principal_id_number = forms.CharField(
        label=gettext_lazy("Số định danh người ủy quyền"),
        max_length=14,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    authorisation_note = forms.CharField(
        label=gettext_lazy("Giấy ủy quyền (số, ngày, nơi chứng thực)"), max_length=300, required=False
    )
    assisted_by = forms.CharField(
        label=gettext_lazy("Họ tên thành viên tổ công nghệ số cộng đồng hỗ trợ"), max_length=200, required=False
    )
    phone = forms.CharField(
        label=gettext_lazy("Số điện thoại liên hệ"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Thư điện tử"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    delivery = forms.ChoiceField(
        label=gettext_lazy("Cách nhận kết quả"),
        choices=Delivery.choices,
        initial=Delivery.ONLINE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, deciding: Sequence[Agency], receiving: Sequence[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deciding_agency"].choices = _agency_choices(deciding, _("— Chọn cơ quan giải quyết —"))  # type: ignore[attr-defined]
        self.fields["receiving_agency"].choices = _agency_choices(receiving, _("— Chọn nơi tiếp nhận —"))  # type: ignore[attr-defined]
        for name, label in (
            ("deciding_agency", _("Tìm cơ quan giải quyết theo tên")),
            ("receiving_agency", _("Tìm nơi tiếp nhận theo tên")),
        ):
            self.fields[name].widget.attrs.update(picker_attrs(label))
        self.agency_names = {a.pk: a.name for a in [*deciding, *receiving]}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("filing_mode")
        if mode == FilingMode.ON_BEHALF:
            if not (data.get("principal_name") or "").strip():
                self.add_error("principal_name", _("Nộp thay cần ghi họ tên người ủy quyền."))
            if not (data.get("authorisation_note") or "").strip():
                self.add_error("authorisation_note", _("Nộp thay cần ghi giấy ủy quyền."))
        elif mode == FilingMode.ASSISTED and not (data.get("assisted_by") or "").strip():
            self.add_error("assisted_by", _("Ghi họ tên thành viên tổ công nghệ số cộng đồng đã hỗ trợ."))
        return data


def picker_attrs(label: str) -> dict[str, str]:
    """The attributes that make a <select> searchable by ``cqs/picker.js`` (texts in the page's language)."""
    return {
        "data-picker": "",
        "data-picker-label": label,
        "data-picker-count": _("Có {n} kết quả."),
        "data-picker-none": _("Không có kết quả phù hợp."),
    }


def _agency_choices(agencies: Sequence[Agency], empty: str) -> list[tuple[Any, str]]:
    """One option per agency; a first empty one when there is a choice to make (nothing picked by default)."""
    options: list[tuple[Any, str]] = [(a.pk, a.name) for a in agencies]
    return [("", empty), *options] if len(options) > 1 else options


class CommuneForm(forms.Form):
    """The commune a citizen lives in, asked once when the account's address does not name one."""

    xa = forms.TypedChoiceField(
        label=gettext_lazy("Xã, phường, đặc khu nơi bạn cư trú"),
        coerce=int,
        help_text=gettext_lazy("Dùng để đề xuất nơi nộp và cơ quan giải quyết gần bạn; bạn vẫn chọn được nơi khác."),
        error_messages={
            "required": gettext_lazy("Chọn xã, phường, đặc khu nơi bạn cư trú."),
            "invalid_choice": gettext_lazy("Chọn xã, phường, đặc khu trong danh sách."),
        },
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)

    def __init__(self, *args: Any, communes: Sequence[AdministrativeUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["xa"]
        field.choices = [("", _("— Chọn xã, phường —")), *((u.pk, u.name) for u in communes)]  # type: ignore[attr-defined]
        field.widget.attrs.update(picker_attrs(_("Tìm xã, phường theo tên")))
        self.units = {u.pk: u for u in communes}


class DocumentsForm(forms.Form):
    """Step 3: per required document, a file to upload or a paper from the citizen's store."""

    def __init__(
        self,
        *args: Any,
        documents: Sequence[RequiredDocument],
        papers: Sequence[StoredPaper],
        kept: dict[int, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.documents = [d for d in documents if not d.replaceable_by]
        self.kept = kept  # document id → the name of the file already uploaded in an earlier visit
        self.checked: dict[int, tuple[CheckedUpload, Any]] = {}
        paper_choices = [("", _("— Không dùng giấy tờ trong kho —")), *[(str(p.pk), p.name) for p in papers]]
        for document in self.documents:
            self.fields[f"file_{document.pk}"] = forms.FileField(
                label=_("Tải lên tệp"), required=False, widget=_file_input(), help_text=FILE_HELP
            )
            if papers:
                self.fields[f"paper_{document.pk}"] = forms.ChoiceField(
                    label=_("Hoặc dùng giấy tờ trong kho dữ liệu của bạn"),
                    choices=paper_choices,
                    required=False,
                    error_messages={"invalid_choice": _("Chọn một giấy tờ trong kho dữ liệu của bạn.")},
                )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "document": d,
                "file": self[f"file_{d.pk}"],
                "paper": self[f"paper_{d.pk}"] if f"paper_{d.pk}" in self.fields else None,
                "kept": self.kept.get(d.pk, ""),
            }
            for d in self.documents
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for document in self.documents:
            upload = data.get(f"file_{document.pk}")
            paper = data.get(f"paper_{document.pk}") or ""
            if upload and paper:
                self.add_error(f"file_{document.pk}", _("Chọn một trong hai: tải tệp lên hoặc dùng giấy tờ trong kho."))
                continue
            if upload:
                try:
                    self.checked[document.pk] = (check_file(upload, label=document.name), upload)
                except ApplicationError as error:
                    self.add_error(f"file_{document.pk}", error.message)
                continue
            if not paper and not document.is_optional and document.pk not in self.kept:
                self.add_error(
                    f"file_{document.pk}", _("Vui lòng nộp giấy tờ bắt buộc “%(name)s”.") % {"name": document.name}
                )
        return data


class SupplementForm(forms.Form):
    """The answer to a supplement request: one file per item asked for, and a note."""

    note = forms.CharField(
        label=gettext_lazy("Ghi chú gửi cơ quan giải quyết"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, items: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items) or [_("Giấy tờ bổ sung")]
        self.checked: list[tuple[str, Any]] = []
        for index, item in enumerate(self.items):
            self.fields[f"item_{index}"] = forms.FileField(
                label=item, required=False, widget=_file_input(), help_text=FILE_HELP
            )
        self.order_fields([*[f"item_{i}" for i in range(len(self.items))], "note"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for index, item in enumerate(self.items):
            upload = data.get(f"item_{index}")
            if not upload:
                continue
            try:
                check_file(upload, label=item)
            except ApplicationError as error:
                self.add_error(f"item_{index}", error.message)
                continue
            self.checked.append((item, upload))
        if not self.checked and not self.errors:
            self.add_error(None, _("Vui lòng tải lên giấy tờ cần bổ sung."))
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Lý do rút hồ sơ"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Vui lòng ghi lý do rút hồ sơ.")},
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("Tôi hiểu rằng hồ sơ đã rút sẽ không được tiếp tục giải quyết."),
        error_messages={"required": gettext_lazy("Đánh dấu xác nhận để rút hồ sơ.")},
    )


class DeliveryForm(forms.Form):
    delivery = forms.ChoiceField(
        label=gettext_lazy("Cách nhận kết quả"),
        choices=Delivery.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Chọn cách nhận kết quả.")},
    )


RATING_CHOICES = [
    (5, gettext_lazy("5 sao — Rất hài lòng")),
    (4, gettext_lazy("4 sao — Hài lòng")),
    (3, gettext_lazy("3 sao — Bình thường")),
    (2, gettext_lazy("2 sao — Chưa hài lòng")),
    (1, gettext_lazy("1 sao — Không hài lòng")),
]


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("Mức độ hài lòng"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Chọn mức đánh giá từ 1 đến 5 sao."),
            "invalid_choice": gettext_lazy("Chọn mức đánh giá từ 1 đến 5 sao."),
        },
    )
    comment = forms.CharField(
        label=gettext_lazy("Ý kiến góp ý (không bắt buộc)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PaperForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Tên giấy tờ"),
        max_length=300,
        help_text=gettext_lazy("Ví dụ: Căn cước công dân, Giấy khai sinh của con."),
        error_messages={"required": gettext_lazy("Đặt tên cho giấy tờ.")},
    )
    file = forms.FileField(
        label=gettext_lazy("Tệp"),
        widget=_file_input(),
        help_text=FILE_HELP,
        error_messages={"required": gettext_lazy("Chọn tệp cần lưu.")},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            check_file(upload, label=self.data.get("name") or _("giấy tờ"))
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from error
        return upload


class LookupForm(forms.Form):
    ma = forms.CharField(
        label=gettext_lazy("Mã hồ sơ"),
        max_length=60,
        help_text=gettext_lazy("Mã hồ sơ ghi trên giấy tiếp nhận, ví dụ 000.00.01.H40-250915-0001."),
        error_messages={"max_length": gettext_lazy("Mã hồ sơ không quá 60 ký tự.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def account_contact(user: User) -> dict[str, str]:
    return {"phone": user.phone or "", "email": user.email or ""}
