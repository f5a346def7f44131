"""Test data for the catalog, built directly with models and the catalog's own services."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from cqs.accounts.models import RoleAssignment, User
from cqs.catalog import services
from cqs.catalog.models import Field, Procedure, ProcedureVersion
from cqs.core.text import fold
from cqs.units.models import AdministrativeUnit, Agency

_seq = itertools.count(1)


def unit(*, code: str | None = None, level: str = "commune", name: str | None = None) -> AdministrativeUnit:
    n = next(_seq)
    name = name or f"Xã Thử {n}"
    return AdministrativeUnit.objects.create(
        code=code or f"9{n:04d}", name=name, level=level, division_type="xã", search_name=fold(name)
    )


def agency(
    *, code: str | None = None, kind: str = Agency.Kind.COMMUNE_COMMITTEE, name: str | None = None, **extra: Any
) -> Agency:
    n = next(_seq)
    name = name or f"UBND xã Thử {n}"
    return Agency.objects.create(
        electronic_code=code or f"000.{n:02d}.99.H99",
        name=name,
        kind=kind,
        unit=unit(),
        search_name=fold(name),
        **extra,
    )


def official(*, role: str | None = "catalog_manager", username: str | None = None, at: Agency | None = None) -> User:
    at = at or agency(kind=Agency.Kind.OTHER)
    user = User.objects.create_user(
        username=username or f"canbo{next(_seq)}",
        password="mat-khau-rat-dai-1",
        full_name="Nguyễn Văn Cán Bộ",
        kind="official",
        agency=at,
    )
    if role:
        RoleAssignment.objects.create(user=user, role=role, agency=at)
    return user


def citizen(*, username: str | None = None) -> User:
    return User.objects.create_user(
        username=username or f"dan{next(_seq)}", password="mat-khau-rat-dai-1", full_name="Trần Thị Dân", kind="citizen"
    )


def field(*, code: str = "HT", name: str = "Hộ tịch") -> Field:
    found = Field.objects.filter(code=code).first()
    return found or Field.objects.create(code=code, name=name, search_name=fold(name))


DOCUMENTS = [{"name": "Tờ khai đăng ký khai sinh", "originals": 1, "copies": 0, "optional": False}]
FEES = [{"name": "Lệ phí đăng ký khai sinh", "amount": 0, "note": "Miễn lệ phí"}]
FORM_FIELDS = [
    {"key": "ho_ten_tre", "label": "Họ, chữ đệm và tên của trẻ", "type": "text"},
    {"key": "ngay_sinh", "label": "Ngày sinh", "type": "date"},
]
STEPS = [
    {"name": "Tiếp nhận, kiểm tra hồ sơ", "role": "one_stop_officer", "unit_kind": "one_stop", "duration_hours": 2},
    {"name": "Giải quyết", "role": "specialist", "unit_kind": "processing", "duration_hours": 4},
    {"name": "Phê duyệt, ký kết quả", "role": "leader", "unit_kind": "leadership", "duration_hours": 2},
]


def fill(
    version: ProcedureVersion,
    actor: Any,
    *,
    agencies: list[Agency] | None = None,
    agency_kinds: list[str] | None = None,
) -> ProcedureVersion:
    """Give a draft every component it needs to be published (``agency_kinds`` alone may name who does it)."""
    version = services.version_update(
        version=version,
        actor=actor,
        data={
            "steps": "Bước 1: nộp hồ sơ. Bước 2: nhận kết quả.",
            "method": "Trực tiếp hoặc trực tuyến.",
            "applicants": "Công dân Việt Nam.",
            "processing_time": 1,
            "agencies": agencies if agencies is not None else ([] if agency_kinds else [agency()]),
            "agency_kinds": agency_kinds or [],
        },
    )
    services.version_set_documents(version=version, actor=actor, items=DOCUMENTS)
    services.version_set_fees(version=version, actor=actor, items=FEES)
    services.version_set_form_fields(version=version, actor=actor, items=FORM_FIELDS)
    services.version_set_process_steps(version=version, actor=actor, items=STEPS)
    return version


def published(
    *,
    code: str,
    name: str,
    actor: Any,
    field_obj: Field | None = None,
    level: str = "commune",
    online_level: str = "full",
    effective_from: dt.date | None = None,
    agencies: list[Agency] | None = None,
    agency_kinds: list[str] | None = None,
) -> Procedure:
    """A procedure published with version 1 in force (by default since 2025-07-01)."""
    procedure, version = services.procedure_create(
        code=code, name=name, field=field_obj or field(), level=level, online_level=online_level, actor=actor
    )
    fill(version, actor, agencies=agencies, agency_kinds=agency_kinds)
    services.version_check(version=version, actor=actor)
    start = effective_from or dt.date(2025, 7, 1)
    services.version_publish(
        version=version,
        actor=actor,
        decision_number="1234/QĐ-UBND",
        decision_date=min(start, dt.date.today()),
        effective_from=start,
    )
    procedure.refresh_from_db()
    return procedure
