"""Full-text search over incoming and outgoing documents: metadata and the text of their PDF files.

The query is folded like the index (``cqs.core.text.search_terms``: no diacritics, "đ" as "d"),
every word must match (``&``) and the last one may be the start of a word (``:*``), so "ke hoach"
and "Kế hoạ" both find "Kế hoạch". ``search_vector`` (written by ``cqs.documents.search.index``) holds
the metadata with weight A and the file text with weight C, so a match in the subject ranks
above a match deep in an annex.

Fast at millions of rows: the match is answered by the GIN index on ``search_vector``; the
agency filter is repeated outside the visibility subquery so the planner joins the few matches
to the visibility rule instead of walking the rule's rows; only the page shown (plus one row, to
know whether there is a next page) is fetched and never counted. Snippets are cut in Python
from the page's file texts only.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import BooleanField, F, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from cqs.accounts.models import Role
from cqs.core.text import TSQUERY_MAX_TERMS, TSQUERY_MIN_PREFIX, search_terms, tsquery_text
from cqs.documents.models import (
    DocumentFile,
    IncomingDocument,
    OutgoingDocument,
    OutgoingStatus,
)
from cqs.documents.permissions import agencies_with_role, incoming_visible_to, outgoing_visible_to

PAGE_SIZE = 20
MAX_PAGE = 50  # deeper than 1,000 results nobody reads: refine the query instead
MAX_TERMS = TSQUERY_MAX_TERMS
SNIPPET_CHARS = 90  # either side of the first match
SNIPPET_SCAN = 20_000  # characters of a file's text looked at for the snippet

_Document = TypeVar("_Document", IncomingDocument, OutgoingDocument)

INCOMING = "incoming"
OUTGOING = "outgoing"
KINDS = (INCOMING, OUTGOING)


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
    rank: float
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
    """``agency_id = ANY(…::bigint[])``: typed like the column, so the (agency, search_vector) GIN index takes it.

    (An integer literal compared with the bigint column is a cross-type comparison, which
    btree_gin's operator class does not index: the planner would scan the words alone.)
    """
    sql = f'"{table}"."agency_id" = ANY(%s::bigint[])'
    return RawSQL(sql, (list(agencies),), output_field=BooleanField())  # noqa: S611 (model's table, values bound)


def _scope(user: Any, model: type[_Document], visible: Callable[[Any], QuerySet[_Document]]) -> QuerySet[_Document]:
    table = model._meta.db_table
    registers = _keeps_every_register(user)
    if registers:
        return model.objects.filter(_agency_in(table, registers))
    return visible(user).filter(_agency_in(table, agencies_with_role(user)))


def incoming_scope(user: Any) -> QuerySet[IncomingDocument]:
    """The incoming documents the user may see, in the shape the search runs fastest on."""
    return _scope(user, IncomingDocument, incoming_visible_to)


def outgoing_scope(user: Any) -> QuerySet[OutgoingDocument]:
    """The outgoing documents the user may see, in the shape the search runs fastest on."""
    return _scope(user, OutgoingDocument, outgoing_visible_to)


def _filtered(documents: QuerySet[_Document], filters: SearchFilters) -> QuerySet[_Document]:
    """``documents`` of the year, type and urgency the filters name (each when given)."""
    if filters.year:
        documents = documents.filter(year=filters.year)
    if filters.document_type:
        documents = documents.filter(document_type_id=filters.document_type)
    if filters.urgency:
        documents = documents.filter(urgency=filters.urgency)
    return documents


def _incoming(user: Any, filters: SearchFilters, text: str, limit: int) -> list[tuple[float, dt.datetime, int]]:
    query = _query(text)
    documents = _filtered(incoming_scope(user).filter(search_vector=query), filters)
    rows = (
        documents.annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", "-received_at", "-pk")
        .values_list("rank", "received_at", "pk")[:limit]
    )
    return [(float(rank), at, pk) for rank, at, pk in rows]


def _outgoing(user: Any, filters: SearchFilters, text: str, limit: int) -> list[tuple[float, dt.datetime, int]]:
    query = _query(text)
    documents = outgoing_scope(user).filter(search_vector=query).exclude(status=OutgoingStatus.CANCELLED)
    documents = _filtered(documents, filters)
    rows = (
        documents.annotate(rank=SearchRank(F("search_vector"), query), at=Coalesce("issued_at", "created_at"))
        .order_by("-rank", "-at", "-pk")
        .values_list("rank", "at", "pk")[:limit]
    )
    return [(float(rank), at, pk) for rank, at, pk in rows]


def document_search(*, user: Any, filters: SearchFilters, page: int = 1) -> SearchPage:
    """One page of the documents the user may see that match ``filters``: best match first, then the newest."""
    page = max(1, min(page, MAX_PAGE))
    terms = search_terms(filters.query)[:MAX_TERMS]
    text = tsquery_text(filters.query)
    if not text:
        return SearchPage(hits=[], page=page, has_next=False, terms=[])
    limit = page * PAGE_SIZE + 1
    found: list[tuple[float, dt.datetime, str, int]] = []
    if filters.kind in ("", INCOMING):
        found += [(rank, at, INCOMING, pk) for rank, at, pk in _incoming(user, filters, text, limit)]
    if filters.kind in ("", OUTGOING):
        found += [(rank, at, OUTGOING, pk) for rank, at, pk in _outgoing(user, filters, text, limit)]
    ordered = heapq.nlargest(limit, found, key=lambda row: (row[0], row[1], row[3]))
    window = ordered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    hits = [SearchHit(kind=kind, pk=pk, rank=rank, date=at) for rank, at, kind, pk in window]
    _attach(hits, terms)
    return SearchPage(hits=hits, page=page, has_next=len(ordered) > page * PAGE_SIZE, terms=terms)


def _attach(hits: list[SearchHit], terms: list[str]) -> None:
    """The documents of the page (two queries) and a marked snippet of their file text (two more)."""
    incoming_ids = [h.pk for h in hits if h.kind == INCOMING]
    outgoing_ids = [h.pk for h in hits if h.kind == OUTGOING]
    documents: dict[tuple[str, int], Any] = {}
    texts: dict[tuple[str, int], list[str]] = {}
    if incoming_ids:
        for incoming in IncomingDocument.objects.filter(pk__in=incoming_ids).select_related("document_type"):
            documents[(INCOMING, incoming.pk)] = incoming
        files = DocumentFile.objects.filter(incoming_id__in=incoming_ids).exclude(kind=DocumentFile.Kind.DRAFT)
        for owner, body in files.order_by("pk").values_list("incoming_id", "text"):
            texts.setdefault((INCOMING, owner), []).append(body)
    if outgoing_ids:
        for outgoing in OutgoingDocument.objects.filter(pk__in=outgoing_ids).select_related("document_type"):
            documents[(OUTGOING, outgoing.pk)] = outgoing
        files = DocumentFile.objects.filter(outgoing_id__in=outgoing_ids)
        for owner, body in files.order_by("-version", "-pk").values_list("outgoing_id", "text"):
            texts.setdefault((OUTGOING, owner), []).append(body)
    pattern = match_pattern(terms)
    for hit in hits:
        hit.document = documents.get((hit.kind, hit.pk))
        if hit.document is None:
            continue
        hit.subject = marked(hit.document.subject, pattern)
        if not any(highlighted for _part, highlighted in hit.subject):
            for body in texts.get((hit.kind, hit.pk), []):
                hit.snippet = snippet(body, pattern)
                if hit.snippet:
                    break


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
