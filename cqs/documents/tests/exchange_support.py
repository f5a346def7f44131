"""Test data for the edXML exchange: an issued, signed outgoing document and its recipients."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfWriter

from cqs.documents.models import DocumentFile, OutgoingDocument, OutgoingStatus, Recipient
from cqs.documents.tests.factories import DocumentsWorld
from cqs.signing.pdf import pdf_sign


def a4_pdf() -> bytes:
    """A one-page A4 PDF with a cross-reference table (what pyHanko signs)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def signed_pdf(certificate: Any, data: bytes | None = None) -> bytes:
    return pdf_sign(
        pdf=data or a4_pdf(), certificate=certificate, reason="Phát hành", location="Nghệ An", visible=False
    )


def issued_outgoing(
    w: DocumentsWorld,
    *,
    certificate: Any,
    recipients: list[dict[str, Any]],
    secrecy: str = "normal",
    number: int = 5,
    subject: str = "Về việc triển khai chuyển đổi số năm 2026",
) -> OutgoingDocument:
    """An outgoing document as the clerk leaves it after issuing: numbered, signed, with recipients."""
    now = timezone.now()
    outgoing = OutgoingDocument.objects.create(
        agency=w.agency,
        drafting_department=w.vp,
        drafter=w.vp_specialist,
        document_type=w.doc_type_decision,
        subject=subject,
        secrecy=secrecy,
        urgency="urgent",
        status=OutgoingStatus.ISSUED,
        signer=w.leader,
        signing_authority="TM.",
        signer_position="Chủ tịch",
        signed_at=now,
        year=now.year,
        number=number,
        register="outgoing" if secrecy == "normal" else "outgoing_classified",
        notation="QĐ-UBND",
        issued_at=now,
        issued_by=w.clerk,
        page_count=2,
    )
    data = signed_pdf(certificate)
    document_file = DocumentFile(
        outgoing=outgoing, kind=DocumentFile.Kind.SIGNED, name="quyet-dinh.pdf", size=len(data), sha256="x"
    )
    document_file.file.save("quyet-dinh.pdf", ContentFile(data), save=True)
    for spec in recipients:
        Recipient.objects.create(outgoing=outgoing, **spec)
    return outgoing
