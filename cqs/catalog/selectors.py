"""Reads of the procedure catalog. Public reads only ever see published, current versions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Count, F, FloatField, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.catalog import validation
from cqs.catalog.models import Field, FormField, Level, OnlineLevel, Procedure, ProcedureVersion, RequiredDocument
from cqs.catalog.search import NAME_PREFIX, catalog_revision
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
    """Procedures on the portal: published, with a current version.

    The services set ``current_version`` only to a version already in force (a version
    published for a later date waits for ``catalog_activate_due``), so no date test is needed.
    """
    return Procedure.objects.filter(is_published=True, current_version__isnull=False)


AGENCY_GROUP_PREFIX = "*"
# What a result list shows of the current version; the long texts stay in the database.
_LISTED_VERSION_FIELDS = ProcedureVersion.objects.only("id", "processing_time", "processing_time_unit")


def _agency_filter(code: str) -> Q:
    """Procedures carried out by an agency (its electronic code) or by every agency of a kind (``*kind``).

    An agency carries out what its current version links it to, and everything done by
    "every active agency of its kind" (``agency_kinds``): a commune created after a
    procedure was published is covered without touching the catalog.
    """
    if code.startswith(AGENCY_GROUP_PREFIX):
        kind = code[len(AGENCY_GROUP_PREFIX) :]
        return Q(agency_kinds__contains=[kind]) if kind in Agency.Kind.values else Q(pk__in=[])
    linked = ProcedureVersion.agencies.through.objects.filter(agency__electronic_code=code).values(
        "procedureversion_id"
    )
    by_kind = RawSQL(
        """EXISTS (SELECT 1 FROM "units_agency" a WHERE a."electronic_code" = %s AND a."is_active"
                   AND a."kind" = ANY("catalog_procedure"."agency_kinds"))""",
        [code],
        output_field=BooleanField(),
    )
    return Q(current_version_id__in=linked) | Q(by_kind)


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
    texts; ties go to the name closest to the query: the share of the name the query covers (as
    good as trigram similarity when every word is in the name, a tenth of its cost). When no word
    matches at all, names similar to the query (typos) are returned instead.
    """
    qs = (
        published_procedures()
        .select_related("field")
        .defer("search_vector", "name_vector")
        .prefetch_related(Prefetch("current_version", queryset=_LISTED_VERSION_FIELDS))
    )
    if field_code:
        qs = qs.filter(field__code=field_code)
    if level:
        qs = qs.filter(level=level)
    if online_level:
        qs = qs.filter(online_level=online_level)
    if agency_code:
        qs = qs.filter(_agency_filter(agency_code))
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
            WHEN "catalog_procedure"."name_vector" @@ to_tsquery('simple', %s) THEN 2
            ELSE 0 END) + %s::float / GREATEST(char_length("catalog_procedure"."search_name"), %s)""",
        [
            raw_query,
            key,
            _like_escape(key) + " %",
            "% " + _like_escape(key) + " %",
            _tsquery(key_terms),
            len(key),
            len(key),
        ],
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


def document_template_get_published(*, code: str, document_id: int) -> RequiredDocument:
    """A document with a template file in the current version of a published procedure; nothing else."""
    document = (
        RequiredDocument.objects.filter(
            pk=document_id,
            version__procedure__code=code,
            version__procedure__is_published=True,
            version__procedure__current_version_id=F("version_id"),
            version__status=ProcedureVersion.Status.PUBLISHED,
        )
        .exclude(template_file="")
        .first()
    )
    if document is None:
        raise NotFoundOrForbidden(_("Không tìm thấy tệp mẫu."))
    return document


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


@dataclass(frozen=True)
class AgencyFacet:
    """One entry of the agency facet: a specific agency, or every active agency of a kind.

    ``code`` is what the portal's ``co-quan=`` filter takes: the agency's electronic code, or
    ``*kind`` for a group (e.g. ``*commune_committee``, "UBND xã, phường, đặc khu (130 đơn vị)").
    ``agency_count`` is 1 for an agency, the number of active agencies of the kind for a group.
    """

    code: str
    name: str
    kind: str
    procedure_count: int
    agency_count: int = 1

    @property
    def is_group(self) -> bool:
        return self.code.startswith(AGENCY_GROUP_PREFIX)


_AGENCY_FACET_SQL = """
WITH shown AS (
    SELECT p.id, p.current_version_id, p.agency_kinds FROM catalog_procedure p
    JOIN catalog_procedureversion v ON v.id = p.current_version_id AND v.effective_from <= %s
    WHERE p.is_published
)
SELECT 'agency', a.electronic_code, a.name, a.kind, a.search_name,
       COUNT(*), COUNT(*) FILTER (WHERE a.kind = ANY(s.agency_kinds))
FROM shown s
JOIN catalog_procedureversion_agencies t ON t.procedureversion_id = s.current_version_id
JOIN units_agency a ON a.id = t.agency_id AND a.is_active
GROUP BY a.id
UNION ALL
SELECT 'kind', '', '', k.kind, '', COUNT(*), 0 FROM shown s, unnest(s.agency_kinds) AS k(kind) GROUP BY k.kind
UNION ALL
SELECT 'active', '', '', a.kind, '', COUNT(*), 0 FROM units_agency a WHERE a.is_active GROUP BY a.kind
"""


def agency_list_with_counts() -> list[AgencyFacet]:
    """Who carries out the published procedures, with how many each (one query).

    First one entry per agency kind in use ("every active agency of the kind": its procedures
    are those naming the kind), then the agencies linked to at least one procedure by name;
    an agency's count also includes what every agency of its kind does, as the filter finds.
    """
    with connection.cursor() as cursor:
        cursor.execute(_AGENCY_FACET_SQL, [timezone.localdate()])
        rows = cursor.fetchall()
    by_kind = {kind: n for what, _code, _name, kind, _search, n, _overlap in rows if what == "kind"}
    active = {kind: n for what, _code, _name, kind, _search, n, _overlap in rows if what == "active"}
    labels = dict(Agency.Kind.choices)
    groups = [
        AgencyFacet(
            code=f"{AGENCY_GROUP_PREFIX}{kind}",
            name=str(labels[kind]),
            kind=kind,
            procedure_count=by_kind[kind],
            agency_count=active.get(kind, 0),
        )
        for kind in Agency.Kind.values
        if by_kind.get(kind)
    ]
    agencies = sorted(
        (
            (search, name, code, kind, linked + (by_kind.get(kind, 0) - overlap))
            for what, code, name, kind, search, linked, overlap in rows
            if what == "agency"
        ),
    )
    return groups + [
        AgencyFacet(code=code, name=name, kind=kind, procedure_count=count)
        for _search, name, code, kind, count in agencies
    ]


@dataclass(frozen=True)
class FieldFacet:
    code: str
    name: str
    procedure_count: int


@dataclass(frozen=True)
class CatalogFacets:
    """What the portal's home and list pages count: per field, agency, level and online level."""

    fields: list[FieldFacet]
    agencies: list[AgencyFacet]
    levels: dict[str, int]
    online_levels: dict[str, int]

    @property
    def figures(self) -> dict[str, int]:
        return {"total": sum(self.online_levels.values()), **self.online_levels}


FACETS_CACHE_SECONDS = 600


def catalog_facets() -> CatalogFacets:
    """The facets of the published catalog, from Django's cache while the catalog stays the same.

    Keyed on ``catalog_revision()`` (one cheap query): every service that changes what is
    published moves the revision on in its own transaction, so a new key appears when the
    change commits, in every process. On a miss: two grouped queries over ``Procedure``'s
    denormalised columns plus the agency facet query.
    """
    key = f"catalog:facets:{timezone.localdate().isoformat()}:{catalog_revision()}"
    found = cache.get(key)
    if isinstance(found, CatalogFacets):
        return found
    rows = list(
        published_procedures()
        .values_list("field__code", "field__name", "field__search_name", "level", "online_level")
        .annotate(n=Count("id"))
        .order_by()
    )
    fields: dict[tuple[str, str, str], int] = {}
    levels = dict.fromkeys(Level.values, 0)
    online = dict.fromkeys(OnlineLevel.values, 0)
    for code, name, search_name, level, online_level, n in rows:
        if code is not None:
            fields[(search_name, name, code)] = fields.get((search_name, name, code), 0) + n
        if level in levels:
            levels[level] += n
        if online_level in online:
            online[online_level] += n
    facets = CatalogFacets(
        fields=[FieldFacet(code=code, name=name, procedure_count=n) for (_s, name, code), n in sorted(fields.items())],
        agencies=agency_list_with_counts(),
        levels=levels,
        online_levels=online,
    )
    cache.set(key, facets, FACETS_CACHE_SECONDS)
    return facets


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


def document_get_for_manager(*, version: ProcedureVersion, document_id: int) -> RequiredDocument:
    """A document of the given version (any other id is "not found")."""
    document = RequiredDocument.objects.filter(pk=document_id, version_id=version.pk).first()
    if document is None:
        raise NotFoundOrForbidden(_("Không tìm thấy thành phần hồ sơ."))
    return document


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
        form_fields = [{"key": f.key, "type": f.type, "choices": f.choices} for f in cache["form_fields"]]
    else:
        form_fields = [dict(row) for row in FormField.objects.filter(version=version).values("key", "type", "choices")]
    fees = cache["fees"] if "fees" in cache else list(version.fees.all())
    documents = cache["documents"] if "documents" in cache else list(version.documents.all())
    return validation.missing_components(
        name=version.name,
        steps=version.steps,
        method=version.method,
        has_documents=has("documents"),
        processing_time=version.processing_time,
        applicants=version.applicants,
        has_agencies=bool(version.agency_kinds) or has("agencies"),
        has_process_steps=has("process_steps"),
        process_roles=[step.role for step in cache["process_steps"]]
        if "process_steps" in cache
        else version.process_steps.values_list("role", flat=True),
        online_level=version.online_level,
        form_fields=form_fields,
        has_fees=bool(fees),
        fee_quantity_fields=[fee.quantity_field for fee in fees if fee.quantity_field],
        has_declaration=any(d.is_declaration for d in documents),
    )


# ---------------------------------------------------------------- who decides and where dossiers are handed in

# The places that take dossiers in: any of them in the province, whatever the procedure and wherever the
# applicant lives (Decree 118/2025: no administrative boundary within the province).
RECEIVING_AGENCY_KINDS = (
    Agency.Kind.PROVINCIAL_SERVICE_CENTRE,
    Agency.Kind.COMMUNE_SERVICE_CENTRE,
    Agency.Kind.COMMUNE_COMMITTEE,
    Agency.Kind.DEPARTMENT,
    Agency.Kind.PROVINCIAL_COMMITTEE,
)


def version_deciding_agencies(version: ProcedureVersion) -> QuerySet[Agency]:
    """The active agencies that decide this version's dossiers: those it names and every one of its kinds.

    A commune created after the procedure was published is covered without touching the catalog.
    """
    named = Q(pk__in=version.agencies.values("pk"))
    kinds = list(version.agency_kinds or [])
    return (
        Agency.objects.filter(named | Q(kind__in=kinds) if kinds else named, is_active=True)
        .select_related("unit")
        .order_by("name", "pk")
    )


def receiving_agencies() -> QuerySet[Agency]:
    """Every place in the province where a dossier may be handed in."""
    return (
        Agency.objects.filter(is_active=True, kind__in=RECEIVING_AGENCY_KINDS)
        .select_related("unit")
        .order_by("name", "pk")
    )


def agencies_narrowed(agencies: QuerySet[Agency], *, unit_code: str = "", query: str = "") -> QuerySet[Agency]:
    """Agencies of an administrative unit (a commune, or a province with its communes) and/or whose name
    holds every word of ``query`` (without diacritics)."""
    if unit_code:
        agencies = agencies.filter(Q(unit__code=unit_code) | Q(unit__parent__code=unit_code))
    for term in search_terms(query):
        agencies = agencies.filter(search_name__contains=term)
    return agencies
