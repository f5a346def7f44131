"""The administrator's pages: the working calendar, the failed background jobs (documents setup in views_documents)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cqs.accounts.models import Role
from cqs.accounts.permissions import official_required
from cqs.administration.navigation import admin_sections, landing_url
from cqs.core.calendar import public_holiday_names
from cqs.core.errors import ApplicationError
from cqs.core.forms import DATE_ERROR, CalendarDayForm, parse_dmy
from cqs.core.jobs import job_retry_failed, jobs_failed
from cqs.core.selectors import calendar_days_of_year
from cqs.core.services import calendar_day_remove, calendar_day_set


@official_required()
@require_http_methods(["GET", "HEAD"])
def index(request: HttpRequest) -> HttpResponse:
    """The official's entry to the back office: only the sections their roles open."""
    return render(request, "administration/index.html", {"sections": admin_sections(request.user)})


@login_required
@require_http_methods(["GET", "HEAD"])
def landing(request: HttpRequest) -> HttpResponse:
    """After logging in without a page to go back to: each role's own work (a citizen's dossiers)."""
    return redirect(landing_url(request.user))


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


@never_cache
@official_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "HEAD"])
def failed_jobs(request: HttpRequest) -> HttpResponse:
    """The background jobs that failed every attempt, with their last error (docs/worker.md)."""
    return render(request, "administration/failed_jobs.html", {"jobs": jobs_failed()})


@official_required(Role.ADMINISTRATOR)
@require_POST
def failed_job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        job_retry_failed(job_id=job_id, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã đưa tác vụ số %(id)s vào hàng đợi để chạy lại.") % {"id": job_id})
    return redirect("administration:failed_jobs")
