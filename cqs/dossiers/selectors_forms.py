"""Reads for the printed forms 01–07 (Circular 03/2025/TT-VPCP): each loads what one form shows, in a few queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from cqs.dossiers.models import Dossier, DossierEvent, DossierFile, DossierStep, FormalNotice, SupplementRequest
from cqs.units.models import Agency

_AGENCY_RELATED = ("unit", "parent")


def _with_agencies(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    related = ["procedure", "version", "received_by"]
    for which in ("receiving_agency", "deciding_agency"):
        related += [which, *(f"{which}__{name}" for name in _AGENCY_RELATED)]
    return queryset.select_related(*related)


def dossier_for_forms(*, code: str) -> Dossier | None:
    """The dossier with everything the forms' headers need (agencies, their units and parents)."""
    return _with_agencies(Dossier.objects.filter(code=code)).first()


def receipt_files(*, dossier: Dossier) -> list[DossierFile]:
    """The papers handed in with the dossier (not the result, not later supplements)."""
    return list(
        dossier.files.exclude(source__in=(DossierFile.Source.RESULT, DossierFile.Source.SUPPLEMENT))
        .select_related("required_document")
        .order_by("required_document__position", "id")
    )


def supplement_request_latest(*, dossier: Dossier) -> SupplementRequest | None:
    return (
        SupplementRequest.objects.filter(dossier=dossier)
        .select_related("requested_by")
        .order_by("-requested_at", "-id")
        .first()
    )


def notice_latest(*, dossier: Dossier, form: str) -> FormalNotice | None:
    return (
        FormalNotice.objects.filter(dossier=dossier, form=form)
        .select_related("issued_by")
        .order_by("-issued_at", "-id")
        .first()
    )


def has_supplement_request(*, dossier: Dossier) -> bool:
    return SupplementRequest.objects.filter(dossier=dossier).exists()


def has_notice(*, dossier: Dossier, form: str) -> bool:
    return FormalNotice.objects.filter(dossier=dossier, form=form).exists()


def event_data_latest(*, dossier: Dossier, action: str) -> dict[str, Any]:
    event = DossierEvent.objects.filter(dossier=dossier, action=action).order_by("-at", "-id").only("data").first()
    return dict(event.data) if event is not None and isinstance(event.data, dict) else {}


def control_steps(*, dossier: Dossier) -> list[DossierStep]:
    """The hand-overs of the control sheet (form 06), in order."""
    return list(
        DossierStep.objects.filter(dossier=dossier)
        .select_related("agency", "handed_by", "handled_by")
        .order_by("started_at", "id")
    )


def _year_start(moment: dt.datetime) -> dt.datetime:
    local = timezone.localtime(moment)
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def _received_before(received_at: dt.datetime, pk: int) -> Q:
    return Q(received_at__lt=received_at) | Q(received_at=received_at, pk__lt=pk)


def register_row_of(*, dossier: Dossier) -> int | None:
    """The row of the dossier in its receiving agency's register of the year (order of receipt)."""
    if dossier.received_at is None:
        return None
    earlier = Dossier.objects.filter(
        _received_before(dossier.received_at, dossier.pk),
        receiving_agency_id=dossier.receiving_agency_id,
        received_at__gte=_year_start(dossier.received_at),
    ).count()
    return earlier + 1


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def register_count(*, agency: Agency, start: dt.date, end: dt.date) -> int:
    return Dossier.objects.filter(
        receiving_agency=agency,
        received_at__gte=_local_midnight(start),
        received_at__lt=_local_midnight(end + dt.timedelta(days=1)),
    ).count()


def register_entries(*, agency: Agency, start: dt.date, end: dt.date) -> list[tuple[int, Dossier]]:
    """The register (form 07) of the dossiers received at ``agency`` from ``start`` to ``end``, with yearly rows.

    Rows restart each calendar year (one register book a year); the first row of the period
    continues the count of the year so far. Two queries, whatever the period.
    """
    since, until = _local_midnight(start), _local_midnight(end + dt.timedelta(days=1))
    dossiers = list(
        _with_agencies(
            Dossier.objects.filter(receiving_agency=agency, received_at__gte=since, received_at__lt=until)
        ).order_by("received_at", "id")
    )
    if not dossiers:
        return []
    first = dossiers[0]
    assert first.received_at is not None
    row = Dossier.objects.filter(
        _received_before(first.received_at, first.pk),
        receiving_agency=agency,
        received_at__gte=_year_start(first.received_at),
    ).count()
    entries: list[tuple[int, Dossier]] = []
    year = timezone.localtime(first.received_at).year
    for dossier in dossiers:
        assert dossier.received_at is not None
        current = timezone.localtime(dossier.received_at).year
        if current != year:
            year, row = current, 0
        row += 1
        entries.append((row, dossier))
    return entries
