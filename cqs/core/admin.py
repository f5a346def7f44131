"""Django admin for the core app: the working calendar, whose changes go through the audited services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cqs.core.models import CalendarDay
from cqs.core.services import calendar_day_remove, calendar_day_set


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date_display", "weekday", "kind", "name")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("-date",)
    actions = None

    @admin.display(description=_("ngày"), ordering="date")
    def date_display(self, obj: CalendarDay) -> str:
        return obj.date.strftime("%d/%m/%Y")

    @admin.display(description=_("thứ"))
    def weekday(self, obj: CalendarDay) -> str:
        names = [_("Thứ Hai"), _("Thứ Ba"), _("Thứ Tư"), _("Thứ Năm"), _("Thứ Sáu"), _("Thứ Bảy"), _("Chủ Nhật")]
        return str(names[obj.date.weekday()])

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        if change and "date" in form.changed_data:
            calendar_day_remove(day=form.initial["date"], actor=request.user)
        saved = calendar_day_set(day=obj.date, kind=obj.kind, name=obj.name, actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        calendar_day_remove(day=obj.date, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
