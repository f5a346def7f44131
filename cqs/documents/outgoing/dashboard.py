"""The unit dashboard's figures on outgoing documents: how many were sent electronically and signed digitally.

Read-only. For an agency and a period (local dates, both ends included), the population is the
documents it issued in the period (``issued_at``). Two shares:

* sent electronically: at least one recipient on this platform or on the national exchange
  (internal or edXML) to which the document was actually sent (``sent_at``), ÷ issued documents
  that may travel electronically (classified documents never do, so they are left out of both);
* signed digitally: the leader's signed copy (a ``signed`` file) and the organisation's signature
  at issuing (the issued copy registered for public verification under the document's code),
  ÷ all issued documents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from cqs.documents.models import DocumentFile, OutgoingDocument, OutgoingStatus, Recipient, Secrecy
from cqs.signing.models import VerifiableDocument
from cqs.units.models import Agency


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def outgoing_shares(*, agency: Agency, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Issued, sent electronically, signed digitally (counts and % of the right population) for the period."""
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    until = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    sent_electronically = Exists(
        Recipient.objects.filter(
            outgoing=OuterRef("pk"),
            channel__in=(Recipient.Channel.INTERNAL, Recipient.Channel.EDXML),
            sent_at__isnull=False,
        )
    )
    signed_by_leader = Exists(DocumentFile.objects.filter(outgoing=OuterRef("pk"), kind=DocumentFile.Kind.SIGNED))
    sealed = Exists(
        VerifiableDocument.objects.filter(
            code=OuterRef("verification_code"), source=VerifiableDocument.Source.OUTGOING_DOCUMENT
        )
    )
    unclassified = Q(secrecy=Secrecy.NORMAL)
    row = OutgoingDocument.objects.filter(
        agency=agency, status=OutgoingStatus.ISSUED, issued_at__gte=since, issued_at__lt=until
    ).aggregate(
        issued=Count("pk"),
        may_travel=Count("pk", filter=unclassified),
        electronic=Count("pk", filter=unclassified & Q(sent_electronically)),
        signed=Count("pk", filter=Q(signed_by_leader) & Q(sealed)),
    )
    return {
        "issued": row["issued"],
        "may_travel": row["may_travel"],
        "electronic": row["electronic"],
        "electronic_rate": _rate(row["electronic"], row["may_travel"]),
        "signed": row["signed"],
        "signed_rate": _rate(row["signed"], row["issued"]),
    }
