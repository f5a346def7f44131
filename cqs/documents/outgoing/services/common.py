"""What every write on an outgoing document shares: the guarded lock, the audit, storing a PDF of it."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from cqs.core.audit import audit_record, snapshot
from cqs.core.text import nfc
from cqs.documents.models import (
    DocumentFile,
    OutgoingDocument,
    OutgoingStatus,
)
from cqs.documents.outgoing import transitions
from cqs.documents.outgoing.transitions import Action
from cqs.documents.permissions import (
    locked_if_visible,
    outgoing_visible_to,
)
from cqs.documents.search.services import document_file_text_defer

S = OutgoingStatus
AUDIT_FIELDS = [
    "status",
    "drafting_department",
    "document_type",
    "subject",
    "urgency",
    "secrecy",
    "signer",
    "signing_authority",
    "signer_position",
    "copies",
    "keeping_department",
    "reply_to",
    "number",
    "year",
    "register",
    "notation",
    "issued_at",
    "issued_by",
    "signed_at",
    "verification_code",
    "note",
]


def locked(outgoing: OutgoingDocument | int, *, actor: Any, action: Action) -> OutgoingDocument:
    """The document's row locked, if the actor may see it (a stranger learns nothing), once the rule book allows."""
    found = locked_if_visible(outgoing_visible_to(actor), outgoing, not_found=_("Không tìm thấy văn bản."))
    transitions.guard(actor, action, found)
    return found


def audit(outgoing: OutgoingDocument, *, action: str, actor: Any, before: dict[str, Any], **extra: Any) -> None:
    after = snapshot(outgoing, AUDIT_FIELDS)
    after.update(extra)
    audit_record(actor=actor, action=f"outgoing.{action}", obj=outgoing, before=before, after=after)


def bounded_text(value: str, *, limit: int) -> str:
    return nfc(value or "")[:limit]


def store_file(
    outgoing: OutgoingDocument,
    *,
    kind: str,
    version: int,
    name: str,
    data: bytes,
    actor: Any,
    same_text_as: DocumentFile | None = None,
) -> DocumentFile:
    """A PDF of the document; its text and pages to be read by the worker, or those of ``same_text_as`` kept.

    A signed copy reads like the draft it signs: it takes the draft's text and page count.
    """
    digest = hashlib.sha256(data).hexdigest()
    item = DocumentFile(
        outgoing=outgoing,
        kind=kind,
        version=version,
        name=name,
        content_type="application/pdf",
        size=len(data),
        sha256=digest,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        text_pending=same_text_as is None,
    )
    if same_text_as is not None:
        item.text, item.page_count, item.text_problem = (
            same_text_as.text,
            same_text_as.page_count,
            same_text_as.text_problem,
        )
    item.file.save(f"{kind}-{digest[:16]}.pdf", ContentFile(data), save=False)
    item.save()
    if same_text_as is None:
        document_file_text_defer(file_id=item.pk)
    return item


def file_bytes(item: DocumentFile) -> bytes:
    with item.file.open("rb") as handle:
        return bytes(handle.read())
