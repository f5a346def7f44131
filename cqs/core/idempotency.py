"""``Idempotency-Key`` for every API write (docs/api.md): a retried request gets the first answer, nothing more changes.

Two decorators applied to every operation by config/api.py work together on a POST, PUT, PATCH or
DELETE that carries the header:

- ``idempotent_transaction`` (around the whole operation: authentication, handler, answer) opens one
  transaction; when the operation answered 2xx it stores that answer in the request's row, else it
  drops the row, so that the same key may be tried again (a refused request changed nothing);
- ``idempotent_claim`` (around the handler, once the caller is known and the input policy passed)
  writes the row keyed by (caller, key) before the handler runs. A second request with that key waits
  on the row's unique constraint until the first commits, then gets its answer replayed (header
  ``Idempotent-Replayed: true``), or 422 when its method, path or body differ.

Keys are remembered for ``CQS_IDEMPOTENCY_HOURS`` (24 by default); an expired row met by a new request
gives way to it, and the background worker deletes the others every hour (``core.idempotency_purge``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.core.api import Unprocessable
from cqs.core.models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_RE = re.compile(r"^[\x21-\x7e]{1,100}$")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PURGE_BATCH = 1000
# The description of the header, shared by every write of the OpenAPI schema.
HEADER_HELP = (
    "Tuỳ chọn, cho mọi thao tác ghi (POST, PUT, PATCH, DELETE): 1–100 ký tự ASCII nhìn thấy được, mỗi thao "
    "tác một khoá mới (ví dụ một UUID). Gửi lại đúng yêu cầu với cùng khoá (khi mất kết nối) nhận lại câu trả "
    "lời lần đầu (cùng mã trạng thái và nội dung, tiêu đề `Idempotent-Replayed: true`) mà không thay đổi gì "
    "thêm; cùng khoá cho một yêu cầu khác (khác đường dẫn hoặc nội dung) bị từ chối (422). Khoá của mỗi tài "
    "khoản, được nhớ trong 24 giờ (CQS_IDEMPOTENCY_HOURS); yêu cầu bị từ chối (4xx, 5xx) không được nhớ."
)


class _Claim:
    """What the claim left on the request for the transaction around it: the row, or a replayed answer."""

    def __init__(self, row: IdempotentRequest | None) -> None:
        self.row = row


def _key(request: HttpRequest) -> str | None:
    if request.method not in WRITES:
        return None
    return (request.headers.get(HEADER) or "").strip() or None


def _canonical_body(request: HttpRequest) -> Any:
    """The request's content, independent of how it was encoded (JSON key order, multipart boundaries)."""
    if request.content_type == "multipart/form-data":
        return {
            "fields": sorted((key, values) for key, values in request.POST.lists()),
            "files": sorted(
                (key, [(upload.name, _file_digest(upload)) for upload in uploads])
                for key, uploads in request.FILES.lists()
            ),
        }
    raw = request.body
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        return raw.decode("utf-8", "replace")


def _file_digest(upload: Any) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def fingerprint(request: HttpRequest) -> str:
    described = [request.method, request.path, sorted(request.GET.lists()), _canonical_body(request)]
    return hashlib.sha256(json.dumps(described, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def idempotent_requests_purge() -> int:
    """Delete the rows whose key has expired, a batch per transaction (rows a request holds are skipped); how many."""
    deleted = 0
    while True:
        with transaction.atomic():
            expired = IdempotentRequest.objects.filter(expires_at__lt=timezone.now()).select_for_update(
                skip_locked=True
            )
            batch = list(expired.values_list("pk", flat=True)[:_PURGE_BATCH])
            IdempotentRequest.objects.filter(pk__in=batch).delete()
        deleted += len(batch)
        if len(batch) < _PURGE_BATCH:
            return deleted


def _replay(row: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status_code or 200, content_type=row.content_type or None)
    response[REPLAYED_HEADER] = "true"
    return response


def _reused() -> Unprocessable:
    return Unprocessable(
        _(
            "Khoá Idempotency-Key này đã dùng cho một yêu cầu khác (khác đường dẫn hoặc nội dung); "
            "mỗi thao tác cần một khoá mới."
        ),
        code="idempotency_key_reused",
    )


def _claim(*, user: Any, key: str, print_: str) -> IdempotentRequest | HttpResponse:
    """The new row of (user, key), or the first answer to replay; ``Unprocessable`` for a reused key."""
    now = timezone.now()
    expires_at = now + dt.timedelta(hours=int(settings.CQS_IDEMPOTENCY_HOURS))
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotentRequest.objects.create(user=user, key=key, fingerprint=print_, expires_at=expires_at)
        except IntegrityError:
            pass
        existing = IdempotentRequest.objects.filter(user=user, key=key).first()
        if existing is None:  # answered with a refusal meanwhile, or purged: take the key
            continue
        if existing.expires_at < now:
            existing.delete()
            continue
        if existing.fingerprint != print_ or existing.status_code is None:
            raise _reused()
        return _replay(existing)
    raise _reused()


def idempotent_claim(view: Callable[..., Any]) -> Callable[..., Any]:
    """Around each API handler: take the request's key before the handler runs, or replay the first answer."""

    @functools.wraps(view)
    def claimed(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = _key(request)
        claim = getattr(request, "_cqs_idempotency", None)
        user = getattr(request, "auth", None)
        if key is None or claim is None or getattr(user, "pk", None) is None:
            return view(request, *args, **kwargs)
        if not KEY_RE.match(key):
            raise Unprocessable(
                _("Khoá Idempotency-Key gồm 1–100 ký tự ASCII nhìn thấy được, không có dấu cách."),
                code="idempotency_key_invalid",
            )
        found = _claim(user=user, key=key, print_=fingerprint(request))
        if isinstance(found, HttpResponse):
            return found
        claim.row = found
        return view(request, *args, **kwargs)

    return claimed


def idempotent_transaction(run: Callable[..., Any]) -> Callable[..., Any]:
    """Around each API operation: one transaction for a keyed write, its 2xx answer kept with its row."""

    @functools.wraps(run)
    def kept(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if _key(request) is None:
            return run(request, *args, **kwargs)
        claim = _Claim(None)
        request._cqs_idempotency = claim  # type: ignore[attr-defined]
        with transaction.atomic():
            response = run(request, *args, **kwargs)
            row = claim.row
            if row is not None and 200 <= response.status_code < 300 and not response.streaming:
                row.status_code = response.status_code
                row.content_type = response.get("Content-Type", "")
                row.body = response.content
                row.save(update_fields=["status_code", "content_type", "body"])
            elif row is not None and not transaction.get_connection().needs_rollback:
                row.delete()  # refused: the key may be tried again (a broken transaction drops the row itself)
        return response

    return kept


def openapi_documented(schema: dict[str, Any]) -> None:
    """The OpenAPI schema with the header described once (``components.parameters``) and named by every write."""
    parameters = schema.setdefault("components", {}).setdefault("parameters", {})
    parameters["IdempotencyKey"] = {
        "name": HEADER,
        "in": "header",
        "required": False,
        "description": HEADER_HELP,
        "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": KEY_RE.pattern},
    }
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if method.upper() in WRITES:
                operation.setdefault("parameters", []).append({"$ref": "#/components/parameters/IdempotencyKey"})
