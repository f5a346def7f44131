"""Whom the exchange believes: the root CAs trusted here, the revoked certificates, the check of a sender's signature.

A message refused before its sender is proven and known is not kept (``not_kept``): a log line
with the reason, a 400 to the caller, nothing in the database or on disk.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from cqs.core.errors import ValidationFailed
from cqs.documents.exchange import edxml, xmldsig
from cqs.signing import ca
from cqs.signing.models import Certificate

logger = logging.getLogger("cqs.documents.exchange.receive")


def trusted_roots() -> list[Any]:
    """The root CAs this platform trusts (its own and the partners' imported ones), not revoked."""
    return [
        ca.cert_load(c.certificate_pem)
        for c in Certificate.objects.filter(kind=Certificate.Kind.CA, issuer__isnull=True, revoked_at__isnull=True)
    ]


def revoked_serials() -> frozenset[str]:
    return frozenset(Certificate.objects.filter(revoked_at__isnull=False).values_list("serial", flat=True))


def sender_verify(data: bytes, *, sender: edxml.Organ, document_id: str) -> None:
    """Refuse a received message, not kept, unless its XMLDSig holds, chains to a root trusted here and names
    the ``sender`` it says it comes from."""
    try:
        xmldsig.signature_verify(
            data,
            trusted_roots=trusted_roots(),
            revoked_serials=revoked_serials(),
            organ_name=sender.name,
            max_bytes=int(settings.CQS_EXCHANGE_MAX_BYTES),
        )
    except ValidationFailed as exc:
        raise not_kept(exc.message, document_id=document_id, sender=sender.organ_id) from exc


def not_kept(reason: str, *, document_id: str = "", sender: str = "") -> ValidationFailed:
    """The refusal of a message that is not stored: a log line with the reason, and the error the caller gets (400)."""
    logger.warning("edXML message refused, not kept: %s (DocumentId %r, from %r)", reason, document_id, sender)
    return ValidationFailed(reason, code="refused")
