"""The frozen internal process and the clock: opening and closing steps, pauses, moving on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from cqs.accounts.models import Role
from cqs.catalog.models import ProcedureVersion, ProcessStep
from cqs.core.calendar import WorkingCalendar
from cqs.dossiers import clock, transitions
from cqs.dossiers.models import (
    Dossier,
    DossierPause,
    DossierStep,
)
from cqs.dossiers.services.base import S, _event, _save
from cqs.units.models import Agency


def _process(version: ProcedureVersion) -> list[ProcessStep]:
    return list(version.process_steps.order_by("position"))


def _step_agency(dossier: Dossier, step: ProcessStep) -> Agency:
    if step.unit_kind == ProcessStep.UnitKind.ONE_STOP:
        return dossier.receiving_agency
    return dossier.deciding_agency


def _open_step(
    dossier: Dossier,
    step: ProcessStep,
    *,
    at: dt.datetime,
    actor: Any,
    calendar: WorkingCalendar,
    cutoff: dt.time | None = None,
) -> None:
    agency = _step_agency(dossier, step)
    DossierStep.objects.create(
        dossier=dossier,
        position=step.position,
        name=step.name,
        role=step.role,
        agency=agency,
        handed_by=actor if getattr(actor, "is_authenticated", False) else None,
        started_at=at,
        due_at=clock.due_after(calendar, at, step.duration_hours, cutoff=cutoff),
    )
    dossier.current_step = step.position
    dossier.current_role = step.role
    dossier.current_agency = agency
    dossier.status = S.AWAITING_APPROVAL if step.role == Role.LEADER else S.PROCESSING


def _close_step(
    dossier: Dossier, *, at: dt.datetime, actor: Any, outcome: str, note: str, calendar: WorkingCalendar
) -> None:
    row = dossier.steps.filter(finished_at__isnull=True).order_by("-started_at", "-id").first()
    if row is None:
        return
    row.finished_at = at
    row.handled_by = actor if getattr(actor, "is_authenticated", False) else None
    row.timing = clock.timing_of(calendar, done_at=at, due_at=row.due_at)
    row.outcome = outcome
    row.note = note
    row.save(update_fields=["finished_at", "handled_by", "timing", "outcome", "note"])


def _next_step(steps: Sequence[ProcessStep], position: int | None) -> ProcessStep | None:
    for step in steps:
        if position is None or step.position > position:
            return step
    return None


def _start_clock(dossier: Dossier, *, at: dt.datetime, calendar: WorkingCalendar) -> None:
    cutoff = dossier.version.afternoon_cutoff
    dossier.received_at = at
    dossier.clock_started_at = calendar.start_of_counting(at, cutoff=cutoff)
    dossier.due_at = clock.due_after(calendar, at, dossier.statutory_hours, cutoff=cutoff)
    dossier.original_due_at = dossier.due_at


def _pause(dossier: Dossier, *, reason: str, at: dt.datetime) -> None:
    if dossier.received_at is not None and dossier.paused_since is None:
        dossier.paused_since = at
        DossierPause.objects.create(dossier=dossier, reason=reason, started_at=at)


def _resume(dossier: Dossier, *, at: dt.datetime, calendar: WorkingCalendar) -> float:
    """End the pause; move the dossier's and the open step's due times by the paused working hours."""
    if dossier.paused_since is None:
        return 0.0
    hours = clock.paused_hours(calendar, dossier.paused_since, at)
    DossierPause.objects.filter(dossier=dossier, ended_at__isnull=True).update(ended_at=at)
    if dossier.due_at is not None and hours > 0:
        dossier.due_at = calendar.add_working_hours(dossier.due_at, hours)
        for row in dossier.steps.filter(finished_at__isnull=True):
            row.due_at = calendar.add_working_hours(row.due_at, hours)
            row.save(update_fields=["due_at"])
    dossier.paused_since = None
    return hours


def _resting_status(dossier: Dossier) -> str:
    """Where a dossier goes back to after a pause: before acceptance, to reception; else to its step."""
    if dossier.received_at is None:
        return S.SUBMITTED
    step = next((s for s in _process(dossier.version) if s.position == dossier.current_step), None)
    if step is not None and dossier.current_agency_id != _step_agency(dossier, step).pk:
        return S.TRANSFERRED  # held by a coordinating agency (liên thông), whichever agency that is
    if dossier.current_role == Role.LEADER:
        return S.AWAITING_APPROVAL
    return S.PROCESSING


def _advance(dossier: Dossier, *, actor: Any, action: str, note: str, outcome: str) -> None:
    """Close the current step and open the next (the guard has made sure a handling step follows)."""
    calendar, now, before = WorkingCalendar(), timezone.now(), dossier.status
    remaining = transitions.remaining_steps(dossier)
    _close_step(dossier, at=now, actor=actor, outcome=outcome, note=note, calendar=calendar)
    _open_step(dossier, remaining[0], at=now, actor=actor, calendar=calendar)
    dossier.assignee = None
    _save(dossier, "status", "current_step", "current_role", "current_agency", "assignee")
    _event(
        dossier, action=action, actor=actor, from_status=before, note=note, data={"step": dossier.current_step}, at=now
    )
