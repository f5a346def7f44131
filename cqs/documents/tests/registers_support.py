"""Test data of the registers, search and work-file tests: documents written straight to the tables.

The documents are created with the ORM (not through the incoming and outgoing services, whose
own tests cover them) and indexed with ``cqs.documents.search.index`` exactly as the services do.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from cqs.documents.models import (
    DocumentFile,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    OutgoingStatus,
    Recipient,
    Register,
    Secrecy,
)
from cqs.documents.search import extraction
from cqs.documents.search import index as search
from cqs.documents.tests.factories import DocumentsWorld

_numbers = itertools.count(1)


@functools.cache
def vietnamese_pdf(*lines: str) -> bytes:
    """A real PDF (WeasyPrint, embedded DejaVu font) whose text layer carries ``lines`` with their diacritics."""
    import weasyprint

    body = "".join(f"<p>{line}</p>" for line in lines)
    html = f'<html lang="vi"><body style="font-family: DejaVu Serif">{body}</body></html>'
    return bytes(weasyprint.HTML(string=html).write_pdf() or b"")


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), timezone.get_current_timezone())


def incoming(
    w: DocumentsWorld,
    *,
    subject: str = "Về việc báo cáo tình hình thực hiện dự toán ngân sách quý III",
    received: dt.datetime | None = None,
    pdf: bytes | None = None,
    number: int | None = None,
    **values: Any,
) -> IncomingDocument:
    received = received or timezone.now()
    secrecy = values.pop("secrecy", Secrecy.NORMAL)
    register = Register.INCOMING if secrecy == Secrecy.NORMAL else Register.INCOMING_CLASSIFIED
    fields: dict[str, Any] = {
        "agency": w.agency,
        "year": timezone.localtime(received).year,
        "number": number if number is not None else next(_numbers),
        "register": register,
        "received_at": received,
        "channel": "electronic",
        "sender_name": "Sở Tài chính tỉnh Nghệ An",
        "sender_code": "000.00.12.H40",
        "code_number": "125",
        "code_notation": "STC-NS",
        "document_date": timezone.localtime(received).date(),
        "document_type": w.doc_type_letter,
        "subject": subject,
        "secrecy": secrecy,
        "registered_by": w.clerk,
        "status": IncomingStatus.REGISTERED,
    }
    fields.update(values)
    document = IncomingDocument.objects.create(**fields)
    if pdf is not None:
        DocumentFile.objects.create(
            incoming=document,
            kind=DocumentFile.Kind.MAIN,
            name="van-ban.pdf",
            file=ContentFile(pdf, name="van-ban.pdf"),
            size=len(pdf),
            sha256="0" * 64,
            text=extraction.pdf_text_extract(pdf).text,
        )
    search.incoming_index(document.pk)
    return document


def outgoing(
    w: DocumentsWorld,
    *,
    subject: str = "Về việc triển khai kế hoạch chuyển đổi số năm 2026",
    issued: dt.datetime | None = None,
    number: int | None = None,
    recipients: tuple[str, ...] = ("Sở Tài chính tỉnh Nghệ An",),
    pdf: bytes | None = None,
    status: str = OutgoingStatus.ISSUED,
    **values: Any,
) -> OutgoingDocument:
    issued = issued or timezone.now()
    secrecy = values.pop("secrecy", Secrecy.NORMAL)
    register = Register.OUTGOING if secrecy == Secrecy.NORMAL else Register.OUTGOING_CLASSIFIED
    done = status == OutgoingStatus.ISSUED
    fields: dict[str, Any] = {
        "agency": w.agency,
        "drafting_department": w.vp,
        "drafter": w.vp_specialist,
        "document_type": w.doc_type_decision,
        "subject": subject,
        "secrecy": secrecy,
        "status": status,
        "signer": w.leader if done else None,
        "signed_at": issued - dt.timedelta(hours=2) if done else None,
        "year": timezone.localtime(issued).year if done else None,
        "number": (number if number is not None else next(_numbers)) if done else None,
        "register": register if done else "",
        "notation": "QĐ-UBND" if done else "",
        "issued_at": issued if done else None,
        "issued_by": w.clerk if done else None,
        "copies": 3,
        "keeping_department": w.vp,
    }
    fields.update(values)
    document = OutgoingDocument.objects.create(**fields)
    for name in recipients:
        Recipient.objects.create(
            outgoing=document, channel=Recipient.Channel.PAPER, name=name, sent_at=issued if done else None
        )
    if pdf is not None:
        DocumentFile.objects.create(
            outgoing=document,
            kind=DocumentFile.Kind.SIGNED,
            name="van-ban.pdf",
            file=ContentFile(pdf, name="van-ban.pdf"),
            size=len(pdf),
            sha256="0" * 64,
            text=extraction.pdf_text_extract(pdf).text,
        )
    search.outgoing_index(document.pk)
    return document
