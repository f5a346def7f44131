"""Django admin for units and agencies: read-only, since every change goes through the audited services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cqs.units.models import AdministrativeUnit, Agency, AgencyCodeAlias, UnitCodeAlias


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "division_type", "parent", "is_active", "merged_into")
    list_filter = ("level", "is_active", "division_type")
    search_fields = ("code", "name", "search_name")
    list_select_related = ("parent", "merged_into")
    show_full_result_count = False


@admin.register(UnitCodeAlias)
class UnitCodeAliasAdmin(ReadOnlyAdmin):
    list_display = ("code", "unit", "reason", "created_at")
    search_fields = ("code", "unit__name")
    list_select_related = ("unit",)


@admin.register(Agency)
class AgencyAdmin(ReadOnlyAdmin):
    list_display = ("electronic_code", "name", "kind", "unit", "is_active", "merged_into")
    list_filter = ("kind", "is_active")
    search_fields = ("electronic_code", "name", "search_name")
    list_select_related = ("unit", "merged_into")


@admin.register(AgencyCodeAlias)
class AgencyCodeAliasAdmin(ReadOnlyAdmin):
    list_display = ("code", "agency", "reason", "created_at")
    search_fields = ("code", "agency__name")
    list_select_related = ("agency",)
