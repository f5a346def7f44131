"""Writing a checked import: new fields, procedures and versions in a few bulk statements, published
when asked (the version in force until then superseded), the search refreshed, one audit event."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from cqs.catalog.exchange.format import ITEM_MODELS, Status
from cqs.catalog.models import Field, Procedure, ProcedureVersion
from cqs.catalog.search import procedures_refresh
from cqs.core.audit import audit_record
from cqs.core.text import fold


@dataclass
class ImportResult:
    procedures_created: int = 0
    versions_created: int = 0
    fields_created: int = 0
    versions_published: int = 0
    versions_waiting: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class Plan:
    """One procedure of the file, checked: what its new version will hold."""

    code: str
    procedure_id: int | None
    number: int
    field_code: str
    scalars: dict[str, Any]
    agency_ids: list[int]
    agency_kinds: list[str]
    decision: dict[str, Any] | None
    items: dict[str, list[dict[str, Any]]]


@transaction.atomic
def import_write(
    plans: list[Plan], *, new_fields: dict[str, str], actor: Any, publish: bool, today: dt.date
) -> ImportResult:
    result = ImportResult()
    if new_fields:
        Field.objects.bulk_create(
            [Field(code=code, name=name, search_name=fold(name)) for code, name in new_fields.items()], batch_size=1000
        )
        result.fields_created = len(new_fields)
    field_ids = dict(Field.objects.values_list("code", "id"))

    fresh = [plan for plan in plans if plan.procedure_id is None]
    created = Procedure.objects.bulk_create([Procedure(code=plan.code) for plan in fresh], batch_size=1000)
    for plan, procedure in zip(fresh, created, strict=True):
        plan.procedure_id = procedure.pk
    result.procedures_created = len(created)

    now = timezone.now()
    versions = []
    for plan in plans:
        assert plan.procedure_id is not None
        version = ProcedureVersion(
            procedure_id=plan.procedure_id,
            number=plan.number,
            status=Status.PUBLISHED if publish else Status.DRAFT,
            field_id=field_ids[plan.field_code],
            agency_kinds=plan.agency_kinds,
            **plan.scalars,
            **(plan.decision or {}),
        )
        if publish:
            version.published_at = now
        versions.append(version)
    ProcedureVersion.objects.bulk_create(versions, batch_size=1000)
    result.versions_created = len(versions)

    through = ProcedureVersion.agencies.through
    through.objects.bulk_create(
        [
            through(procedureversion_id=version.pk, agency_id=agency_id)
            for plan, version in zip(plans, versions, strict=True)
            for agency_id in plan.agency_ids
        ],
        batch_size=5000,
    )
    for kind, model in ITEM_MODELS.items():
        model.objects.bulk_create(  # type: ignore[attr-defined]
            [
                model(version_id=version.pk, position=position, **data)
                for plan, version in zip(plans, versions, strict=True)
                for position, data in enumerate(plan.items[kind], start=1)
            ],
            batch_size=2000,
        )

    refresh = {plan.procedure_id for plan in fresh}
    if publish:
        due = [version for version in versions if version.effective_from and version.effective_from <= today]
        result.versions_published = len(due)
        result.versions_waiting = len(versions) - len(due)
        due_ids = [v.procedure_id for v in due]
        # The version in force until now ends the day the new one starts.
        by_date: dict[dt.date, list[int]] = defaultdict(list)
        for version in due:
            assert version.effective_from is not None
            by_date[version.effective_from].append(version.procedure_id)
        new_ids = [v.pk for v in versions]
        for start, procedure_ids in by_date.items():
            ProcedureVersion.objects.filter(procedure_id__in=procedure_ids, status=Status.PUBLISHED).exclude(
                pk__in=new_ids
            ).update(status=Status.SUPERSEDED, effective_until=start, updated_at=now)
        Procedure.objects.bulk_update(
            [Procedure(pk=v.procedure_id, current_version_id=v.pk) for v in due], ["current_version"], batch_size=1000
        )
        refresh.update(due_ids)
    procedures_refresh(pk for pk in refresh if pk is not None)
    audit_record(
        actor=actor,
        action="catalog.import",
        object_type="catalog.procedure",
        object_id="",
        after={**result.as_dict(), "publish": publish, "codes": len(plans)},
    )
    return result
