"""A dossier's numbers: its code and its row in the register of dossiers (form 07).

Codes are ``<deciding agency's electronic ID code>-YYMMDD-[AA]XXXX`` (REFERENCE §1): the
sequence runs per deciding agency and per day of filing. ``CQS_DOSSIER_SYSTEM_OWNER`` (two
digits, [U]) is put before the sequence when set, as the nationally centralised format asks.
Register rows run per receiving agency and per year of receipt, from 1 on 1 January. Both come
from ``cqs.core.sequences``: two filings or receptions at the same moment never share a number,
and a filing or reception that fails gives its number back.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from cqs.core.calendar import office_timezone
from cqs.core.sequences import day_period, sequence_next, year_period
from cqs.units.models import Agency

CODE_SCOPE = "dossier_code"
REGISTER_SCOPE = "dossier_register"


def dossier_code_new(*, agency: Agency, at: dt.datetime) -> str:
    """The code of a dossier the agency decides, filed at ``at``."""
    day = timezone.localtime(at, office_timezone()).date()
    sequence = sequence_next(scope=CODE_SCOPE, agency_id=agency.pk, period=day_period(day))
    owner = settings.CQS_DOSSIER_SYSTEM_OWNER
    return f"{agency.electronic_code}-{day:%y%m%d}-{owner}{sequence:04d}"


def register_row_new(*, agency_id: int, at: dt.datetime) -> int:
    """The next row of the receiving agency's register of the year of ``at``."""
    return sequence_next(scope=REGISTER_SCOPE, agency_id=agency_id, period=year_period(at))
