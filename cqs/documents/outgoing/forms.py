"""Forms of the outgoing-document pages: the draft's metadata and recipients, and one small form per action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from cqs.accounts.models import Role, User
from cqs.documents.form_fields import PersonChoiceField
from cqs.documents.models import (
    Department,
    DocumentType,
    ExchangePartner,
    IncomingDocument,
    OutgoingDocument,
    Recipient,
    Secrecy,
    SigningAuthority,
    Urgency,
)
from cqs.documents.outgoing import selectors as sel
from cqs.documents.outgoing.services import MAX_COPIES, RecipientSpec
from cqs.documents.permissions import agencies_with_role
from cqs.units.models import Agency

MAX_REVIEWERS = 4


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Tìm văn bản đi"), max_length=200, required=False)


def drafting_departments(user: Any) -> QuerySet[Department]:
    """The departments the user drafts for: those they belong to, in agencies where they are a specialist."""
    return Department.objects.filter(
        is_active=True,
        members__user=user,
        agency_id__in=agencies_with_role(user, Role.SPECIALIST),
    ).select_related("agency")


class OutgoingForm(forms.Form):
    """The draft's metadata and its recipients ("Nơi nhận"): agencies on the platform, exchange partners, paper."""

    drafting_department = forms.ModelChoiceField(
        label=_("Đơn vị soạn thảo"), queryset=Department.objects.none(), empty_label=None
    )
    document_type = forms.ModelChoiceField(
        label=_("Loại văn bản"), queryset=DocumentType.objects.filter(is_active=True), empty_label=None
    )
    subject = forms.CharField(label=_("Trích yếu nội dung"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    urgency = forms.ChoiceField(label=_("Độ khẩn"), choices=Urgency.choices, initial=Urgency.NORMAL)
    secrecy = forms.ChoiceField(
        label=_("Độ mật"),
        choices=Secrecy.choices,
        initial=Secrecy.NORMAL,
        help_text=_("Văn bản mật chỉ gửi bản giấy, không gửi qua hệ thống hay trục liên thông."),
    )
    signer = PersonChoiceField(label=_("Lãnh đạo ký"), queryset=User.objects.none(), empty_label=None)
    signing_authority = forms.ChoiceField(
        label=_("Thẩm quyền ký"), choices=SigningAuthority.choices, required=False, initial=""
    )
    signer_position = forms.CharField(
        label=_("Chức vụ người ký"), max_length=150, required=False, help_text=_("Ví dụ: PHÓ CHỦ TỊCH.")
    )
    copies = forms.IntegerField(label=_("Số lượng bản"), min_value=1, max_value=MAX_COPIES, initial=1)
    keeping_department = forms.ModelChoiceField(
        label=_("Đơn vị lưu hồ sơ"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("— Chọn đơn vị lưu hồ sơ —"),
    )
    internal = forms.ModelMultipleChoiceField(
        label=_("Cơ quan nhận trong hệ thống"),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tim_noi_nhan = forms.CharField(label=_("Tìm cơ quan theo tên hoặc mã định danh"), max_length=100, required=False)
    edxml = forms.ModelMultipleChoiceField(
        label=_("Cơ quan nhận qua trục liên thông (edXML)"),
        queryset=ExchangePartner.objects.none(),
        to_field_name="organ_id",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    paper = forms.CharField(
        label=_("Nơi nhận bản giấy (mỗi dòng một nơi)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ví dụ: Như trên; Lưu: VT, VP."),
    )
    reply_to = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = drafting_departments(user)
        agencies = list({d.agency_id for d in departments})
        self.fields["drafting_department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["keeping_department"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            agency_id__in=agencies, is_active=True
        )
        self.fields["signer"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True, roles__agency_id__in=agencies, roles__role=Role.LEADER)
            .distinct()
            .order_by("full_name")
        )
        self.fields["internal"].queryset = Agency.objects.filter(is_active=True).exclude(pk__in=agencies)  # type: ignore[attr-defined]
        self.fields["edxml"].queryset = sel.exchange_partners()  # type: ignore[attr-defined]
        self.home_agencies = agencies

    def recipient_specs(self) -> list[RecipientSpec]:
        data = self.cleaned_data
        specs = [RecipientSpec(channel=Recipient.Channel.INTERNAL, agency=a) for a in data.get("internal") or []]
        specs += [RecipientSpec(channel=Recipient.Channel.EDXML, organ_id=p.organ_id) for p in data.get("edxml") or []]
        specs += [
            RecipientSpec(channel=Recipient.Channel.PAPER, name=line.strip())
            for line in (data.get("paper") or "").splitlines()
            if line.strip()
        ]
        return specs

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "drafting_department": data["drafting_department"],
            "document_type": data["document_type"],
            "subject": data["subject"],
            "urgency": data["urgency"],
            "secrecy": data["secrecy"],
            "signer": data["signer"],
            "signing_authority": data.get("signing_authority") or "",
            "signer_position": data.get("signer_position") or "",
            "copies": data["copies"],
            "keeping_department": data.get("keeping_department"),
            "recipients": self.recipient_specs(),
        }

    def internal_choices(self) -> list[tuple[Agency, bool]]:
        """The agencies shown in the chooser: those ticked, then those matching the search."""
        raw = self.data.getlist("internal") if isinstance(self.data, QueryDict) else self.initial.get("internal", [])
        ids = [int(v) for v in raw if str(v).isdigit() and len(str(v)) < 12]
        chosen = list(Agency.objects.filter(pk__in=ids).order_by("name"))
        query = (self.data.get("tim_noi_nhan") if self.is_bound else "") or ""
        found = sel.internal_recipient_search(query=query, limit=30)
        shown = [(a, True) for a in chosen]
        shown += [(a, False) for a in found if a.pk not in {c.pk for c in chosen} and a.pk not in self.home_agencies]
        return shown


def initial_from(outgoing: OutgoingDocument) -> dict[str, Any]:
    recipients = list(outgoing.recipients.all())
    return {
        "drafting_department": outgoing.drafting_department_id,
        "document_type": outgoing.document_type_id,
        "subject": outgoing.subject,
        "urgency": outgoing.urgency,
        "secrecy": outgoing.secrecy,
        "signer": outgoing.signer_id,
        "signing_authority": outgoing.signing_authority,
        "signer_position": outgoing.signer_position,
        "copies": outgoing.copies,
        "keeping_department": outgoing.keeping_department_id,
        "internal": [r.agency_id for r in recipients if r.channel == Recipient.Channel.INTERNAL],
        "edxml": [r.organ_id for r in recipients if r.channel == Recipient.Channel.EDXML],
        "paper": "\n".join(r.name for r in recipients if r.channel == Recipient.Channel.PAPER),
    }


def initial_reply(incoming: IncomingDocument) -> dict[str, Any]:
    """A reply goes back to the sender: on the platform, by the exchange axis, or on paper."""
    initial: dict[str, Any] = {
        "reply_to": incoming.pk,
        "document_type": DocumentType.objects.filter(name="Công văn").values_list("pk", flat=True).first(),
        "subject": _("V/v trả lời văn bản số %(code)s của %(sender)s")
        % {"code": incoming.code or incoming.number, "sender": incoming.sender_name},
    }
    sender = (
        Agency.objects.filter(electronic_code=incoming.sender_code, is_active=True).first()
        if incoming.sender_code
        else None
    )
    partner = (
        ExchangePartner.objects.filter(organ_id=incoming.sender_code, is_active=True).first()
        if incoming.sender_code
        else None
    )
    if sender is not None and sender.pk != incoming.agency_id:
        initial["internal"] = [sender.pk]
    elif partner is not None:
        initial["edxml"] = [partner.organ_id]
    else:
        initial["paper"] = incoming.sender_name
    return initial


# ---------------------------------------------------------------- actions on the detail page


class FileForm(forms.Form):
    file = forms.FileField(label=_("Tệp PDF"))


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Ý kiến góp ý"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmForm(forms.Form):
    pass


class DetachForm(forms.Form):
    file_id = forms.IntegerField(widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Ý kiến"),
        choices=[("approve", _("Đồng ý, chuyển tiếp")), ("return", _("Trả lại để chỉnh sửa"))],
        widget=forms.RadioSelect,
        initial="approve",
    )
    comment = forms.CharField(
        label=_("Nội dung ý kiến"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SubmitForm(forms.Form):
    """Reviewers in order (e.g. the department head, then the office chief); none: straight to the signer."""

    def __init__(self, *args: Any, outgoing: OutgoingDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = sel.reviewer_choices(outgoing.agency, exclude=outgoing.drafter).exclude(pk=outgoing.signer_id)
        for position in range(1, MAX_REVIEWERS + 1):
            self.fields[f"reviewer_{position}"] = PersonChoiceField(
                label=_("Người cho ý kiến thứ %(n)d") % {"n": position},
                queryset=people,
                required=False,
                empty_label=_("— Không có —"),
            )

    def reviewers(self) -> list[Any]:
        return [
            self.cleaned_data[f"reviewer_{p}"]
            for p in range(1, MAX_REVIEWERS + 1)
            if self.cleaned_data.get(f"reviewer_{p}") is not None
        ]


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "upload_draft": FileForm,
    "attach": FileForm,
    "detach": DetachForm,
    "comment": CommentForm,
    "submit": SubmitForm,
    "review": ReviewForm,
    "return": ReasonForm,
    "sign": ConfirmForm,
    "issue": ConfirmForm,
    "cancel": ReasonForm,
    "recall": ReasonForm,
}


def action_form(action: str, outgoing: OutgoingDocument, *, data: Any = None, files: Any = None) -> forms.Form:
    form_class = ACTION_FORMS[action]
    prefix = action
    if form_class is SubmitForm:
        return SubmitForm(data, files, outgoing=outgoing, prefix=prefix)
    return form_class(data, files, prefix=prefix)
