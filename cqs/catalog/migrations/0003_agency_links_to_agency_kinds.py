"""Data: a version linked to every active agency of a kind now names the kind instead.

Imports used to expand ``*commune_committee`` into one link per commune People's Committee
(130 rows per version in Nghệ An, frozen at import time). For every kind with more than one
active agency, each version linked to all of them gets the kind in ``agency_kinds`` and loses
its links to agencies of that kind (inactive ones included: they were part of "every agency
of the kind" when the links were made). Procedures then copy ``agency_kinds`` from the
version they show, and the catalog state row is created.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import Count, F

KIND_ORDER = (
    "provincial_committee",
    "department",
    "provincial_service_centre",
    "commune_committee",
    "commune_service_centre",
    "other",
)
BATCH = 2000


def links_to_kinds(apps: Any, schema_editor: Any) -> None:
    Agency = apps.get_model("units", "Agency")
    ProcedureVersion = apps.get_model("catalog", "ProcedureVersion")
    Procedure = apps.get_model("catalog", "Procedure")
    CatalogState = apps.get_model("catalog", "CatalogState")
    Through = ProcedureVersion.agencies.through

    active: dict[str, set[int]] = {}
    every: dict[str, set[int]] = {}
    for pk, kind, is_active in Agency.objects.values_list("id", "kind", "is_active"):
        every.setdefault(kind, set()).add(pk)
        if is_active:
            active.setdefault(kind, set()).add(pk)

    kinds_of: dict[int, set[str]] = {}
    for kind, ids in active.items():
        if len(ids) < 2:
            continue
        covered = (
            Through.objects.filter(agency_id__in=ids)
            .values("procedureversion_id")
            .annotate(n=Count("agency_id", distinct=True))
            .filter(n=len(ids))
            .values_list("procedureversion_id", flat=True)
        )
        for version_id in covered:
            kinds_of.setdefault(version_id, set()).add(kind)

    version_ids = sorted(kinds_of)
    for start in range(0, len(version_ids), BATCH):
        batch = version_ids[start : start + BATCH]
        versions = list(ProcedureVersion.objects.filter(pk__in=batch).only("id", "agency_kinds"))
        for version in versions:
            wanted = set(version.agency_kinds or []) | kinds_of[version.pk]
            version.agency_kinds = [kind for kind in KIND_ORDER if kind in wanted] + sorted(
                wanted - set(KIND_ORDER)
            )
        ProcedureVersion.objects.bulk_update(versions, ["agency_kinds"])
        by_kind: dict[str, list[int]] = {}
        for version_id in batch:
            for kind in kinds_of[version_id]:
                by_kind.setdefault(kind, []).append(version_id)
        for kind, ids in by_kind.items():
            Through.objects.filter(procedureversion_id__in=ids, agency_id__in=every[kind]).delete()

    # Procedures show their current version, else (never published) their newest one.
    shown: dict[int, list[str]] = {}
    for procedure_id, kinds in ProcedureVersion.objects.order_by("procedure_id", "number").values_list(
        "procedure_id", "agency_kinds"
    ):
        shown[procedure_id] = kinds
    for procedure_id, kinds in ProcedureVersion.objects.filter(procedure__current_version_id=F("id")).values_list("procedure_id", "agency_kinds"):
        shown[procedure_id] = kinds
    changed = [Procedure(pk=pk, agency_kinds=kinds) for pk, kinds in shown.items() if kinds]
    Procedure.objects.bulk_update(changed, ["agency_kinds"], batch_size=BATCH)

    CatalogState.objects.get_or_create(pk=1, defaults={"revision": 1})


def kinds_to_links(apps: Any, schema_editor: Any) -> None:
    """Back: expand each kind into links to the agencies of that kind active today."""
    Agency = apps.get_model("units", "Agency")
    ProcedureVersion = apps.get_model("catalog", "ProcedureVersion")
    Through = ProcedureVersion.agencies.through
    active: dict[str, list[int]] = {}
    for pk, kind in Agency.objects.filter(is_active=True).values_list("id", "kind"):
        active.setdefault(kind, []).append(pk)
    rows = []
    for version_id, kinds in ProcedureVersion.objects.exclude(agency_kinds=[]).values_list("id", "agency_kinds"):
        for kind in kinds:
            rows.extend(Through(procedureversion_id=version_id, agency_id=pk) for pk in active.get(kind, []))
    Through.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_agency_kinds_and_catalog_state"),
        ("units", "0001_units_and_agencies"),
    ]

    operations = [migrations.RunPython(links_to_kinds, kinds_to_links)]
