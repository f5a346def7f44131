"""Dossier codes: ``<deciding agency's electronic ID code>-YYMMDD-[AA]XXXX`` (REFERENCE §1).

The daily sequence is per deciding agency and per day of receipt; it comes from one
``INSERT … ON CONFLICT … RETURNING`` so two submissions at the same moment never share a
number. ``CQS_DOSSIER_SYSTEM_OWNER`` (two digits, [U]) is put before the sequence when set,
as the nationally centralised format asks.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils import timezone

from cqs.units.models import Agency

_NEXT_SQL = """
INSERT INTO dossiers_dossiersequence (agency_id, day, last) VALUES (%s, %s, 1)
ON CONFLICT (agency_id, day) DO UPDATE SET last = dossiers_dossiersequence.last + 1
RETURNING last
"""


def next_sequence(*, agency: Agency, day: dt.date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SQL, [agency.pk, day])
        row = cursor.fetchone()
    return int(row[0])


def dossier_code_new(*, agency: Agency, at: dt.datetime) -> str:
    day = timezone.localtime(at).date()
    sequence = next_sequence(agency=agency, day=day)
    owner = settings.CQS_DOSSIER_SYSTEM_OWNER
    return f"{agency.electronic_code}-{day:%y%m%d}-{owner}{sequence:04d}"
