"""Full-text search over incoming and outgoing documents: metadata and the text of their PDF files.

The query is folded like the index (``cqs.core.text.search_terms``: no diacritics, "đ" as "d"),
every word must match (``&``) and the last one may be the start of a word (``:*``), so "ke hoach"
and "Kế hoạ" both find "Kế hoạch".

Order of the results (what is guaranteed):

1. the documents whose metadata holds every word — number and symbol, sender or recipients,
   type, subject, signer (``search_text``, written by ``cqs.documents.search.index``) — newest
   first;
2. then the documents found only through the text of their files, newest first.

"Newest" is the date of arrival of an incoming document, the date of issue of an outgoing one
(its creation while it is a draft); equal dates go by the higher id, and the two kinds are merged
on those dates. A subject match thus always comes before a match deep in an annex.

Fast at millions of rows, for common words too: no row is ranked (``ts_rank`` over every match
would read hundreds of thousands of vectors for a common word); each tier is ``ORDER BY date
DESC LIMIT n`` over the user's documents, which PostgreSQL answers either by walking the
(agency, date) index newest first until ``n`` rows match (common words) or through the GIN index
of the words (rare ones): ``incoming_search_metadata`` / ``outgoing_search_metadata`` index the
metadata alone (``to_tsvector('simple', search_text)``), ``incoming_search`` / ``outgoing_search``
the whole ``search_vector``. The second tier is queried only when the first does not fill the
page. The agency filter is repeated outside the visibility subquery so the planner joins the few
matches to the visibility rule instead of walking the rule's rows; only the page shown (plus one
row, to know whether there is a next page) is fetched, with its documents, and never counted.
Snippets are cut in Python from the start of the file texts of the hits whose subject does not
show the words (one query).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Left

from cqs.accounts.models import Role
from cqs.core.text import TSQUERY_MAX_TERMS, TSQUERY_MIN_PREFIX, search_terms, tsquery_text
from cqs.documents.models import (
    DocumentFile,
    DocumentType,
    IncomingDocument,
    OutgoingDocument,
    OutgoingStatus,
)
from cqs.documents.permissions import agencies_with_role, incoming_visible_rows, outgoing_visible_rows

PAGE_SIZE = 20
MAX_PAGE = 50  # deeper than 1,000 results nobody reads: refine the query instead
MAX_TERMS = TSQUERY_MAX_TERMS
SNIPPET_CHARS = 90  # either side of the first match
SNIPPET_SCAN = 20_000  # characters of a file's text looked at for the snippet

_Document = TypeVar("_Document", IncomingDocument, OutgoingDocument)

INCOMING = "incoming"
OUTGOING = "outgoing"
KINDS = (INCOMING, OUTGOING)

WINDOW = 2_000  # the newest documents of the user's agencies, where the matches of common words are looked for first
_OUTGOING_DATE = Coalesce("issued_at", "created_at")  # indexed by outgoing_by_date

# The tiers of the order above.
IN_METADATA = 1
IN_TEXT = 2


def metadata_vector() -> SearchVector:
    """``to_tsvector('simple', search_text)``: the metadata's words; the ``*_search_metadata`` indexes hold the same."""
    return SearchVector("search_text", config="simple")


@dataclass(frozen=True)
class SearchFilters:
    query: str
    kind: str = ""  # "", "incoming" or "outgoing"
    year: int | None = None
    document_type: int | None = None
    urgency: str = ""


@dataclass
class SearchHit:
    kind: str
    pk: int
    tier: int  # IN_METADATA or IN_TEXT
    date: dt.datetime | None
    document: Any = None
    subject: list[tuple[str, bool]] = field(default_factory=list)
    snippet: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class SearchPage:
    hits: list[SearchHit]
    page: int
    has_next: bool
    terms: list[str]


def metadata_tsquery_text(text: str) -> str:
    """A ``tsquery_text`` with every word restricted to weight A: matched in the metadata part of ``search_vector``."""
    return " & ".join(term + ("A" if term.endswith(":*") else ":A") for term in text.split(" & "))


def _query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="raw", config="simple")


def _keeps_every_register(user: Any) -> list[int]:
    """The user's agencies when they are a leader or clerk in each of them, else an empty list.

    ``incoming_visible_to`` / ``outgoing_visible_to`` give such a user every document of those
    agencies, so the search can say just that (``agency IN …``) instead of joining every match to
    the visibility subquery; ``test_search`` checks that both give the same documents.
    """
    agencies = agencies_with_role(user)
    registers = agencies_with_role(user, Role.LEADER, Role.CLERK)
    return agencies if agencies and set(registers) == set(agencies) else []


def _agency_in(table: str, agencies: list[int]) -> RawSQL:
    """``agency_id = ANY(…::bigint[])``: typed like the column, so the (agency, …) GIN indexes take it.

    (An integer literal compared with the bigint column is a cross-type comparison, which
    btree_gin's operator class does not index: the planner would scan the words alone.)
    """
    if len(agencies) == 1:  # one agency: the (agency, date) index then gives the documents in date order
        return RawSQL(f'"{table}"."agency_id" = %s::bigint', (agencies[0],), output_field=BooleanField())  # noqa: S611
    sql = f'"{table}"."agency_id" = ANY(%s::bigint[])'
    return RawSQL(sql, (list(agencies),), output_field=BooleanField())  # noqa: S611 (model's table, values bound)


def _scope(user: Any, model: type[_Document], rows: Callable[[Any], Q]) -> QuerySet[_Document]:
    table = model._meta.db_table
    registers = _keeps_every_register(user)
    if registers:
        return model.objects.filter(_agency_in(table, registers))
    agencies = agencies_with_role(user)
    if not agencies:
        return model.objects.none()
    # The rule row by row, so the newest documents can be walked and each one checked.
    return model.objects.filter(_agency_in(table, agencies)).filter(rows(user))


def incoming_scope(user: Any) -> QuerySet[IncomingDocument]:
    """The incoming documents the user may see (``incoming_visible_to``), in the shape the search runs fastest on."""
    return _scope(user, IncomingDocument, incoming_visible_rows)


def outgoing_scope(user: Any) -> QuerySet[OutgoingDocument]:
    """The outgoing documents the user may see (``outgoing_visible_to``), in the shape the search runs fastest on."""
    return _scope(user, OutgoingDocument, outgoing_visible_rows)


def _filtered(documents: QuerySet[_Document], filters: SearchFilters) -> QuerySet[_Document]:
    """``documents`` of the year, type and urgency the filters name (each when given)."""
    if filters.year:
        documents = documents.filter(year=filters.year)
    if filters.document_type:
        documents = documents.filter(document_type_id=filters.document_type)
    if filters.urgency:
        documents = documents.filter(urgency=filters.urgency)
    return documents


def _matching(documents: QuerySet[_Document], text: str, tier: int) -> QuerySet[_Document]:
    """``documents`` whose metadata holds every word (``IN_METADATA``), or only their whole vector (``IN_TEXT``)."""
    query = _query(text)
    documents = documents.alias(metadata=metadata_vector())
    if tier == IN_METADATA:
        return documents.filter(metadata=query)
    return documents.filter(Q(search_vector=query) & ~Q(metadata=query))


def _page_rows(documents: QuerySet[_Document], date: str, limit: int) -> list[_Document]:
    """The newest ``limit`` of ``documents`` with what the page shows (not the search columns)."""
    rows = documents.select_related("document_type").defer("search_text", "search_vector").order_by(f"-{date}", "-pk")
    return list(rows[:limit])


# The tiers' conditions over the stored vector of a row of the window (``recent``): its weight A is the metadata.
_WINDOW_MATCH = {
    IN_METADATA: "recent.search_vector @@ to_tsquery('simple'::regconfig, %(metadata)s)",
    IN_TEXT: "recent.search_vector @@ to_tsquery('simple'::regconfig, %(all)s)"
    " AND NOT recent.search_vector @@ to_tsquery('simple'::regconfig, %(metadata)s)",
}


def _window_rows(documents: QuerySet[Any], date: str, text: str, tier: int, limit: int) -> list[Any]:
    """The newest ``limit`` matches among the newest ``WINDOW`` of ``documents``, walking them newest first.

    The window's own ``LIMIT`` keeps the planner from folding the match into it: the tsquery
    statistics cannot see how often administrative words come together (their estimates are
    orders of magnitude too low), so left to itself it would read every match from a GIN index.
    Matching the stored vector (metadata words restricted to weight A) costs microseconds a row.
    """
    window = documents.order_by(f"-{date}", "-pk")[:WINDOW]
    inner, inner_params = window.query.sql_with_params()
    terms: list[str] = [metadata_tsquery_text(text)] if tier == IN_METADATA else [text, metadata_tsquery_text(text)]
    columns = [
        f.column for f in documents.model._meta.concrete_fields if f.name not in ("search_text", "search_vector")
    ]
    if date not in columns:
        columns.append(date)
    selected = ", ".join(f'recent."{c}"' for c in columns)
    match = _WINDOW_MATCH[tier] % {"metadata": "%s", "all": "%s"}
    sql = (
        f"SELECT {selected} FROM ({inner}) AS recent WHERE {match}"  # noqa: S608 (Django's SQL, the model's columns)
        f' ORDER BY recent."{date}" DESC, recent."id" DESC LIMIT %s'
    )
    arguments: list[Any] = [*inner_params, *terms, limit]
    return list(documents.model.objects.raw(sql, arguments))


def _newest_matches(documents: QuerySet[_Document], date: str, text: str, tier: int, limit: int) -> list[_Document]:
    """The newest ``limit`` of ``documents`` that match: looked for among the newest ``WINDOW`` first.

    When the window holds ``limit`` matches they are the newest of all (every document outside it
    is older), found by walking the date index; else the words are rare and the GIN indexes answer.
    """
    recent = _window_rows(documents, date, text, tier, limit)
    if len(recent) == limit:
        return recent
    return _page_rows(_matching(documents, text, tier), date, limit)


def _incoming(user: Any, filters: SearchFilters, text: str, tier: int, limit: int) -> list[SearchHit]:
    documents = _filtered(incoming_scope(user), filters)
    return [
        SearchHit(kind=INCOMING, pk=d.pk, tier=tier, date=d.received_at, document=d)
        for d in _newest_matches(documents, "received_at", text, tier, limit)
    ]


def _outgoing(user: Any, filters: SearchFilters, text: str, tier: int, limit: int) -> list[SearchHit]:
    documents = outgoing_scope(user).exclude(status=OutgoingStatus.CANCELLED)
    documents = _filtered(documents, filters).annotate(at=_OUTGOING_DATE)
    return [
        SearchHit(kind=OUTGOING, pk=d.pk, tier=tier, date=d.issued_at or d.created_at, document=d)
        for d in _newest_matches(documents, "at", text, tier, limit)
    ]


def _newest_first(hit: SearchHit) -> tuple[dt.datetime, int]:
    return (hit.date or dt.datetime.min.replace(tzinfo=dt.UTC), hit.pk)


def document_search(*, user: Any, filters: SearchFilters, page: int = 1) -> SearchPage:
    """One page of the documents the user may see that match ``filters``, in the order of the module docstring."""
    page = max(1, min(page, MAX_PAGE))
    terms = search_terms(filters.query)[:MAX_TERMS]
    text = tsquery_text(filters.query)
    if not text:
        return SearchPage(hits=[], page=page, has_next=False, terms=[])
    limit = page * PAGE_SIZE + 1
    ordered: list[SearchHit] = []
    for tier in (IN_METADATA, IN_TEXT):
        wanted = limit - len(ordered)
        if wanted <= 0:
            break
        found: list[SearchHit] = []
        if filters.kind in ("", INCOMING):
            found += _incoming(user, filters, text, tier, wanted)
        if filters.kind in ("", OUTGOING):
            found += _outgoing(user, filters, text, tier, wanted)
        found.sort(key=_newest_first, reverse=True)
        ordered += found[:wanted]
    hits = ordered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    _types_attached(hits)
    _mark(hits, terms)
    return SearchPage(hits=hits, page=page, has_next=len(ordered) > page * PAGE_SIZE, terms=terms)


def _types_attached(hits: list[SearchHit]) -> None:
    """The document type of each hit's document, when the query that found it did not join it (one query)."""
    wanting = [h.document for h in hits if not type(h.document).document_type.is_cached(h.document)]
    if wanting:
        types = DocumentType.objects.in_bulk({d.document_type_id for d in wanting})
        for document in wanting:
            document.document_type = types[document.document_type_id]


def _mark(hits: list[SearchHit], terms: list[str]) -> None:
    """The words marked in each hit's subject; a snippet of the file text for the hits whose subject lacks them."""
    pattern = match_pattern(terms)
    wanting: dict[tuple[str, int], SearchHit] = {}
    for hit in hits:
        hit.subject = marked(hit.document.subject, pattern)
        if not any(highlighted for _part, highlighted in hit.subject):
            wanting[(hit.kind, hit.pk)] = hit
    if not wanting:
        return
    for key, bodies in _file_texts(list(wanting)).items():
        for body in bodies:
            wanting[key].snippet = snippet(body, pattern)
            if wanting[key].snippet:
                break


def _file_texts(keys: list[tuple[str, int]]) -> dict[tuple[str, int], list[str]]:
    """The start of the searched file texts of these documents (one query), in the order the index reads them.

    An incoming document's files but its drafts, oldest first; an outgoing document's newest first.
    """
    incoming_ids = [pk for kind, pk in keys if kind == INCOMING]
    outgoing_ids = [pk for kind, pk in keys if kind == OUTGOING]
    files = DocumentFile.objects.filter(
        (Q(incoming_id__in=incoming_ids) & ~Q(kind=DocumentFile.Kind.DRAFT)) | Q(outgoing_id__in=outgoing_ids)
    )
    rows = files.annotate(head=Left("text", SNIPPET_SCAN)).values_list(
        "incoming_id", "outgoing_id", "version", "pk", "head"
    )
    texts: dict[tuple[str, int], list[tuple[tuple[int, int], str]]] = {}
    for incoming_id, outgoing_id, version, pk, head in rows:
        if incoming_id is not None:
            texts.setdefault((INCOMING, incoming_id), []).append(((0, pk), head))
        else:
            texts.setdefault((OUTGOING, outgoing_id), []).append(((-version, -pk), head))
    return {key: [body for _order, body in sorted(bodies)] for key, bodies in texts.items()}


# ---------------------------------------------------------------- snippets

_NON_WORD = re.compile(r"[^\w.]")


def _fold_char(code: int) -> str:
    char = chr(code)
    lowered = char.lower().replace("đ", "d")
    stripped = "".join(c for c in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(c))
    if len(stripped) != 1 or _NON_WORD.match(stripped):
        return " "
    return stripped


class _Folder(dict[int, str]):
    """A ``str.translate`` table folding one character to one character, so positions stay aligned."""

    def __missing__(self, code: int) -> str:
        value = _fold_char(code)
        self[code] = value
        return value


_FOLDER = _Folder()


def aligned_fold(text: str) -> str:
    """``text`` folded character by character (same length): where a folded match is, the original is."""
    return text.translate(_FOLDER)


def match_pattern(terms: list[str]) -> re.Pattern[str] | None:
    """Whole folded words, the last one as a prefix (as the search matched them)."""
    if not terms:
        return None
    last = terms[-1]
    prefix = len(last) >= TSQUERY_MIN_PREFIX and not last.isdigit()
    words = [re.escape(t) + r"(?!\w)" for t in terms[:-1]]
    words.append(re.escape(last) + (r"\w*" if prefix else r"(?!\w)"))
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + ")")


def marked(text: str, pattern: re.Pattern[str] | None) -> list[tuple[str, bool]]:
    """``text`` cut into (part, is_match) pieces."""
    if pattern is None:
        return [(text, False)]
    parts: list[tuple[str, bool]] = []
    position = 0
    for found in pattern.finditer(aligned_fold(text)):
        if found.start() > position:
            parts.append((text[position : found.start()], False))
        parts.append((text[found.start() : found.end()], True))
        position = found.end()
    if position < len(text):
        parts.append((text[position:], False))
    return parts


def snippet(text: str, pattern: re.Pattern[str] | None) -> list[tuple[str, bool]]:
    """A few words of ``text`` around its first match, matches marked; empty when nothing matches."""
    if pattern is None or not text:
        return []
    head = text[:SNIPPET_SCAN]
    first = pattern.search(aligned_fold(head))
    if first is None:
        return []
    start = max(0, first.start() - SNIPPET_CHARS)
    end = min(len(head), first.end() + SNIPPET_CHARS)
    while start > 0 and not head[start - 1].isspace():
        start -= 1
    while end < len(head) and not head[end].isspace():
        end += 1
    window = " ".join(head[start:end].split())
    parts = marked(window, pattern)
    if start > 0:
        parts.insert(0, ("… ", False))
    if end < len(head):
        parts.append((" …", False))
    return parts
