"""Numbers and symbols of documents (Decree 30/2020/NĐ-CP, REFERENCE §3).

Numbers run from 01 on 1 January per agency, per year and per register (incoming, outgoing,
and the classified registers apart): ``number_next`` takes the next one from the register's
counter in ``cqs.core.sequences``, which stays locked until the calling transaction ends, so
concurrent issuers queue on it, and a transaction that fails gives its number back by rolling
back. No gaps, no duplicates.
"""

from __future__ import annotations

import datetime as dt

from cqs.core.sequences import sequence_next, year_period
from cqs.documents.models import Department, DocumentType, IssuingProfile, Register, Secrecy
from cqs.units.models import Agency

_DEFAULT_ABBREVIATIONS = {
    Agency.Kind.PROVINCIAL_COMMITTEE: "UBND",
    Agency.Kind.COMMUNE_COMMITTEE: "UBND",
}


def number_scope(register: str) -> str:
    """The counter of a register in ``core.Sequence``: ``document_outgoing``, ``document_incoming_classified``…"""
    return f"document_{Register(register).value}"


def number_next(*, agency: Agency, year: int, register: str) -> int:
    """The next number of ``register``; must run inside the transaction that stores it."""
    return sequence_next(scope=number_scope(register), agency_id=agency.pk, period=year_period(year))


def incoming_register(secrecy: str) -> str:
    return Register.INCOMING if secrecy == Secrecy.NORMAL else Register.INCOMING_CLASSIFIED


def outgoing_register(secrecy: str) -> str:
    return Register.OUTGOING if secrecy == Secrecy.NORMAL else Register.OUTGOING_CLASSIFIED


def agency_abbreviation(agency: Agency) -> str:
    """The agency's abbreviation in symbols: its issuing profile, else ``UBND`` for committees."""
    profile = IssuingProfile.objects.filter(agency=agency).first()
    if profile is not None:
        return profile.abbreviation
    return _DEFAULT_ABBREVIATIONS.get(Agency.Kind(agency.kind), "") or agency.short_name.replace(" ", "")


def place_name(agency: Agency) -> str:
    """The place name written before the date ("Nghệ An, ngày …")."""
    profile = IssuingProfile.objects.filter(agency=agency).first()
    if profile is not None:
        return profile.place_name
    return agency.unit.name


def notation_for(*, document_type: DocumentType, agency: Agency, drafting_department: Department) -> str:
    """``QĐ-UBND`` for a typed document; ``UBND-VP`` (agency-drafting unit) for an official letter."""
    own = agency_abbreviation(agency)
    if document_type.is_letter:
        return f"{own}-{drafting_department.abbreviation}"
    return f"{document_type.abbreviation}-{own}"


def date_line(place: str, day: dt.date) -> str:
    """The place and date line of a document: a day below 10 and the months 1 and 2 take a leading zero (Decree 30)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"
