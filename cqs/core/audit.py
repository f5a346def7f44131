"""The audit log: every state change appended to one hash chain.

Appending takes a transaction-level advisory lock so that the chain stays a
single line under concurrent writers; the lock is released when the business
transaction commits, and the row commits with it or not at all.

The chain is anchored outside the database (docs/audit.md): each row carries a MAC
(HMAC-SHA256 keyed by ``settings.CQS_AUDIT_KEY``, which the database never holds), so
rows rewritten with every later hash recomputed no longer verify; and the head is
appended at intervals by the background worker, signed, to a file (``cqs.core.audit_anchor``),
so emptying or cutting the tables is detected too.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from cqs.core import audit_anchor
from cqs.core.models import AuditEvent, AuditHead

GENESIS = "0" * 64
_ADVISORY_LOCK_KEY = 7_660_118  # any constant shared by all writers of the chain


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    actor_label: str = ""


NO_REQUEST = RequestContext()
current_request: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "cqs_request_context", default=NO_REQUEST
)


def jsonable(value: Any) -> Any:
    """A JSON value that reads back the same, so the hash can be recomputed."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, models.Model):
        return value.pk if isinstance(value.pk, int) else str(value.pk)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a model row, as the audit log stores them."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"password"}:
            continue
        data[field.name] = jsonable(getattr(instance, field.attname))
    return data


def _digest(
    *,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    ip_address: str | None,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
    prev_hash: str,
) -> str:
    payload = json.dumps(
        [
            seq,
            at.astimezone(dt.UTC).isoformat(),
            actor_id,
            actor_label,
            ip_address,
            action,
            object_type,
            object_id,
            before,
            after,
            prev_hash,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def event_digest(event: AuditEvent) -> str:
    """The hash an event's fields and the hash it follows give: what its ``hash`` must be."""
    return _digest(
        seq=event.seq,
        at=event.at,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        ip_address=event.ip_address,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        before=event.before,
        after=event.after,
        prev_hash=event.prev_hash,
    )


def audit_mac(*, seq: int, hash: str) -> str:
    """The MAC of a link: only a holder of ``CQS_AUDIT_KEY`` can make it."""
    return hmac.new(settings.CQS_AUDIT_KEY.encode(), f"{seq}:{hash}".encode(), hashlib.sha256).hexdigest()


def audit_record(
    *,
    actor: Any | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Append one event; must run inside the transaction that makes the change."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id if object_id is not None else obj.pk
    context = current_request.get()
    actor_obj = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    actor_label = str(actor_obj.get_username()) if actor_obj is not None else (context.actor_label or "hệ thống")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        prev_seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS)
        fields: dict[str, Any] = {
            "seq": prev_seq + 1,
            "at": timezone.now(),
            "actor_id": actor_obj.pk if actor_obj is not None else None,
            "actor_label": actor_label,
            "ip_address": context.ip_address,
            "action": action,
            "object_type": object_type or "",
            "object_id": str(object_id if object_id is not None else ""),
            "before": jsonable(before),
            "after": jsonable(after),
            "prev_hash": prev_hash,
        }
        digest = _digest(**fields)
        event = AuditEvent.objects.create(**fields, hash=digest, mac=audit_mac(seq=fields["seq"], hash=digest))
        AuditHead.objects.update_or_create(pk=1, defaults={"seq": event.seq, "hash": event.hash})
    return event


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    message: str


def audit_verify() -> Iterator[ChainProblem]:
    """Walk the chain from its start and report every break; no output means intact.

    Each row must follow the one before it, hash to what it says, carry the MAC of that hash,
    and agree with every anchor written outside the database; the head must be the last row.
    """
    anchors, anchor_problems = audit_anchor.anchors_read()
    for message in anchor_problems:
        yield ChainProblem(0, message)
    expected_prev = GENESIS
    expected_seq = 1
    last_seq, last_hash = 0, GENESIS
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            missing = str(expected_seq) if event.seq - 1 == expected_seq else f"{expected_seq}–{event.seq - 1}"
            yield ChainProblem(expected_seq, f"Thiếu bản ghi số {missing} (đã bị xoá).")
        if event.prev_hash != expected_prev:
            yield ChainProblem(event.seq, f"Bản ghi số {event.seq} không nối với bản ghi trước nó.")
        if event_digest(event) != event.hash:
            yield ChainProblem(event.seq, f"Bản ghi số {event.seq} đã bị sửa sau khi ghi.")
        elif not hmac.compare_digest(event.mac, audit_mac(seq=event.seq, hash=event.hash)):
            yield ChainProblem(
                event.seq,
                f"Bản ghi số {event.seq} không mang mã xác thực (MAC) đúng: chuỗi đã bị viết lại từ đây.",
            )
        anchor = anchors.pop(event.seq, None)
        if anchor is not None and anchor.hash != event.hash:
            yield ChainProblem(
                event.seq, f"Bản ghi số {event.seq} khác với mốc neo lúc {anchor.at_text}: chuỗi đã bị viết lại."
            )
        expected_prev = event.hash
        expected_seq = event.seq + 1
        last_seq, last_hash = event.seq, event.hash
    if anchors:
        newest = anchors[max(anchors)]
        yield ChainProblem(
            newest.seq,
            f"{len(anchors)} mốc neo (mốc cuối: bản ghi số {newest.seq}, lúc {newest.at_text}) chỉ tới bản ghi "
            "không còn trong cơ sở dữ liệu: nhật ký đã bị cắt bớt hoặc xoá.",
        )
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != last_seq or head.hash != last_hash):
        yield ChainProblem(head.seq, f"Các bản ghi cuối chuỗi (đến số {head.seq}) đã bị xoá hoặc sửa.")
