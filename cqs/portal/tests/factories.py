"""Published procedures for the portal's tests, built the way the catalog services store them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone

from cqs.catalog.models import Fee, Field, FormField, Procedure, ProcedureVersion, ProcessStep, RequiredDocument
from cqs.catalog.search import procedures_refresh
from cqs.core.text import fold
from cqs.units.models import AdministrativeUnit, Agency


def field_create(code: str, name: str) -> Field:
    return Field.objects.create(code=code, name=name, search_name=fold(name))


def agency_create(code: str, name: str, *, kind: str = Agency.Kind.COMMUNE_COMMITTEE) -> Agency:
    unit, _ = AdministrativeUnit.objects.get_or_create(
        code="40",
        defaults={
            "name": "Nghệ An",
            "level": AdministrativeUnit.Level.PROVINCE,
            "division_type": "tỉnh",
            "search_name": "nghe an",
        },
    )
    return Agency.objects.create(electronic_code=code, name=name, kind=kind, unit=unit, search_name=fold(name))


def procedure_create(
    code: str,
    name: str,
    *,
    field: Field,
    level: str = "commune",
    online_level: str = "full",
    agencies: Iterable[Agency] = (),
    published: bool = True,
    documents: Sequence[dict[str, Any]] = (),
    fees: Sequence[dict[str, Any]] = (),
    form_fields: Sequence[dict[str, Any]] = (),
    process_steps: Sequence[dict[str, Any]] = (),
    **version_fields: Any,
) -> Procedure:
    procedure = Procedure.objects.create(code=code)
    values: dict[str, Any] = {
        "processing_time": Decimal("1"),
        "decision_number": "1234/QĐ-UBND",
        "decision_date": dt.date(2025, 7, 1),
        "effective_from": dt.date(2025, 7, 1),
    }
    values.update(version_fields)
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=1,
        name=name,
        field=field,
        level=level,
        online_level=online_level,
        status=ProcedureVersion.Status.PUBLISHED if published else ProcedureVersion.Status.DRAFT,
        published_at=timezone.now() if published else None,
        **values,
    )
    version.agencies.set(list(agencies))
    for position, item in enumerate(documents, start=1):
        RequiredDocument.objects.create(version=version, position=position, **item)
    for position, item in enumerate(fees, start=1):
        Fee.objects.create(version=version, position=position, **item)
    for position, item in enumerate(form_fields, start=1):
        FormField.objects.create(version=version, position=position, **item)
    for position, item in enumerate(process_steps, start=1):
        ProcessStep.objects.create(version=version, position=position, **item)
    if published:
        procedure.current_version = version
        procedure.save(update_fields=["current_version"])
    procedures_refresh([procedure.pk])
    procedure.refresh_from_db()
    return procedure


def birth_registration(*, field: Field, agencies: Iterable[Agency] = ()) -> Procedure:
    """The procedure a citizen looks for most: Thủ tục đăng ký khai sinh, full of details."""
    return procedure_create(
        "1.001193",
        "Thủ tục đăng ký khai sinh",
        field=field,
        agencies=agencies,
        deciding_authority="UBND cấp xã",
        steps="Bước 1: Nộp hồ sơ.\nBước 2: Nhận kết quả.",
        method="Trực tiếp tại Bộ phận Một cửa hoặc trực tuyến.",
        applicants="Công dân Việt Nam",
        conditions="Không có",
        legal_basis="Luật Hộ tịch 2014",
        processing_time_unit=ProcedureVersion.TimeUnit.WORKING_DAYS,
        afternoon_cutoff=dt.time(15, 0),
        result_type="Giấy khai sinh",
        decision_number="1234/QĐ-UBND",
        decision_date=dt.date(2025, 7, 1),
        effective_from=dt.date(2025, 7, 15),
        documents=[
            {"name": "Tờ khai đăng ký khai sinh", "originals": 1, "copies": 0, "template_name": "Mẫu TK-KS"},
            {"name": "Giấy chứng sinh", "originals": 1, "copies": 0},
            {
                "name": "Giấy tờ tùy thân của người đi đăng ký",
                "originals": 0,
                "copies": 1,
                "replaceable_by": RequiredDocument.NationalData.POPULATION,
            },
            {"name": "Văn bản ủy quyền", "originals": 1, "copies": 0, "is_optional": True},
        ],
        fees=[
            {"name": "Lệ phí đăng ký khai sinh", "amount": 0, "note": "Miễn lệ phí"},
            {"name": "Phí cấp bản sao trích lục", "amount": 8000},
        ],
        form_fields=[
            {"key": "ho_ten_tre", "label": "Họ, chữ đệm và tên của trẻ", "type": FormField.Type.TEXT},
            {"key": "ngay_sinh", "label": "Ngày sinh của trẻ", "type": FormField.Type.DATE},
        ],
        process_steps=[
            {
                "name": "Tiếp nhận, kiểm tra hồ sơ",
                "role": "one_stop_officer",
                "unit_kind": "one_stop",
                "duration_hours": Decimal("2"),
            },
        ],
    )
