"""Forms of the incoming-document pages: registering, searching, and one small form per slip action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cqs.accounts.models import User
from cqs.core.forms import VietnameseDateField
from cqs.documents.form_fields import PersonChoiceField
from cqs.documents.incoming.selectors import lead_members
from cqs.documents.models import Channel, Department, DocumentType, IncomingDocument, OutgoingDocument, Secrecy, Urgency
from cqs.units.models import Agency


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (none included) under one name."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Tìm văn bản đến"), max_length=200, required=False)


class RegisterForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Cơ quan nhận"), queryset=Agency.objects.none(), empty_label=None)
    channel = forms.ChoiceField(label=_("Hình thức nhận"), choices=Channel.choices, initial=Channel.PAPER)
    sender_name = forms.CharField(label=_("Nơi gửi"), max_length=300)
    sender_code = forms.CharField(label=_("Mã định danh nơi gửi"), max_length=40, required=False)
    code_number = forms.CharField(label=_("Số văn bản"), max_length=20, required=False)
    code_notation = forms.CharField(
        label=_("Ký hiệu văn bản"), max_length=60, required=False, help_text=_("Ví dụ: QĐ-UBND, UBND-VP.")
    )
    document_date = VietnameseDateField(label=_("Ngày văn bản (dd/mm/yyyy)"), required=False)
    document_type = forms.ModelChoiceField(
        label=_("Loại văn bản"), queryset=DocumentType.objects.filter(is_active=True), empty_label=None
    )
    subject = forms.CharField(label=_("Trích yếu nội dung"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    signer_name = forms.CharField(label=_("Người ký"), max_length=200, required=False)
    urgency = forms.ChoiceField(label=_("Độ khẩn"), choices=Urgency.choices, initial=Urgency.NORMAL)
    secrecy = forms.ChoiceField(label=_("Độ mật"), choices=Secrecy.choices, initial=Secrecy.NORMAL)
    reply_due = VietnameseDateField(label=_("Hạn trả lời của nơi gửi (dd/mm/yyyy)"), required=False)
    main_file = forms.FileField(
        label=_("Tệp văn bản (bản quét PDF, JPEG, PNG; văn bản điện tử: PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    attachments = MultipleFileField(label=_("Phụ lục, tài liệu kèm theo"))
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency_field = self.fields["agency"]
        assert isinstance(agency_field, forms.ModelChoiceField)
        agency_field.queryset = agencies
        if agencies.count() == 1:
            agency_field.initial = agencies.first()
            agency_field.widget = forms.HiddenInput()


class SlipForm(forms.Form):
    """A form of one handling-slip action, built for the document it acts on."""

    def __init__(self, *args: Any, document: IncomingDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document = document


class DirectForm(SlipForm):
    instruction = forms.CharField(label=_("Ý kiến chỉ đạo"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    lead_department = forms.ModelChoiceField(
        label=_("Đơn vị chủ trì"), queryset=Department.objects.none(), empty_label=_("— Chọn đơn vị chủ trì —")
    )
    coordinating_departments = forms.ModelMultipleChoiceField(
        label=_("Đơn vị phối hợp"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    deadline = VietnameseDateField(label=_("Hạn xử lý (dd/mm/yyyy)"), required=False)

    def __init__(self, *args: Any, document: IncomingDocument, **kwargs: Any) -> None:
        super().__init__(*args, document=document, **kwargs)
        departments = Department.objects.filter(agency_id=document.agency_id, is_active=True).order_by("name")
        for name in ("lead_department", "coordinating_departments"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = departments
        # The sender's reply date is offered as the deadline only while it is still ahead (a past one is refused).
        if document.reply_due and not self.is_bound and document.reply_due >= timezone.localdate():
            self.fields["deadline"].initial = document.reply_due


class AssignForm(SlipForm):
    handler = PersonChoiceField(
        label=_("Chuyên viên xử lý"), queryset=User.objects.none(), empty_label=_("— Chọn chuyên viên —")
    )
    note = forms.CharField(
        label=_("Ý kiến phân công"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, document: IncomingDocument, **kwargs: Any) -> None:
        super().__init__(*args, document=document, **kwargs)
        field = self.fields["handler"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=lead_members(document).values("user_id"), is_active=True).order_by(
            "full_name"
        )


class CommentForm(SlipForm):
    text = forms.CharField(label=_("Ý kiến"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class ProposeForm(SlipForm):
    proposal = forms.CharField(label=_("Ý kiến đề xuất"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, document: IncomingDocument, **kwargs: Any) -> None:
        super().__init__(*args, document=document, **kwargs)
        if document.proposal and not self.is_bound:
            self.fields["proposal"].initial = document.proposal


class ReplyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code or _('(chưa phát hành)')} — {obj.subject[:80]}"


class CompleteForm(SlipForm):
    note = forms.CharField(
        label=_("Kết quả xử lý"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reply = ReplyChoiceField(
        label=_("Văn bản trả lời"),
        queryset=OutgoingDocument.objects.none(),
        required=False,
        empty_label=_("— Không gắn văn bản trả lời —"),
    )

    def __init__(self, *args: Any, document: IncomingDocument, **kwargs: Any) -> None:
        super().__init__(*args, document=document, **kwargs)
        field = self.fields["reply"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = document.replies.all()


class ReturnForm(SlipForm):
    reason = forms.CharField(label=_("Lý do trả lại"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
