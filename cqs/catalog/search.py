"""How procedures are indexed for search; one place, so every writer stores the same thing.

``search_name`` is the folded name (no diacritics, "đ" as "d", lower case) without the
leading "thủ tục" that many official names carry, so "Thủ tục đăng ký khai sinh" is stored as
``dang ky khai sinh`` and compares equal to the query "đăng ký khai sinh".
``search_vector`` = to_tsvector('simple', …) of folded texts, weighted name A, code A,
field B, other texts C. Both are rewritten in one SQL statement per batch, with the other
columns copied from the version shown (name, field, levels, ``agency_kinds``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import F

from cqs.catalog.models import ProcedureVersion
from cqs.core.text import fold

NAME_PREFIX = "thu tuc "


def key_name(text: str) -> str:
    """The folded name used for ranking: without the leading "thủ tục"."""
    folded = fold(text)
    return folded[len(NAME_PREFIX) :] if folded.startswith(NAME_PREFIX) else folded


_UPDATE_SQL = """
UPDATE catalog_procedure AS p SET
    name = v.name,
    field_id = v.field_id,
    level = v.level,
    online_level = v.online_level,
    is_published = p.current_version_id IS NOT NULL,
    agency_kinds = string_to_array(v.agency_kinds, ','),
    search_name = v.search_name,
    search_vector = setweight(to_tsvector('simple', v.name_fold), 'A')
        || setweight(to_tsvector('simple', v.code), 'A')
        || setweight(to_tsvector('simple', v.field_fold), 'B')
        || setweight(to_tsvector('simple', v.other_fold), 'C'),
    updated_at = now()
FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
            %s::text[], %s::text[], %s::text[])
    AS v(id, name, field_id, level, online_level, search_name, name_fold, code, field_fold, other_fold, agency_kinds)
WHERE p.id = v.id
"""


def procedures_refresh(procedure_ids: Iterable[int]) -> None:
    """Copy each procedure's current version (or, unpublished, its latest) into its own columns.

    Called by every service that changes ``current_version`` or creates a procedure.
    ``is_published`` follows ``current_version``; withdrawing sets it apart (procedure_unpublish).
    """
    ids = sorted(set(procedure_ids))
    if not ids:
        return
    columns = (
        "procedure_id",
        "procedure__code",
        "name",
        "field_id",
        "field__name",
        "level",
        "online_level",
        "deciding_authority",
        "result_type",
        "agency_kinds",
    )
    current = {
        row[0]: row
        for row in ProcedureVersion.objects.filter(
            procedure_id__in=ids, procedure__current_version_id=F("id")
        ).values_list(*columns)
    }
    missing = [pk for pk in ids if pk not in current]
    if missing:
        for row in (
            ProcedureVersion.objects.filter(procedure_id__in=missing)
            .order_by("procedure_id", "-number")
            .distinct("procedure_id")
            .values_list(*columns)
        ):
            current[row[0]] = row
    arrays: list[list[object]] = [[] for _ in range(11)]
    for pk, code, name, field_id, field_name, level, online_level, authority, result, kinds in current.values():
        values = (
            pk,
            name,
            field_id,
            level,
            online_level,
            key_name(name),
            fold(name),
            code,
            fold(field_name or ""),
            fold(f"{authority} {result}"),
            ",".join(kinds or []),
        )
        for array, value in zip(arrays, values, strict=True):
            array.append(value)
    with connection.cursor() as cursor:
        cursor.execute(_UPDATE_SQL, arrays)
    catalog_changed()


_BUMP_SQL = """
INSERT INTO catalog_catalogstate (id, revision) VALUES (1, 1)
ON CONFLICT (id) DO UPDATE SET revision = catalog_catalogstate.revision + 1
"""


def catalog_changed() -> None:
    """Move the catalog revision on, in the caller's transaction (caches of facets key on it).

    Called by ``procedures_refresh`` and by every other write the portal's lists depend on.
    """
    with connection.cursor() as cursor:
        cursor.execute(_BUMP_SQL)


def catalog_revision() -> str:
    """A key that changes whenever the catalog's published data or the agencies change (one cheap query).

    The counter comes with the row's ``xmin`` (the transaction that last wrote it): a database
    restored from a backup, or a test's rolled-back transaction, may bring a number back, never
    with the same writer. Agencies are written by the units app, which knows nothing of the
    catalog: their newest ``updated_at`` and their number stand in for a revision of their own.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT revision || '.' || xmin FROM catalog_catalogstate WHERE id = 1),"
            " (SELECT extract(epoch FROM max(updated_at)) FROM units_agency), (SELECT count(*) FROM units_agency)"
        )
        row = cursor.fetchone()
    return "-".join(str(value) for value in row) if row else ""
