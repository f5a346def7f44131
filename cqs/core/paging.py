"""Pages of a list without counting it: fetch one row more than the page to know whether another follows.

Django's ``Paginator`` counts the whole result before showing its first page. Over a million
dossiers that count costs more than the page itself (the desk's "all" box, a common name), so
long lists page by looking one row ahead; a count the caller already has (a work box's figure on
its tab) is passed in and shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class LookAheadPage:
    object_list: list[Any]
    number: int
    has_next: bool
    total: int | None = None  # when the caller knows it
    per_page: int = 1

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def num_pages(self) -> int | None:
        if self.total is None:
            return None
        return max(1, -(-self.total // self.per_page))


def page_number(raw: str | None, *, last: int) -> int:
    """The page asked for in ``?trang=``: a whole number from 1 to ``last``; anything else is page 1."""
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return max(1, min(number, last))


def look_ahead_page(
    rows: QuerySet[Any], *, number: int, per_page: int, total: int | None = None, limit: int | None = None
) -> LookAheadPage:
    """Page ``number`` (from 1) of ``rows`` (of its first ``limit`` rows, if given): the ids of ``per_page + 1``
    rows, then the page's rows by id.

    Two small queries instead of one: the first sorts the matching rows of one table and keeps a
    page of ids; the second joins what the page shows (``select_related``) to those rows only,
    where one query would join every match before sorting them.
    """
    start = (number - 1) * per_page
    end = start + per_page + 1 if limit is None else min(start + per_page + 1, limit)
    ids = list(rows.values_list("pk", flat=True)[start:end]) if start < end else []
    if not ids and number > 1:  # past the end (a stale link): the first page instead
        return look_ahead_page(rows, number=1, per_page=per_page, total=total, limit=limit)
    shown = ids[:per_page]
    found = {row.pk: row for row in rows.order_by().filter(pk__in=shown)}
    return LookAheadPage(
        object_list=[found[pk] for pk in shown if pk in found],
        number=number,
        has_next=len(ids) > per_page,
        total=total,
        per_page=per_page,
    )
