"""The administrator's pages for official documents: an agency's symbol abbreviation, departments and members;
the agencies reached over the exchange axis and the root CAs trusted for their signatures."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from cqs.accounts.models import Role, User
from cqs.accounts.permissions import official_required
from cqs.core.errors import ApplicationError, ValidationFailed
from cqs.documents import numbering
from cqs.documents.exchange.receive import partner_ca_trust
from cqs.documents.models import Department, ExchangePartner
from cqs.documents.setup import services as services_setup
from cqs.documents.setup.selectors import departments_of, issuing_profile_of
from cqs.signing.images import appearance_image_generate_seal
from cqs.signing.models import Certificate
from cqs.signing.selectors import certificate_of_agency
from cqs.signing.services import certificate_appearance_set
from cqs.units.models import Agency
from cqs.units.selectors import agency_list

PEM_MAX_BYTES = 64 * 1024


class ProfileForm(forms.Form):
    abbreviation = forms.CharField(label=gettext_lazy("Chữ viết tắt tên cơ quan trong ký hiệu văn bản"), max_length=20)
    place_name = forms.CharField(label=gettext_lazy("Địa danh ghi trên văn bản"), max_length=100)


class DepartmentForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Tên đơn vị"), max_length=200)
    abbreviation = forms.CharField(label=gettext_lazy("Chữ viết tắt"), max_length=20)


class MemberForm(forms.Form):
    department = forms.ModelChoiceField(
        label=gettext_lazy("Đơn vị"), queryset=Department.objects.none(), empty_label=gettext_lazy("— Chọn đơn vị —")
    )
    username = forms.CharField(label=gettext_lazy("Tên đăng nhập của cán bộ"), max_length=150)
    position = forms.CharField(label=gettext_lazy("Chức vụ"), max_length=100, required=False)
    is_head = forms.BooleanField(label=gettext_lazy("Là lãnh đạo đơn vị"), required=False)

    def __init__(self, *args: object, agency: Agency, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["department"].queryset = Department.objects.filter(agency=agency, is_active=True)  # type: ignore[attr-defined]

    def clean_username(self) -> User:
        user = User.objects.filter(username=self.cleaned_data["username"].strip(), kind=User.Kind.OFFICIAL).first()
        if user is None:
            raise forms.ValidationError(_("Không có cán bộ nào dùng tên đăng nhập này."))
        return user


def _page_url(agency: Agency) -> str:
    return f"{reverse('administration:documents_setup')}?{urlencode({'co_quan': agency.electronic_code})}"


@never_cache
@official_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def documents_setup(request: HttpRequest) -> HttpResponse:
    """Choose an agency; set how its documents are numbered and which departments draft and handle them."""
    query = request.GET.get("q", "").strip()
    agency = _agency_of(request)
    if agency is None:
        found = list(agency_list(query=query)[:30]) if query else []
        return render(request, "administration/documents_setup.html", {"query": query, "found": found})
    profile = issuing_profile_of(agency)
    profile_form = ProfileForm(
        initial={"abbreviation": numbering.agency_abbreviation(agency), "place_name": numbering.place_name(agency)}
    )
    department_form = DepartmentForm()
    member_form = MemberForm(agency=agency)
    seal_form = SealForm()
    seal_certificate = certificate_of_agency(agency)
    status = 200
    if request.method == "POST":
        which = request.POST.get("form", "")
        bound: forms.Form
        if which == "profile":
            bound = profile_form = ProfileForm(request.POST)
        elif which == "department":
            bound = department_form = DepartmentForm(request.POST)
        elif which == "seal":
            bound = seal_form = SealForm(request.POST, request.FILES)
        else:
            bound = member_form = MemberForm(request.POST, agency=agency)
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                if which == "profile":
                    services_setup.issuing_profile_set(agency=agency, actor=request.user, **data)  # type: ignore[arg-type]
                    messages.success(request, _("Đã lưu thông tin ban hành văn bản."))
                elif which == "department":
                    services_setup.department_create(agency=agency, actor=request.user, **data)  # type: ignore[arg-type]
                    messages.success(request, _("Đã thêm đơn vị %(name)s.") % {"name": data["name"]})
                elif which == "seal":
                    if seal_certificate is None:
                        raise ValidationFailed(_("Cơ quan chưa có chứng thư số của cơ quan còn hiệu lực."))
                    certificate_appearance_set(certificate=seal_certificate, image=data["image"], actor=request.user)
                    messages.success(request, _("Đã lưu ảnh con dấu của cơ quan."))
                else:
                    services_setup.department_member_set(
                        department=data["department"],
                        user=data["username"],
                        is_head=data["is_head"],
                        position=data["position"],
                        actor=request.user,  # type: ignore[arg-type]
                    )
                    messages.success(request, _("Đã xếp %(name)s vào đơn vị.") % {"name": data["username"].full_name})
            except ApplicationError as error:
                bound.add_error(None, error.message)
            else:
                return redirect(_page_url(agency))
        status = 400
    context = {
        "agency": agency,
        "profile": profile,
        "departments": departments_of(agency),
        "profile_form": profile_form,
        "department_form": department_form,
        "member_form": member_form,
        "seal_form": seal_form,
        "seal_certificate": seal_certificate,
    }
    return render(request, "administration/documents_setup.html", context, status=status)


class SealForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("Ảnh con dấu (PNG nền trong suốt, tối đa 512 KB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,.png"}),
    )


def _agency_of(request: HttpRequest) -> Agency | None:
    code = request.GET.get("co_quan", "").strip()
    return Agency.objects.select_related("unit").filter(electronic_code=code, is_active=True).first()


@official_required(Role.ADMINISTRATOR)
@require_safe
def documents_seal_image(request: HttpRequest) -> HttpResponse:
    """The seal the agency's digital signatures show: the uploaded image, else the drawn one."""
    agency = _agency_of(request)
    if agency is None:
        raise Http404
    certificate = certificate_of_agency(agency)
    stored = bytes(certificate.appearance_image) if certificate is not None else b""
    response = HttpResponse(stored or appearance_image_generate_seal(agency.name), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class PartnerForm(forms.Form):
    organ_id = forms.CharField(
        label=gettext_lazy("Mã định danh"), max_length=40, help_text=gettext_lazy("Ví dụ: 000.00.00.H42.")
    )
    name = forms.CharField(label=gettext_lazy("Tên cơ quan"), max_length=300)
    endpoint = forms.CharField(
        label=gettext_lazy("Địa chỉ nhận gói tin edXML"),
        max_length=200,
        help_text=gettext_lazy("Ví dụ: https://vanban.hatinh.gov.vn/lien-thong/edxml/"),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Đang liên thông"), required=False, initial=True)


class TrustForm(forms.Form):
    pem = forms.FileField(label=gettext_lazy("Chứng thư CA gốc của cơ quan liên thông (tệp PEM)"))

    def clean_pem(self) -> bytes:
        """The file's bytes; what they are is checked by ``partner_ca_trust`` (a PEM root CA certificate)."""
        upload = self.cleaned_data["pem"]
        if upload.size > PEM_MAX_BYTES:
            raise forms.ValidationError(_("Tệp chứng thư quá lớn (tối đa 64 KB)."))
        return bytes(upload.read())


def _trusted_roots() -> list[Certificate]:
    """Root CAs kept without a key: those of partners (the platform's own root keeps its key)."""
    return list(
        Certificate.objects.filter(kind=Certificate.Kind.CA, issuer__isnull=True, private_key_pem="").order_by(
            "common_name"
        )
    )


@never_cache
@official_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def exchange_partners(request: HttpRequest) -> HttpResponse:
    """The agencies documents go to and come from over the exchange axis, and whose signatures are trusted."""
    partner_form = PartnerForm()
    trust_form = TrustForm()
    status = 200
    if request.method == "POST":
        which = request.POST.get("form", "")
        bound: forms.Form
        if which == "trust":
            bound = trust_form = TrustForm(request.POST, request.FILES)
        else:
            bound = partner_form = PartnerForm(request.POST)
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                if which == "trust":
                    root = partner_ca_trust(pem=data["pem"], actor=request.user)
                    messages.success(request, _("Đã tin cậy CA gốc «%(name)s».") % {"name": root.common_name})
                else:
                    partner = services_setup.exchange_partner_set(actor=request.user, **data)  # type: ignore[arg-type]
                    messages.success(request, _("Đã lưu cơ quan liên thông %(name)s.") % {"name": partner.name})
            except ApplicationError as error:
                bound.add_error(None, error.message)
            else:
                return redirect("administration:exchange_partners")
        status = 400
    context = {
        "partners": list(ExchangePartner.objects.order_by("name")),
        "roots": _trusted_roots(),
        "partner_form": partner_form,
        "trust_form": trust_form,
    }
    return render(request, "administration/exchange_partners.html", context, status=status)
