"""The administrator's pages: the working calendar (documents setup in views_documents)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cqs.accounts.models import Role
from cqs.accounts.permissions import official_required
from cqs.catalog.permissions import can_manage_catalog
from cqs.core.calendar import public_holiday_names
from cqs.core.errors import ApplicationError
from cqs.core.forms import DATE_ERROR, CalendarDayForm, parse_dmy
from cqs.core.selectors import calendar_days_of_year
from cqs.core.services import calendar_day_remove, calendar_day_set
from cqs.signing.selectors import certificate_of_user


@official_required()
@require_http_methods(["GET", "HEAD"])
def index(request: HttpRequest) -> HttpResponse:
    """The official's entry to the back office: only the sections their roles open."""
    user = request.user
    sections = []
    if can_manage_catalog(user):
        sections.append(
            (
                reverse("catalog:manage"),
                _("Thủ tục hành chính"),
                _("Soạn, kiểm tra, công bố phiên bản thủ tục; nhập và xuất danh mục."),
            )
        )
    if certificate_of_user(user) is not None:
        sections.append(
            (
                reverse("signing:my_signature"),
                _("Chữ ký số của tôi"),
                _("Chứng thư số cá nhân và ảnh chữ ký hiện trên văn bản bạn ký số."),
            )
        )
    if user.has_role(Role.ONE_STOP_OFFICER):  # type: ignore[union-attr]
        sections.append(
            (
                reverse("accounts:identity_counter"),
                _("Xác minh danh tính tài khoản"),
                _("Đối chiếu giấy tờ gốc của công dân, tổ chức tại quầy và xác minh (hoặc trả lại) tài khoản."),
            )
        )
    if user.has_role(Role.ADMINISTRATOR):  # type: ignore[union-attr]
        sections.append(
            (
                reverse("administration:official_accounts"),
                _("Tài khoản cán bộ"),
                _("Cấp mã kích hoạt xác thực hai lớp và mã đặt lại mật khẩu cho cán bộ của cơ quan."),
            )
        )
        sections.append(
            (
                reverse("administration:calendar"),
                _("Lịch làm việc"),
                _("Ngày nghỉ lễ, ngày làm bù và nghỉ bù dùng để tính thời hạn."),
            )
        )
        sections.append(
            (
                reverse("administration:documents_setup"),
                _("Văn bản: cơ quan và đơn vị"),
                _("Chữ viết tắt trong ký hiệu văn bản, các đơn vị trong cơ quan và cán bộ của từng đơn vị."),
            )
        )
        sections.append(
            (
                reverse("administration:exchange_partners"),
                _("Liên thông văn bản"),
                _("Cơ quan gửi, nhận văn bản qua trục liên thông (edXML) và CA gốc tin cậy cho chữ ký số của họ."),
            )
        )
        sections.append(
            (reverse("admin:index"), _("Quản trị dữ liệu (Django)"), _("Xem đơn vị hành chính, cơ quan, tài khoản."))
        )
    return render(request, "administration/index.html", {"sections": sections})


def _year_of(request: HttpRequest) -> int:
    raw = request.GET.get("nam", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return timezone.localdate().year


@never_cache
@official_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The working calendar of a year: statutory holidays and the administrator's overrides."""
    year = _year_of(request)
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        day: dt.date = form.cleaned_data["date"]
        try:
            calendar_day_set(
                day=day, kind=form.cleaned_data["kind"], name=form.cleaned_data["name"], actor=request.user
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Đã lưu ngày %(day)s vào lịch làm việc.") % {"day": day.strftime("%d/%m/%Y")})
            return redirect(f"{reverse('administration:calendar')}?nam={day.year}")
    context = {
        "year": year,
        "previous_year": year - 1,
        "next_year": year + 1,
        "holidays": public_holiday_names(year),
        "overrides": list(calendar_days_of_year(year=year)),
        "form": form,
    }
    return render(request, "administration/calendar.html", context, status=400 if form.errors else 200)


@official_required(Role.ADMINISTRATOR)
@require_POST
def calendar_day_delete(request: HttpRequest, day: str) -> HttpResponse:
    """Remove an override (``day`` in the URL is dd-mm-yyyy)."""
    parsed = parse_dmy(day.replace("-", "/"))
    if parsed is None:
        messages.error(request, str(DATE_ERROR))
        return redirect("administration:calendar")
    try:
        calendar_day_remove(day=parsed, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã xoá ngày %(day)s khỏi lịch điều chỉnh.") % {"day": parsed.strftime("%d/%m/%Y")})
    return redirect(f"{reverse('administration:calendar')}?nam={parsed.year}")
