"""Reads for the printed forms 01–07 (Circular 03/2025/TT-VPCP): each loads what one form shows, in a few queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
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


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def register_count(*, agency: Agency, start: dt.date, end: dt.date) -> int:
    return Dossier.objects.filter(
        receiving_agency=agency,
        received_at__gte=_local_midnight(start),
        received_at__lt=_local_midnight(end + dt.timedelta(days=1)),
    ).count()


def register_entries(*, agency: Agency, start: dt.date, end: dt.date) -> list[Dossier]:
    """The register (form 07): dossiers received at ``agency`` from ``start`` to ``end``, in their row order.

    Each dossier's row (``register_row``) was given at receipt and restarts every calendar year.
    """
    since, until = _local_midnight(start), _local_midnight(end + dt.timedelta(days=1))
    return list(
        _with_agencies(
            Dossier.objects.filter(receiving_agency=agency, received_at__gte=since, received_at__lt=until)
        ).order_by("received_at", "register_row")
    )
