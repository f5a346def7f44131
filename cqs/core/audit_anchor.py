"""Anchors of the audit chain outside the database (docs/audit.md).

An anchor is the chain's head (sequence number and hash) at a moment, written as one JSON line
to an append-only file (``settings.CQS_AUDIT_ANCHOR_FILE``) and handed to every configured sink
(``settings.CQS_AUDIT_ANCHOR_SINKS``, e.g. a second system). Each line carries a MAC keyed by
``settings.CQS_AUDIT_KEY`` and, when ``settings.CQS_AUDIT_SEAL`` names a sealing module, a
signature with the platform's certificate that anyone holding the certificate can check.

Anchors are written every ``CQS_AUDIT_ANCHOR_SECONDS`` by a periodic job of the background worker
(``core.audit_anchor``, ``cqs.core.tasks``), once across every worker and host, and on demand by
``manage.py audit_anchor``. Whoever empties or rewrites the tables cannot take back what is already
in the file or the other system.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import threading
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from cqs.core.models import AuditHead

_lock = threading.Lock()


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str
    database: str
    seal: dict[str, Any] | None = None

    @property
    def at_text(self) -> str:
        try:
            moment = timezone.localtime(dt.datetime.fromisoformat(self.at))
        except ValueError:
            return self.at
        return moment.strftime("%H:%M:%S %d/%m/%Y")

    def payload(self) -> bytes:
        """The bytes the MAC and the seal cover."""
        body = {"seq": self.seq, "hash": self.hash, "at": self.at, "database": self.database}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def mac(self) -> str:
        signed = self.payload() + json.dumps(self.seal, sort_keys=True, separators=(",", ":")).encode()
        return hmac.new(settings.CQS_AUDIT_KEY.encode(), b"anchor:" + signed, hashlib.sha256).hexdigest()

    def line(self) -> str:
        record = {
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at,
            "database": self.database,
            "seal": self.seal,
            "mac": self.mac(),
        }
        return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _database() -> str:
    """The database whose chain is anchored (one anchor file may serve several, e.g. a test instance)."""
    return str(connection.settings_dict["NAME"])


def _seal_module() -> ModuleType | None:
    path = getattr(settings, "CQS_AUDIT_SEAL", "") or ""
    return import_module(path) if path else None


def anchor_write() -> Anchor | None:
    """Append the committed head of the chain to the anchor file and the sinks; None for an empty chain."""
    head = AuditHead.objects.filter(pk=1).first()
    if head is None or head.seq == 0:
        return None
    at = timezone.now().astimezone(dt.UTC).isoformat()
    unsealed = Anchor(seq=head.seq, hash=head.hash, at=at, database=_database())
    module = _seal_module()
    seal = module.seal(unsealed.payload()) if module is not None else None
    anchor = Anchor(seq=unsealed.seq, hash=unsealed.hash, at=unsealed.at, database=unsealed.database, seal=seal)
    path = Path(settings.CQS_AUDIT_ANCHOR_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(anchor.line() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    for sink in settings.CQS_AUDIT_ANCHOR_SINKS:
        import_string(sink)(anchor)
    return anchor


def anchor_cron(seconds: int) -> str:
    """The schedule of the anchoring job for an interval: whole seconds under a minute, else whole minutes (UTC)."""
    if seconds < 60:
        return f"* * * * * */{max(seconds, 1)}"
    return f"*/{min(seconds // 60, 59)} * * * *" if seconds < 3600 else f"0 */{min(seconds // 3600, 23)} * * *"


def anchors_read() -> tuple[dict[int, Anchor], list[str]]:
    """The anchors of this database's chain by sequence number, and what is wrong with the lines that are not genuine.

    Genuine anchors of another database sharing the file are left out.
    """
    path = Path(settings.CQS_AUDIT_ANCHOR_FILE)
    anchors: dict[int, Anchor] = {}
    problems: list[str] = []
    if not path.exists():
        return anchors, problems
    module = _seal_module()
    database = _database()
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
                anchor = Anchor(
                    seq=int(record["seq"]),
                    hash=str(record["hash"]),
                    at=str(record["at"]),
                    database=str(record["database"]),
                    seal=record["seal"],
                )
                genuine = hmac.compare_digest(str(record["mac"]), anchor.mac())
            except (ValueError, KeyError, TypeError):
                problems.append(f"Dòng {number} của tệp mốc neo {path} không đọc được (đã bị sửa).")
                continue
            if not genuine:
                problems.append(f"Dòng {number} của tệp mốc neo {path} bị sửa hoặc giả mạo (sai MAC).")
                continue
            if anchor.database != database:
                continue
            if anchor.seal is not None and module is not None:
                refused = module.check(anchor.payload(), anchor.seal)
                if refused:
                    problems.append(f"Dòng {number} của tệp mốc neo {path}: chữ ký số không hợp lệ ({refused}).")
                    continue
            anchors[anchor.seq] = anchor
    return anchors, problems
