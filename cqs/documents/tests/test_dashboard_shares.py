"""The dashboard's outgoing-document shares: sent electronically and signed digitally, per agency and period."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any

import pytest
from django.utils import timezone

from cqs.documents.models import (
    Department,
    DocumentFile,
    DocumentType,
    OutgoingDocument,
    OutgoingStatus,
    Recipient,
    Secrecy,
)
from cqs.documents.outgoing.dashboard import outgoing_shares
from cqs.documents.tests.factories import PDF_BYTES, documents_world
from cqs.signing.models import VerifiableDocument
from cqs.signing.services import verifiable_register, verification_code_new
from cqs.units.models import Agency

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


def outgoing(
    agency: Agency,
    drafter: Any,
    *,
    status: str = OutgoingStatus.ISSUED,
    issued_at: dt.datetime | None = None,
    secrecy: str = Secrecy.NORMAL,
    recipients: tuple[tuple[str, bool], ...] = (),
    signed_file: bool = False,
    sealed: bool = False,
) -> OutgoingDocument:
    """An outgoing document written directly: its recipients ((channel, sent)), its leader-signed file, its seal."""
    department, _created = Department.objects.get_or_create(
        agency=agency, abbreviation="VP", defaults={"name": "Văn phòng"}
    )
    document = OutgoingDocument.objects.create(
        agency=agency,
        drafting_department=department,
        drafter=drafter,
        document_type=DocumentType.objects.get_or_create(name="Công văn")[0],
        subject=f"Văn bản thử {next(_numbers)}",
        status=status,
        secrecy=secrecy,
        issued_at=issued_at if issued_at is not None else (timezone.now() if status == OutgoingStatus.ISSUED else None),
    )
    for channel, sent in recipients:
        Recipient.objects.create(
            outgoing=document, channel=channel, name="Nơi nhận", sent_at=timezone.now() if sent else None
        )
    if signed_file:
        DocumentFile.objects.create(
            outgoing=document,
            kind=DocumentFile.Kind.SIGNED,
            name="van-ban.pdf",
            file="documents/van-ban.pdf",
            sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
        )
    if sealed:
        code = verification_code_new()
        verifiable_register(
            code=code,
            pdf=PDF_BYTES + code.encode(),
            title=document.subject,
            source=VerifiableDocument.Source.OUTGOING_DOCUMENT,
            agency=agency,
            actor=None,
        )
        document.verification_code = code
        document.save(update_fields=["verification_code"])
    return document


def small_world(agency: Agency, other: Agency, drafter: Any) -> None:
    """Three documents issued in the period; four that do not count."""
    internal, edxml, paper = Recipient.Channel.INTERNAL, Recipient.Channel.EDXML, Recipient.Channel.PAPER
    # Sent electronically and signed digitally.
    outgoing(agency, drafter, recipients=((paper, True), (internal, True)), signed_file=True, sealed=True)
    # Only on paper (the edXML copy never left) and signed by the leader only.
    outgoing(agency, drafter, recipients=((paper, True), (edxml, False)), signed_file=True)
    # Classified: never electronic, so out of that share; signed and sealed.
    outgoing(agency, drafter, secrecy=Secrecy.CONFIDENTIAL, recipients=((paper, True),), signed_file=True, sealed=True)
    # Not counted: issued last year, not issued, cancelled, another agency's.
    last_year = timezone.now() - dt.timedelta(days=400)
    outgoing(agency, drafter, issued_at=last_year, recipients=((edxml, True),), signed_file=True, sealed=True)
    outgoing(agency, drafter, status=OutgoingStatus.SIGNED, signed_file=True)
    outgoing(agency, drafter, status=OutgoingStatus.CANCELLED)
    outgoing(other, drafter, recipients=((internal, True),), signed_file=True, sealed=True)


def test_shares_of_the_documents_issued_in_the_period() -> None:
    w = documents_world()
    small_world(w.agency, w.other_agency, w.leader)
    today = timezone.localdate()
    shares = outgoing_shares(agency=w.agency, start=today.replace(month=1, day=1), end=today)
    assert shares == {
        "issued": 3,
        "may_travel": 2,
        "electronic": 1,
        "electronic_rate": 50.0,
        "signed": 2,
        "signed_rate": 66.7,
    }
    empty = outgoing_shares(agency=w.agency, start=today - dt.timedelta(days=800), end=today - dt.timedelta(days=500))
    assert empty["issued"] == 0 and empty["electronic_rate"] is None and empty["signed_rate"] is None
