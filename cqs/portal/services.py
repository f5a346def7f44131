"""Writes of the citizen-facing site that belong to no other domain: the citizen's commune."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cqs.accounts.models import User
from cqs.core.audit import audit_record
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.portal.models import CitizenCommune
from cqs.units.models import AdministrativeUnit


@transaction.atomic
def citizen_commune_set(*, user: User, unit: AdministrativeUnit) -> CitizenCommune:
    """Remember the commune a citizen lives in (asked once; they may change it)."""
    if not user.is_authenticated or user.is_official:
        raise NotFoundOrForbidden(_("Không tìm thấy."))
    if unit.level != AdministrativeUnit.Level.COMMUNE or not unit.is_active:
        raise ValidationFailed(_("Chọn một xã, phường, đặc khu đang hoạt động."))
    existing = CitizenCommune.objects.select_for_update().filter(user=user).first()
    before = {"unit": existing.unit_id} if existing is not None else None
    row, _created = CitizenCommune.objects.update_or_create(user=user, defaults={"unit": unit})
    audit_record(actor=user, action="citizen_commune.set", obj=row, before=before, after={"unit": unit.pk})
    return row
