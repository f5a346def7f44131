"""Writes on administrative units and agencies: loading, creating, updating, merging.

Merges never delete: the merged unit (or agency) stays, inactive, pointing at the
unit it was merged into, and its old code keeps resolving through an alias (see
``selectors.unit_resolve`` / ``selectors.agency_resolve``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from cqs.core.actors import Actor
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import ValidationFailed
from cqs.core.text import fold, nfc
from cqs.units.codes import ELECTRONIC_CODE, commune_code, province_code
from cqs.units.models import AdministrativeUnit, Agency, AgencyCodeAlias, UnitCodeAlias


class _Unset:
    """Marks an argument that was not given (so that ``None`` can mean "clear")."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


# --------------------------------------------------------------------------- loading


def _division_type(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


@transaction.atomic
def units_load_from_package(*, province_codes: list[int] | None = None) -> tuple[int, int]:
    """Create the provinces and communes of ``vietnam_provinces`` that are not here yet.

    Codes already present, as a unit or as an alias, are skipped: a unit that an
    administrator renamed or merged is never overwritten. Returns
    ``(provinces_created, communes_created)``; one audit event covers the load.
    """
    from vietnam_provinces import Province, Ward

    wanted = {int(c) for c in province_codes} if province_codes is not None else None
    taken = set(AdministrativeUnit.objects.values_list("code", flat=True))
    taken |= set(UnitCodeAlias.objects.values_list("code", flat=True))

    new_provinces = []
    for province in Province.iter_all():
        code = province_code(province.code)
        if (wanted is not None and int(province.code) not in wanted) or code in taken:
            continue
        name = nfc(province.name)
        new_provinces.append(
            AdministrativeUnit(
                code=code,
                name=name,
                level=AdministrativeUnit.Level.PROVINCE,
                division_type=_division_type(province.division_type),
                codename=province.codename or "",
                search_name=fold(name),
            )
        )
    AdministrativeUnit.objects.bulk_create(new_provinces, batch_size=1000)

    parents: dict[str, int] = dict(
        AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.PROVINCE).values_list("code", "id")
    )
    for alias_code, unit_id in UnitCodeAlias.objects.filter(unit__level=AdministrativeUnit.Level.PROVINCE).values_list(
        "code", "unit_id"
    ):
        parents.setdefault(alias_code, unit_id)

    new_communes = []
    for ward in Ward.iter_all():
        code = commune_code(ward.code)
        if (wanted is not None and int(ward.province_code) not in wanted) or code in taken:
            continue
        parent_id = parents.get(province_code(ward.province_code))
        if parent_id is None:  # its province is neither here nor being loaded
            continue
        name = nfc(ward.name)
        new_communes.append(
            AdministrativeUnit(
                code=code,
                name=name,
                level=AdministrativeUnit.Level.COMMUNE,
                division_type=_division_type(ward.division_type),
                codename=ward.codename or "",
                search_name=fold(name),
                parent_id=parent_id,
            )
        )
    AdministrativeUnit.objects.bulk_create(new_communes, batch_size=1000)

    result = (len(new_provinces), len(new_communes))
    if any(result):
        audit_record(
            actor=None,
            action="unit.load",
            object_type=AdministrativeUnit._meta.label_lower,
            object_id="",
            after={
                "source": "vietnam_provinces",
                "province_codes": sorted(wanted) if wanted is not None else None,
                "provinces_created": result[0],
                "communes_created": result[1],
            },
        )
    return result


# --------------------------------------------------------------------------- units


def _unit_label(unit: AdministrativeUnit) -> str:
    return f"{unit.name} ({unit.code})"


@transaction.atomic
def unit_rename(*, unit: AdministrativeUnit, name: str, actor: Actor) -> AdministrativeUnit:
    """Give a unit a new name (the loader never overwrites it afterwards)."""
    unit = AdministrativeUnit.objects.select_for_update().get(pk=unit.pk)
    name = nfc(name)
    if not name:
        raise ValidationFailed(_("Tên đơn vị hành chính không được để trống."))
    before = snapshot(unit)
    unit.name = name
    unit.search_name = fold(name)
    unit.save(update_fields=["name", "search_name", "updated_at"])
    audit_record(actor=actor, action="unit.rename", obj=unit, before=before, after=snapshot(unit))
    return unit


@transaction.atomic
def unit_merge(
    *, source: AdministrativeUnit, target: AdministrativeUnit, decision: str, merged_at: dt.date, actor: Actor
) -> AdministrativeUnit:
    """Merge ``source`` into ``target`` under a decision; returns the source, now inactive.

    The source keeps its row, its children and its agencies (history); its code
    resolves to the target from now on.
    """
    locked = {u.pk: u for u in AdministrativeUnit.objects.select_for_update().filter(pk__in=[source.pk, target.pk])}
    if source.pk not in locked or target.pk not in locked:
        raise ValidationFailed(_("Không tìm thấy đơn vị hành chính cần sáp nhập."))
    source, target = locked[source.pk], locked[target.pk]
    decision = nfc(decision)

    if source.pk == target.pk:
        raise ValidationFailed(
            _("Không thể sáp nhập đơn vị %(unit)s vào chính nó.") % {"unit": _unit_label(source)},
            code="unit_merge_self",
        )
    if source.merged_into_id is not None:
        merged_into = AdministrativeUnit.objects.get(pk=source.merged_into_id)
        raise ValidationFailed(
            _("Đơn vị %(unit)s đã được sáp nhập vào %(target)s trước đó.")
            % {"unit": _unit_label(source), "target": _unit_label(merged_into)},
            code="unit_merge_already_merged",
        )
    if not source.is_active:
        raise ValidationFailed(
            _("Đơn vị %(unit)s không còn hoạt động nên không thể sáp nhập.") % {"unit": _unit_label(source)},
            code="unit_merge_source_inactive",
        )
    # A cycle: the target was itself merged (directly or through others) into the source.
    seen: set[int] = set()
    step: AdministrativeUnit | None = target
    while step is not None and step.merged_into_id is not None and step.pk not in seen:
        seen.add(step.pk)
        if step.merged_into_id == source.pk:
            raise ValidationFailed(
                _("Không thể sáp nhập %(unit)s vào %(target)s: %(target)s đã được sáp nhập vào %(unit)s (vòng lặp).")
                % {"unit": _unit_label(source), "target": _unit_label(target)},
                code="unit_merge_cycle",
            )
        step = AdministrativeUnit.objects.filter(pk=step.merged_into_id).first()
    if not target.is_active:
        raise ValidationFailed(
            _("Không thể sáp nhập vào %(target)s vì đơn vị này không còn hoạt động.") % {"target": _unit_label(target)},
            code="unit_merge_target_inactive",
        )
    if source.level != target.level:
        raise ValidationFailed(
            _("Không thể sáp nhập %(unit)s (%(level)s) vào %(target)s (%(target_level)s): hai đơn vị phải cùng cấp.")
            % {
                "unit": _unit_label(source),
                "level": source.get_level_display(),
                "target": _unit_label(target),
                "target_level": target.get_level_display(),
            },
            code="unit_merge_level",
        )
    if not decision:
        raise ValidationFailed(_("Cần ghi số, ký hiệu của quyết định sáp nhập."), code="unit_merge_decision")
    if UnitCodeAlias.objects.filter(code=source.code).exclude(unit=target).exists():
        raise ValidationFailed(
            _("Mã %(code)s đã được dùng làm mã cũ của một đơn vị khác.") % {"code": source.code},
            code="unit_merge_alias_taken",
        )

    before = snapshot(source)
    source.is_active = False
    source.merged_into = target
    source.merged_at = merged_at
    source.merge_decision = decision
    source.save(update_fields=["is_active", "merged_into", "merged_at", "merge_decision", "updated_at"])
    UnitCodeAlias.objects.get_or_create(
        code=source.code,
        defaults={"unit": target, "reason": _("Sáp nhập theo %(decision)s") % {"decision": decision}},
    )
    # Earlier codes of the source now resolve straight to the target as well.
    UnitCodeAlias.objects.filter(unit=source).update(unit=target)
    audit_record(
        actor=actor,
        action="unit.merge",
        obj=source,
        before=before,
        after={**snapshot(source), "target_code": target.code},
    )
    return source


# --------------------------------------------------------------------------- agencies


def _electronic_code_checked(code: str, *, agency: Agency | None = None) -> str:
    code = (code or "").strip()
    if not ELECTRONIC_CODE.fullmatch(code) or len(code) > 40:
        raise ValidationFailed(
            _(
                "Mã định danh điện tử «%(code)s» không hợp lệ: chỉ gồm chữ in hoa, chữ số và dấu chấm, "
                "ví dụ 000.00.00.H40."
            )
            % {"code": code},
            code="agency_code_format",
        )
    others = Agency.objects.filter(electronic_code=code)
    aliases = AgencyCodeAlias.objects.filter(code=code)
    if agency is not None:
        others = others.exclude(pk=agency.pk)
        aliases = aliases.exclude(agency=agency)
    if others.exists() or aliases.exists():
        raise ValidationFailed(
            _("Mã định danh điện tử %(code)s đã được dùng cho một cơ quan khác.") % {"code": code},
            code="agency_code_taken",
        )
    return code


def _kind_checked(kind: str) -> str:
    if kind not in Agency.Kind.values:
        raise ValidationFailed(_("Loại cơ quan «%(kind)s» không hợp lệ.") % {"kind": kind}, code="agency_kind")
    return kind


def _unit_checked(unit: AdministrativeUnit) -> AdministrativeUnit:
    if not unit.is_active:
        raise ValidationFailed(
            _("Đơn vị hành chính %(unit)s không còn hoạt động; hãy chọn đơn vị đang hoạt động.")
            % {"unit": _unit_label(unit)},
            code="agency_unit_inactive",
        )
    return unit


def _parent_checked(parent: Agency | None, *, agency: Agency | None = None) -> Agency | None:
    if parent is None:
        return None
    if not parent.is_active:
        raise ValidationFailed(
            _("Cơ quan cấp trên %(agency)s không còn hoạt động.") % {"agency": parent.name}, code="agency_parent"
        )
    if agency is not None:
        step: Agency | None = parent
        seen: set[int] = set()
        while step is not None and step.pk not in seen:
            if step.pk == agency.pk:
                raise ValidationFailed(
                    _("Cơ quan cấp trên không thể là chính cơ quan này hoặc một cơ quan trực thuộc nó."),
                    code="agency_parent_cycle",
                )
            seen.add(step.pk)
            step = Agency.objects.filter(pk=step.parent_id).first() if step.parent_id else None
    return parent


def _email_checked(email: str) -> str:
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationFailed(
                _("Địa chỉ thư điện tử «%(email)s» không hợp lệ.") % {"email": email}, code="agency_email"
            ) from None
    return email


def _name_checked(name: str) -> str:
    name = nfc(name or "")
    if not name:
        raise ValidationFailed(_("Tên cơ quan không được để trống."), code="agency_name")
    return name


@transaction.atomic
def agency_create(
    *,
    electronic_code: str,
    name: str,
    kind: str,
    unit: AdministrativeUnit,
    actor: Actor,
    parent: Agency | None = None,
    short_name: str = "",
    address: str = "",
    phone: str = "",
    email: str = "",
) -> Agency:
    """Create an agency of an active unit, with a unique electronic ID code."""
    agency = Agency(
        electronic_code=_electronic_code_checked(electronic_code),
        name=_name_checked(name),
        kind=_kind_checked(kind),
        unit=_unit_checked(unit),
        parent=_parent_checked(parent),
        short_name=nfc(short_name or ""),
        address=nfc(address or ""),
        phone=nfc(phone or ""),
        email=_email_checked(email),
    )
    agency.search_name = fold(agency.name)
    agency.save()
    audit_record(actor=actor, action="agency.create", obj=agency, after=snapshot(agency))
    return agency


@transaction.atomic
def agency_update(
    *,
    agency: Agency,
    actor: Actor,
    electronic_code: str | None = None,
    name: str | None = None,
    kind: str | None = None,
    unit: AdministrativeUnit | None = None,
    parent: Agency | _Unset | None = UNSET,
    short_name: str | None = None,
    address: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> Agency:
    """Change the given fields of an active agency (``None`` leaves a field as it is; ``parent=None`` clears it).

    A new electronic code keeps the old one resolving through an alias.
    """
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if not agency.is_active:
        raise ValidationFailed(
            _("Cơ quan %(agency)s không còn hoạt động nên không thể sửa.") % {"agency": agency.name},
            code="agency_inactive",
        )
    before = snapshot(agency)
    old_code = agency.electronic_code
    if electronic_code is not None:
        agency.electronic_code = _electronic_code_checked(electronic_code, agency=agency)
    if name is not None:
        agency.name = _name_checked(name)
        agency.search_name = fold(agency.name)
    if kind is not None:
        agency.kind = _kind_checked(kind)
    if unit is not None and unit.pk != agency.unit_id:
        agency.unit = _unit_checked(unit)
    if not isinstance(parent, _Unset):
        agency.parent = _parent_checked(parent, agency=agency)
    if short_name is not None:
        agency.short_name = nfc(short_name)
    if address is not None:
        agency.address = nfc(address)
    if phone is not None:
        agency.phone = nfc(phone)
    if email is not None:
        agency.email = _email_checked(email)
    after = snapshot(agency)
    if after == before:
        return agency
    agency.save()
    if agency.electronic_code != old_code:
        AgencyCodeAlias.objects.filter(code=agency.electronic_code, agency=agency).delete()
        AgencyCodeAlias.objects.create(code=old_code, agency=agency, reason=_("Đổi mã định danh điện tử"))
    audit_record(actor=actor, action="agency.update", obj=agency, before=before, after=snapshot(agency))
    return agency


@transaction.atomic
def agency_merge(*, source: Agency, target: Agency, decision: str, actor: Actor) -> Agency:
    """Merge agency ``source`` into ``target``; returns the source, now inactive, whose code resolves to the target."""
    locked = {a.pk: a for a in Agency.objects.select_for_update().filter(pk__in=[source.pk, target.pk])}
    if source.pk not in locked or target.pk not in locked:
        raise ValidationFailed(_("Không tìm thấy cơ quan cần sáp nhập."))
    source, target = locked[source.pk], locked[target.pk]
    decision = nfc(decision or "")

    def label(agency: Agency) -> str:
        return f"{agency.name} ({agency.electronic_code})"

    if source.pk == target.pk:
        raise ValidationFailed(
            _("Không thể sáp nhập cơ quan %(agency)s vào chính nó.") % {"agency": label(source)},
            code="agency_merge_self",
        )
    if source.merged_into_id is not None:
        merged_into = Agency.objects.get(pk=source.merged_into_id)
        raise ValidationFailed(
            _("Cơ quan %(agency)s đã được sáp nhập vào %(target)s trước đó.")
            % {"agency": label(source), "target": label(merged_into)},
            code="agency_merge_already_merged",
        )
    if not source.is_active:
        raise ValidationFailed(
            _("Cơ quan %(agency)s không còn hoạt động nên không thể sáp nhập.") % {"agency": label(source)},
            code="agency_merge_source_inactive",
        )
    seen: set[int] = set()
    step: Agency | None = target
    while step is not None and step.merged_into_id is not None and step.pk not in seen:
        seen.add(step.pk)
        if step.merged_into_id == source.pk:
            raise ValidationFailed(
                _(
                    "Không thể sáp nhập %(agency)s vào %(target)s: %(target)s đã được sáp nhập vào %(agency)s "
                    "(vòng lặp)."
                )
                % {"agency": label(source), "target": label(target)},
                code="agency_merge_cycle",
            )
        step = Agency.objects.filter(pk=step.merged_into_id).first()
    if not target.is_active:
        raise ValidationFailed(
            _("Không thể sáp nhập vào %(target)s vì cơ quan này không còn hoạt động.") % {"target": label(target)},
            code="agency_merge_target_inactive",
        )
    if not decision:
        raise ValidationFailed(_("Cần ghi số, ký hiệu của quyết định sáp nhập."), code="agency_merge_decision")
    if AgencyCodeAlias.objects.filter(code=source.electronic_code).exclude(agency=target).exists():
        raise ValidationFailed(
            _("Mã %(code)s đã được dùng làm mã cũ của một cơ quan khác.") % {"code": source.electronic_code},
            code="agency_merge_alias_taken",
        )

    before = snapshot(source)
    source.is_active = False
    source.merged_into = target
    source.save(update_fields=["is_active", "merged_into", "updated_at"])
    AgencyCodeAlias.objects.get_or_create(
        code=source.electronic_code,
        defaults={"agency": target, "reason": _("Sáp nhập theo %(decision)s") % {"decision": decision}},
    )
    AgencyCodeAlias.objects.filter(agency=source).update(agency=target)
    audit_record(
        actor=actor,
        action="agency.merge",
        obj=source,
        before=before,
        after={**snapshot(source), "target_code": target.electronic_code, "decision": decision},
    )
    return source
