"""Setting up documents: an agency's issuing profile, its departments and who belongs to them; exchange partners.

Only an administrator (or the system, ``actor=None``) may change them; every change is audited.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cqs.accounts.models import User
from cqs.accounts.permissions import is_administrator
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.text import nfc
from cqs.documents.models import Department, DepartmentMember, ExchangePartner, IssuingProfile
from cqs.units.models import Agency

_ABBREVIATION = re.compile(r"[A-ZĐ][A-Za-zĐđ0-9&]{0,19}")
_ORGAN_ID = re.compile(r"[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}")  # 000.00.00.H42
_PARTNER_FIELDS = ["organ_id", "name", "endpoint", "is_active"]


def _require_administrator(actor: User | None) -> None:
    if not is_administrator(actor):
        raise NotFoundOrForbidden(_("Bạn không có quyền thực hiện thao tác này."))


def _abbreviation(value: str) -> str:
    cleaned = nfc(value or "")
    if not _ABBREVIATION.fullmatch(cleaned):
        raise ValidationFailed(
            _("Chữ viết tắt gồm 1–20 chữ cái hoặc chữ số, bắt đầu bằng chữ in hoa, không có dấu cách (ví dụ UBND, VP).")
        )
    return cleaned


@transaction.atomic
def issuing_profile_set(*, agency: Agency, abbreviation: str, place_name: str, actor: User | None) -> IssuingProfile:
    """The abbreviation in the agency's symbols (``UBND``, ``STP``) and the place name on its documents."""
    _require_administrator(actor)
    place = nfc(place_name or "")
    if not place:
        raise ValidationFailed(_("Vui lòng nhập địa danh ghi trên văn bản."))
    profile = IssuingProfile.objects.select_for_update().filter(agency=agency).first()
    before = snapshot(profile, ["abbreviation", "place_name"]) if profile else None
    profile = profile or IssuingProfile(agency=agency)
    profile.abbreviation = _abbreviation(abbreviation)
    profile.place_name = place[:100]
    profile.save()
    audit_record(
        actor=actor,
        action="documents.issuing_profile_set",
        obj=profile,
        before=before,
        after=snapshot(profile, ["abbreviation", "place_name"]),
    )
    return profile


@transaction.atomic
def department_create(*, agency: Agency, name: str, abbreviation: str, actor: User | None) -> Department:
    _require_administrator(actor)
    clean_name = nfc(name or "")
    if not clean_name:
        raise ValidationFailed(_("Vui lòng nhập tên đơn vị."))
    department = Department(agency=agency, name=clean_name[:200], abbreviation=_abbreviation(abbreviation))
    try:
        with transaction.atomic():
            department.save()
    except IntegrityError as exc:
        raise ValidationFailed(_("Cơ quan đã có đơn vị dùng chữ viết tắt này.")) from exc
    audit_record(
        actor=actor,
        action="documents.department_create",
        obj=department,
        after=snapshot(department, ["agency", "name", "abbreviation"]),
    )
    return department


@transaction.atomic
def department_member_set(
    *, department: Department, user: User, is_head: bool, position: str = "", actor: User | None
) -> DepartmentMember:
    """Put an official of the department's agency in it (or change their place in it)."""
    _require_administrator(actor)
    if not user.is_official or user.agency_id != department.agency_id:
        raise ValidationFailed(_("Chỉ xếp cán bộ của chính cơ quan này vào đơn vị."))
    member = DepartmentMember.objects.select_for_update().filter(department=department, user=user).first()
    before = snapshot(member, ["is_head", "position"]) if member else None
    member = member or DepartmentMember(department=department, user=user)
    member.is_head = is_head
    member.position = nfc(position or "")[:100]
    member.save()
    audit_record(
        actor=actor,
        action="documents.department_member_set",
        obj=member,
        before=before,
        after=snapshot(member, ["department", "user", "is_head", "position"]),
    )
    return member


@transaction.atomic
def exchange_partner_set(
    *, organ_id: str, name: str, endpoint: str, is_active: bool, actor: User | None
) -> ExchangePartner:
    """Add an agency reached over the exchange axis, or change its name, endpoint or whether it is in use."""
    _require_administrator(actor)
    code = nfc(organ_id or "").upper()
    if not _ORGAN_ID.fullmatch(code):
        raise ValidationFailed(_("Mã định danh gồm bốn nhóm như 000.00.00.H42 (mã định danh điện tử của cơ quan)."))
    clean_name = nfc(name or "")
    if not clean_name:
        raise ValidationFailed(_("Vui lòng nhập tên cơ quan."))
    url = (endpoint or "").strip()
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url) or len(url) > 200:
        raise ValidationFailed(_("Địa chỉ nhận gói tin phải là địa chỉ http:// hoặc https:// đầy đủ."))
    partner = ExchangePartner.objects.select_for_update().filter(organ_id=code).first()
    before = snapshot(partner, _PARTNER_FIELDS) if partner else None
    partner = partner or ExchangePartner(organ_id=code)
    partner.name = clean_name[:300]
    partner.endpoint = url
    partner.is_active = is_active
    partner.save()
    audit_record(
        actor=actor,
        action="documents.exchange_partner_set",
        obj=partner,
        before=before,
        after=snapshot(partner, _PARTNER_FIELDS),
    )
    return partner
