"""The common ground of every dossier service: the guard, events, small helpers.

Every action locks the dossier row, checks who may act (``permissions.may_act``; a refusal
looks like "not found"), asks ``transitions`` whether the dossier's state allows it (a refusal
says why, naming the current state), changes the dossier, writes a ``DossierEvent`` (what
national synchronisation sends) and an audit event in the same transaction, and queues the
citizen's notice after commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.catalog.selectors import RECEIVING_AGENCY_KINDS
from cqs.core.audit import audit_record, jsonable
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.core.text import nfc
from cqs.dossiers import transitions
from cqs.dossiers.models import (
    NATIONAL_STATUS,
    Dossier,
    DossierEvent,
    Status,
)
from cqs.dossiers.permissions import may_act

S = Status

ATTACHMENT_TYPES = {"pdf", "jpeg", "png"}
RESULT_DRAFT_MAX = 5000
APPLICANT_AGENCY_KINDS = RECEIVING_AGENCY_KINDS  # where dossiers are handed in (the catalog's one list)


def _lock(dossier: Dossier | int) -> Dossier:
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    # The row alone is locked; its frozen process comes along once for the rules (``transitions``).
    found = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("version")
        .prefetch_related("version__process_steps")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFoundOrForbidden(_("Không tìm thấy hồ sơ."))
    return found


def _guard(dossier: Dossier, *, action: str, actor: Any) -> None:
    """Who first (a stranger learns nothing), then the state's rules (``transitions``), naming what stops it."""
    if not may_act(actor, action, dossier):
        raise NotFoundOrForbidden(_("Không tìm thấy hồ sơ."))
    reason = transitions.refusal(dossier, action)
    if reason is not None:
        raise InvalidTransition(reason)


def _event(
    dossier: Dossier,
    *,
    action: str,
    actor: Any,
    from_status: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    national_status: int | None = None,
    at: dt.datetime | None = None,
) -> DossierEvent:
    event = DossierEvent.objects.create(
        dossier=dossier,
        at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=from_status,
        to_status=dossier.status,
        national_status=national_status or NATIONAL_STATUS[Status(dossier.status)],
        channel=dossier.channel,
        note=note,
        data=jsonable(data or {}),
    )
    audit_record(
        actor=actor,
        action=f"dossier.{action}",
        obj=dossier,
        before={"status": from_status},
        after={"status": dossier.status, "event": event.pk, "note": note, **(jsonable(data or {}))},
    )
    transaction.on_commit(lambda: _notify_after_commit(event.pk))
    return event


def _notify_after_commit(event_id: int) -> None:
    from cqs.dossiers.notify import dossier_event_notify

    dossier_event_notify(event_id=event_id)


def _save(dossier: Dossier, *fields: str) -> None:
    dossier.save(update_fields=[*fields, "updated_at"])


def _required_text(value: str, message: str) -> str:
    text = nfc(value or "")
    if not text:
        raise ValidationFailed(message)
    return text
