"""Helpers for the state-machine tests: moments in the office's time zone, "nothing changed" snapshots,
refusals that must change nothing, dossiers brought to a state through the services."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from cqs.core.models import AuditEvent, Sequence
from cqs.dossiers import services
from cqs.dossiers.models import Dossier, DossierEvent, DossierFile, FormalNotice, StoredPaper
from cqs.dossiers.tests.factories import World, filing

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NOT_A_PDF = b"MZ\x90\x00 this is an executable, not a PDF" + b"\x00" * 64
NOT_FOUND = "Không tìm thấy hồ sơ."


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment in Vietnam's time zone."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=VN)


def upload(content: bytes, name: str) -> Any:
    file = io.BytesIO(content)
    file.name = name
    return file


def media_files() -> list[str]:
    """Every file under MEDIA_ROOT (the tests point it at a temporary folder)."""
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def state(dossier: Dossier | None = None) -> dict[str, Any]:
    """What a refused action must leave exactly as it was."""
    snapshot: dict[str, Any] = {
        "dossiers": Dossier.objects.count(),
        "events": DossierEvent.objects.count(),
        "audit": AuditEvent.objects.count(),
        "files": DossierFile.objects.count(),
        "notices": FormalNotice.objects.count(),
        "papers": StoredPaper.objects.count(),
        "sequences": list(Sequence.objects.order_by("pk").values_list("scope", "agency_id", "period", "last")),
        "media": media_files(),
    }
    if dossier is not None:
        row = Dossier.objects.get(pk=dossier.pk)
        snapshot["dossier"] = {
            name: getattr(row, name)
            for name in (
                "status",
                "due_at",
                "original_due_at",
                "paused_since",
                "current_step",
                "current_role",
                "current_agency_id",
                "supplement_count",
                "extension_count",
                "rating",
                "register_row",
                "closed_at",
            )
        }
        snapshot["steps"] = list(row.steps.order_by("id").values_list("id", "due_at", "finished_at"))
    return snapshot


def submitted(w: World, **overrides: Any) -> Dossier:
    return services.dossier_submit_online(applicant=w.citizen, filing=filing(w, **overrides))


def accepted(w: World, **overrides: Any) -> Dossier:
    return services.dossier_accept(dossier=submitted(w, **overrides), actor=w.officer)


def awaiting_approval(w: World) -> Dossier:
    return services.dossier_forward(dossier=accepted(w), actor=w.specialist, note="Đủ điều kiện")


def finished(w: World) -> Dossier:
    return services.dossier_approve(dossier=awaiting_approval(w), actor=w.leader, note="Đồng ý")


def refused(error: type[Exception], message: str, call: Any, dossier: Dossier | None = None) -> None:
    """The call raises exactly ``message`` and leaves status, events, audit rows and files as they were."""
    before = state(dossier)
    with pytest.raises(error) as caught:
        call()
    assert caught.value.message == message  # type: ignore[attr-defined]
    assert state(dossier) == before


def invalid(action: str, dossier: Dossier, status: str) -> str:
    return f"Không thể {action}: hồ sơ {dossier.code} đang ở trạng thái «{status}»."


def supplement(dossier: Dossier, actor: Any) -> Dossier:
    return services.dossier_request_supplement(
        dossier=dossier,
        actor=actor,
        items=["Bản sao giấy chứng sinh"],
        reason="Thiếu giấy chứng sinh",
        contact="Chị Hoa",
    )
