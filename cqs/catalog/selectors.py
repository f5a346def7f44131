"""Reads of the procedure catalog. Public reads only ever see published, current versions."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db.models import Count, F, FloatField, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.catalog import validation
from cqs.catalog.models import Field, FormField, Level, OnlineLevel, Procedure, ProcedureVersion
from cqs.catalog.search import NAME_PREFIX
from cqs.core.errors import NotFoundOrForbidden
from cqs.core.text import fold, search_terms
from cqs.units.models import Agency

_CODE_QUERY = re.compile(r"^\d+(?:\.\d*)*$")
TYPO_THRESHOLD = 0.45


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _tsquery(terms: list[str]) -> str:
    """A raw tsquery: every folded word must match, the last one as a prefix (typing as you go)."""
    parts = [f"'{term}'" for term in terms]
    parts[-1] += ":*"
    return " & ".join(parts)


def published_procedures() -> QuerySet[Procedure]:
    """Procedures on the portal: published, with a current version already in force."""
    return Procedure.objects.filter(
        is_published=True, current_version__isnull=False, current_version__effective_from__lte=timezone.localdate()
    )


def procedure_search(
    *,
    query: str = "",
    field_code: str | None = None,
    level: str | None = None,
    agency_code: str | None = None,
    online_level: str | None = None,
) -> QuerySet[Procedure]:
    """Published procedures matching a query, best first (annotated ``rank``).

    Ranking: the whole name equal to the query, then the name starting with it, then the
    phrase inside the name, then every word in the name, then matches in code, field or other
    texts; ties go to the name closest to the query (trigram similarity). When no word
    matches at all, names similar to the query (typos) are returned instead.
    """
    qs = published_procedures().select_related("field", "current_version")
    if field_code:
        qs = qs.filter(field__code=field_code)
    if level:
        qs = qs.filter(level=level)
    if online_level:
        qs = qs.filter(online_level=online_level)
    if agency_code:
        qs = qs.filter(current_version__agencies__electronic_code=agency_code)
    terms = search_terms(query or "")
    if not terms:
        return qs.annotate(rank=Value(0.0, output_field=FloatField())).order_by("search_name", "code")
    phrase = " ".join(terms)
    key = phrase[len(NAME_PREFIX) :] if phrase.startswith(NAME_PREFIX) else phrase
    key_terms = key.split() or terms
    tsquery = SearchQuery(_tsquery(key_terms), search_type="raw", config="simple")
    raw_query = query.strip()
    code_like = bool(_CODE_QUERY.match(raw_query))
    matched = Q(search_vector=tsquery)
    if code_like:
        matched |= Q(code__startswith=raw_query)
    tier = RawSQL(
        """(CASE
            WHEN "catalog_procedure"."code" = %s THEN 10
            WHEN "catalog_procedure"."search_name" = %s THEN 8
            WHEN "catalog_procedure"."search_name" LIKE %s THEN 6
            WHEN ' ' || "catalog_procedure"."search_name" || ' ' LIKE %s THEN 4
            WHEN to_tsvector('simple', "catalog_procedure"."search_name") @@ to_tsquery('simple', %s) THEN 2
            ELSE 0 END) + similarity("catalog_procedure"."search_name", %s)""",
        [raw_query, key, _like_escape(key) + " %", "% " + _like_escape(key) + " %", _tsquery(key_terms), key],
        output_field=FloatField(),
    )
    words = qs.filter(matched)
    if words.exists():
        return words.annotate(rank=tier + SearchRank(F("search_vector"), tsquery)).order_by("-rank", "code")
    similar = TrigramWordSimilarity(key, "search_name")
    return (
        qs.filter(search_name__trigram_word_similar=key)
        .annotate(rank=similar)
        .filter(rank__gte=TYPO_THRESHOLD)
        .order_by("-rank", "code")
    )


def procedure_get_published(*, code: str) -> Procedure:
    """A published procedure with its current version and everything the detail page shows."""
    procedure = (
        published_procedures()
        .filter(code=code)
        .select_related("field", "current_version", "current_version__field")
        .prefetch_related(
            Prefetch("current_version__agencies", queryset=Agency.objects.select_related("unit").order_by("name")),
            "current_version__documents",
            "current_version__fees",
            "current_version__form_fields",
            "current_version__process_steps",
        )
        .first()
    )
    if procedure is None:
        raise NotFoundOrForbidden(_("Không tìm thấy thủ tục."))
    return procedure


def field_list_with_counts() -> QuerySet[Field]:
    """Fields that have at least one published procedure, with ``procedure_count``."""
    return (
        Field.objects.annotate(
            procedure_count=Count(
                "procedures",
                filter=Q(procedures__is_published=True, procedures__current_version__isnull=False),
            )
        )
        .filter(procedure_count__gte=1)
        .order_by("search_name", "name")
    )


def agency_list_with_counts() -> QuerySet[Agency]:
    """Agencies that carry out at least one published procedure, with ``procedure_count``."""
    return (
        Agency.objects.filter(is_active=True)
        .annotate(
            procedure_count=Count(
                "procedure_versions__procedure",
                filter=Q(
                    procedure_versions__status=ProcedureVersion.Status.PUBLISHED,
                    procedure_versions__procedure__is_published=True,
                    procedure_versions__procedure__current_version=F("procedure_versions"),
                ),
                distinct=True,
            )
        )
        .filter(procedure_count__gte=1)
        .select_related("unit")
        .order_by("search_name", "name")
    )


def level_counts() -> dict[str, int]:
    """How many published procedures each level has (every level present, 0 when none)."""
    counts = dict(published_procedures().values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    return {value: counts.get(value, 0) for value, _label in Level.choices}


def online_level_counts() -> dict[str, int]:
    counts = dict(
        published_procedures().values_list("online_level").annotate(n=Count("id")).values_list("online_level", "n")
    )
    return {value: counts.get(value, 0) for value, _label in OnlineLevel.choices}


def catalog_figures() -> dict[str, int]:
    """Published procedures in total and by online level (``total``, ``full``, ``partial``, ``none``)."""
    counts = online_level_counts()
    return {"total": sum(counts.values()), **counts}


def versions_for_manager(*, status: str | None = None, query: str = "") -> QuerySet[ProcedureVersion]:
    """Every version, newest first, for the catalog manager's lists."""
    qs = ProcedureVersion.objects.select_related("procedure", "field").order_by("procedure__code", "-number")
    if status:
        qs = qs.filter(status=status)
    folded = fold(query or "")
    if folded:
        raw = query.strip()
        qs = qs.filter(
            Q(procedure__code__startswith=raw) | Q(procedure__search_name__contains=folded) | Q(name__icontains=raw)
        )
    return qs


def version_get_for_manager(*, pk: int) -> ProcedureVersion:
    version = (
        ProcedureVersion.objects.select_related("procedure", "field")
        .prefetch_related(
            Prefetch("agencies", queryset=Agency.objects.order_by("name")),
            "documents",
            "fees",
            "form_fields",
            "process_steps",
        )
        .filter(pk=pk)
        .first()
    )
    if version is None:
        raise NotFoundOrForbidden(_("Không tìm thấy phiên bản thủ tục."))
    return version


def procedure_versions(*, procedure: Procedure) -> QuerySet[ProcedureVersion]:
    return procedure.versions.select_related("field").order_by("-number")


def version_completeness(*, version: ProcedureVersion) -> list[str]:
    """The Vietnamese names of the components still missing before this version may be published.

    Decision 766 criterion 1.3 asks for seven (name, steps, method, documents, deadline,
    applicants, agency); we also ask for an internal process, a valid electronic form when
    the procedure is offered online, and the fees (0 when free).
    """
    cache: dict[str, Any] = getattr(version, "_prefetched_objects_cache", {})

    def has(name: str) -> bool:
        if name in cache:
            return bool(cache[name])
        return bool(getattr(version, name).exists())

    if "form_fields" in cache:
        form_fields = [{"type": f.type, "choices": f.choices} for f in cache["form_fields"]]
    else:
        form_fields = [dict(row) for row in FormField.objects.filter(version=version).values("type", "choices")]
    return validation.missing_components(
        name=version.name,
        steps=version.steps,
        method=version.method,
        has_documents=has("documents"),
        processing_time=version.processing_time,
        applicants=version.applicants,
        has_agencies=has("agencies"),
        has_process_steps=has("process_steps"),
        online_level=version.online_level,
        form_fields=form_fields,
        has_fees=has("fees"),
    )
