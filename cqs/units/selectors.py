"""Reads on administrative units and agencies; merges are followed here, so callers never see a stale unit."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from cqs.core.errors import NotFoundOrForbidden
from cqs.core.text import search_terms
from cqs.units.codes import province_code
from cqs.units.models import AdministrativeUnit, Agency, AgencyCodeAlias, UnitCodeAlias

_MAX_MERGE_HOPS = 100


def unit_current(*, unit: AdministrativeUnit) -> AdministrativeUnit:
    """The unit that ``unit`` lives on in today: itself, or the unit it was (transitively) merged into."""
    seen: set[int] = set()
    while unit.merged_into_id is not None and unit.pk not in seen and len(seen) < _MAX_MERGE_HOPS:
        seen.add(unit.pk)
        unit = AdministrativeUnit.objects.select_related("parent").get(pk=unit.merged_into_id)
    return unit


def unit_resolve(*, code: str) -> AdministrativeUnit:
    """The current unit for a code: its own code or an earlier one, following merges."""
    code = (code or "").strip()
    unit = AdministrativeUnit.objects.select_related("parent").filter(code=code).first()
    if unit is None:
        alias = UnitCodeAlias.objects.select_related("unit", "unit__parent").filter(code=code).first()
        unit = alias.unit if alias is not None else None
    if unit is None:
        raise NotFoundOrForbidden(
            _("Không tìm thấy đơn vị hành chính có mã %(code)s.") % {"code": code}, code="unit_not_found"
        )
    return unit_current(unit=unit)


def _merged_into_ids(root_ids: set[int]) -> set[int]:
    """``root_ids`` and the ids of every unit merged, directly or not, into one of them."""
    found = set(root_ids)
    frontier = set(root_ids)
    while frontier:
        frontier = set(
            AdministrativeUnit.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found |= frontier
    return found


def province_get(*, code: str | int) -> AdministrativeUnit:
    """A province by its code ("40", "4" or 40 alike), following merges."""
    raw = str(code).strip()
    normalised = province_code(raw) if raw.isdigit() else raw
    try:
        unit = unit_resolve(code=normalised)
    except NotFoundOrForbidden:
        unit = None
    if unit is None or unit.level != AdministrativeUnit.Level.PROVINCE:
        raise NotFoundOrForbidden(
            _("Không tìm thấy tỉnh, thành phố có mã %(code)s.") % {"code": raw}, code="province_not_found"
        )
    return unit


def province_list() -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.PROVINCE, is_active=True).order_by("code")


def communes_of(*, province: AdministrativeUnit, query: str = "") -> QuerySet[AdministrativeUnit]:
    """The active communes of a province (those of provinces merged into it included).

    ``query`` matches without diacritics ("dong hoi" finds "Đồng Hới"), every word must appear.
    """
    provinces = _merged_into_ids({province.pk})
    qs = AdministrativeUnit.objects.filter(
        level=AdministrativeUnit.Level.COMMUNE, is_active=True, parent_id__in=provinces
    ).select_related("parent")
    for word in search_terms(query):
        qs = qs.filter(search_name__contains=word)
    return qs.order_by("search_name", "code")


def agency_current(*, agency: Agency) -> Agency:
    """The agency that ``agency`` lives on in today (following merges)."""
    seen: set[int] = set()
    while agency.merged_into_id is not None and agency.pk not in seen and len(seen) < _MAX_MERGE_HOPS:
        seen.add(agency.pk)
        agency = Agency.objects.select_related("unit", "parent").get(pk=agency.merged_into_id)
    return agency


def agency_resolve(*, code: str) -> Agency:
    """The current agency for an electronic ID code, its own or an earlier one, following merges."""
    code = (code or "").strip()
    agency = Agency.objects.select_related("unit", "parent").filter(electronic_code=code).first()
    if agency is None:
        alias = AgencyCodeAlias.objects.select_related("agency", "agency__unit").filter(code=code).first()
        agency = alias.agency if alias is not None else None
    if agency is None:
        raise NotFoundOrForbidden(
            _("Không tìm thấy cơ quan có mã định danh điện tử %(code)s.") % {"code": code}, code="agency_not_found"
        )
    return agency_current(agency=agency)


def agency_get(*, pk: int) -> Agency:
    agency = Agency.objects.select_related("unit", "parent").filter(pk=pk).first()
    if agency is None:
        raise NotFoundOrForbidden(_("Không tìm thấy cơ quan."), code="agency_not_found")
    return agency


def agencies_of(
    *, unit: AdministrativeUnit | None = None, kind: str | None = None, active_only: bool = True
) -> QuerySet[Agency]:
    """Agencies of a unit, those of units merged into it included (they stay attached to the old unit)."""
    qs = Agency.objects.select_related("unit", "parent")
    if unit is not None:
        qs = qs.filter(unit_id__in=_merged_into_ids({unit.pk}))
    if kind is not None:
        qs = qs.filter(kind=kind)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("electronic_code")


def agency_list(*, query: str = "", active_only: bool = True) -> QuerySet[Agency]:
    """All agencies, searchable without diacritics by name or code."""
    qs = Agency.objects.select_related("unit", "parent")
    if active_only:
        qs = qs.filter(is_active=True)
    for word in search_terms(query):
        qs = qs.filter(Q(search_name__contains=word) | Q(electronic_code__icontains=word))
    return qs.order_by("electronic_code")
