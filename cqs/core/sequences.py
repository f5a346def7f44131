"""Gap-free numbers: one counter per numbering (scope), agency and period, in ``core.Sequence``.

Every numbering of the platform runs on these functions:

- ``dossier_code`` (``cqs.dossiers.codes``): the sequence in a dossier code, per deciding agency
  and day of filing;
- ``dossier_register`` (``cqs.dossiers.codes``): the row in the register of dossiers (form 07), per
  receiving agency and year of receipt;
- ``document_<register>`` (``cqs.documents.numbering``): document numbers, per agency, year and
  register (incoming, outgoing, each classified register on its own), from 01 on 1 January.

``sequence_next`` takes the next number with one ``INSERT … ON CONFLICT … DO UPDATE … RETURNING``:
the counter's row is created when missing and stays locked until the calling transaction ends, so
concurrent transactions queue on it and each gets its own number; a transaction that rolls back
gives its number back (the next one gets it). No gaps, no duplicates. Periods are strings, a day
(``2026-12-07``) or a year (``2026``), in the office's time zone (``day_period``, ``year_period``).
Bulk loaders that number their rows themselves read the counters first (``sequences_read``) and
raise them after (``sequences_raise``), so later numbers continue after theirs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping

from django.db import connection, transaction

from cqs.core.calendar import office_timezone
from cqs.core.models import Sequence

SequenceKey = tuple[str, int, str]  # scope, agency id, period

_NEXT_SQL = """
INSERT INTO core_sequence (scope, agency_id, period, last) VALUES (%s, %s, %s, 1)
ON CONFLICT (scope, agency_id, period) DO UPDATE SET last = core_sequence.last + 1
RETURNING last
"""

_RAISE_SQL = """
INSERT INTO core_sequence (scope, agency_id, period, last)
SELECT * FROM unnest(%s::varchar[], %s::bigint[], %s::varchar[], %s::integer[])
ON CONFLICT (scope, agency_id, period) DO UPDATE SET last = GREATEST(core_sequence.last, EXCLUDED.last)
"""


def day_period(moment: dt.date) -> str:
    """A daily numbering's period: the day (of a moment: in the office's time zone), ``2026-12-07``."""
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(office_timezone()).date()
    return moment.isoformat()


def year_period(moment: dt.date | int) -> str:
    """A yearly numbering's period: the year (of a moment: in the office's time zone), ``2026``."""
    if isinstance(moment, int):
        return f"{moment:04d}"
    return day_period(moment)[:4]


def sequence_next(*, scope: str, agency_id: int, period: str) -> int:
    """The next number of ``scope`` for the agency in ``period``; must run inside the transaction that uses it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sequence_next must run inside the transaction that uses the number")
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SQL, [scope, agency_id, period])
        row = cursor.fetchone()
    return int(row[0])


def sequence_last(*, scope: str, agency_id: int, period: str) -> int:
    """The last number ``scope`` gave for the agency in ``period`` (0 when none yet); takes nothing."""
    last = Sequence.objects.filter(scope=scope, agency_id=agency_id, period=period).values_list("last", flat=True)
    return next(iter(last), 0)


def sequences_read(*, scopes: Collection[str], since: str = "") -> dict[SequenceKey, int]:
    """The counters of ``scopes`` (from the period ``since`` on, of the scopes' kind), for a bulk loader."""
    rows = Sequence.objects.filter(scope__in=scopes)
    if since:
        rows = rows.filter(period__gte=since)
    found = rows.values_list("scope", "agency_id", "period", "last")
    return {(scope, agency, period): last for scope, agency, period, last in found}


def sequences_raise(lasts: Mapping[SequenceKey, int]) -> None:
    """Raise the counters to at least these last numbers (never lower one), creating those missing; one statement."""
    if not lasts:
        return
    scopes, agencies, periods = zip(*lasts, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(_RAISE_SQL, [list(scopes), list(agencies), list(periods), list(lasts.values())])
