"""Where a citizen lives, and the offices of that commune proposed first when they file online."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from cqs.core.errors import NotFoundOrForbidden
from cqs.core.text import fold
from cqs.portal.models import CitizenCommune
from cqs.units.models import AdministrativeUnit, Agency
from cqs.units.selectors import communes_of, province_get

COMMUNE_AGENCY_KINDS = (Agency.Kind.COMMUNE_SERVICE_CENTRE, Agency.Kind.COMMUNE_COMMITTEE)


@dataclass(frozen=True)
class Home:
    unit: AdministrativeUnit
    chosen: bool  # True: the citizen picked it; False: read from the account's address


def province_communes() -> list[AdministrativeUnit]:
    """The active communes of the installation's province (every active commune when none is configured)."""
    try:
        province = province_get(code=settings.CQS_PROVINCE_CODE)
    except NotFoundOrForbidden:
        units = AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE, is_active=True)
        return list(units.order_by("search_name", "code"))
    return list(communes_of(province=province))


def _commune_in(address: str, communes: Sequence[AdministrativeUnit]) -> AdministrativeUnit | None:
    """The commune an address names ("Khối 3, phường Trường Vinh, tỉnh Nghệ An"): its full name, kind included.

    A name inside a longer one found too ("Xã Hưng Nguyên" in "Xã Hưng Nguyên Nam") gives way to it;
    two different communes named leave it undecided.
    """
    text = f" {fold(address)} "
    found = {fold(unit.name): unit for unit in communes if f" {fold(unit.name)} " in text}
    kept = [unit for name, unit in found.items() if not any(name != other and name in other for other in found)]
    return kept[0] if len(kept) == 1 else None


def citizen_home(*, user: Any) -> Home | None:
    """The citizen's commune: the one they chose, else the one their account's address names, else None."""
    chosen = CitizenCommune.objects.filter(user=user).select_related("unit").first()
    if chosen is not None and chosen.unit.is_active:
        return Home(chosen.unit, chosen=True)
    address = getattr(user, "address", "") or ""
    unit = _commune_in(address, province_communes()) if address.strip() else None
    return Home(unit, chosen=False) if unit is not None else None


def offices_near(
    *, unit: AdministrativeUnit | None, deciding: Sequence[Agency], receiving: Sequence[Agency]
) -> tuple[int | None, int | None]:
    """(deciding agency id, receiving place id) proposed to a citizen of ``unit``.

    Deciding: the commune's own agency when the procedure is done by it, else the only agency that
    does it (a department), else none chosen. Receiving: the commune's service centre, else its
    People's Committee; without a commune, the deciding agency when it also receives.
    """
    mine = [a for a in deciding if unit is not None and a.unit_id == unit.pk]
    decide = mine[0].pk if mine else (deciding[0].pk if len(deciding) == 1 else None)
    receiving_ids = {a.pk for a in receiving}
    at_home = sorted(
        (a for a in receiving if unit is not None and a.unit_id == unit.pk and a.kind in COMMUNE_AGENCY_KINDS),
        key=lambda a: COMMUNE_AGENCY_KINDS.index(a.kind),
    )
    receive = at_home[0].pk if at_home else (decide if decide in receiving_ids else None)
    return decide, receive
