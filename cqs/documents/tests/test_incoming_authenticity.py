"""An electronic document registered by hand gets the same authenticity and integrity check as one received by
edXML (REFERENCE §3): its main text is a PDF carrying at least one digital signature, and every signature of every
PDF holds (intact, trusted, not revoked); the clerk is told why one is refused and nothing is registered."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cqs.core.errors import ValidationFailed
from cqs.core.models import AuditEvent
from cqs.documents.incoming.services import IncomingFile
from cqs.documents.models import DocumentFile, IncomingDocument
from cqs.documents.tests import factories
from cqs.documents.tests.exchange_support import a4_pdf, signed_pdf
from cqs.documents.tests.factories import PDF_BYTES, DocumentsWorld, incoming, upload
from cqs.signing.models import Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db: Any) -> DocumentsWorld:
    return factories.documents_world()


def _tamper(signed: bytes) -> bytes:
    at = signed.index(b"/Type /Page") + 2
    return signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1 :]


def _refused(w: DocumentsWorld, files: list[IncomingFile], message: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        incoming(w, channel="electronic", files=files)
    assert error.value.message == message
    assert not IncomingDocument.objects.exists() and not DocumentFile.objects.exists()


def test_an_unsigned_electronic_document_is_refused(w: DocumentsWorld) -> None:
    _refused(w, [IncomingFile(name="qd.pdf", data=PDF_BYTES)], "Văn bản chính «qd.pdf» chưa được ký số.")


def test_a_document_changed_after_signing_is_refused(w: DocumentsWorld, org_cert: Certificate) -> None:
    changed = _tamper(signed_pdf(org_cert))
    _refused(w, [IncomingFile(name="qd.pdf", data=changed)], "Chữ ký số «Signature1» trên tệp «qd.pdf» không hợp lệ.")


def test_a_revoked_signer_or_a_bad_annex_is_refused(w: DocumentsWorld, org_cert: Certificate) -> None:
    sound = signed_pdf(org_cert)
    annex = _tamper(signed_pdf(org_cert, a4_pdf()))
    _refused(
        w,
        [IncomingFile(name="qd.pdf", data=sound), IncomingFile(name="pl.pdf", data=annex, kind="attachment")],
        "Chữ ký số «Signature1» trên tệp «pl.pdf» không hợp lệ.",
    )
    Certificate.objects.filter(pk=org_cert.pk).update(revoked_at=timezone.now())
    _refused(w, [IncomingFile(name="qd.pdf", data=sound)], "Chữ ký số «Signature1» trên tệp «qd.pdf» không hợp lệ.")


def test_a_signed_electronic_document_is_registered_and_the_check_audited(
    w: DocumentsWorld, org_cert: Certificate
) -> None:
    document = incoming(w, channel="electronic", files=[IncomingFile(name="qd.pdf", data=signed_pdf(org_cert))])
    assert document.files.get().kind == "main"
    event = AuditEvent.objects.get(action="incoming.register", object_id=str(document.pk))
    assert event.after["signatures"] == {"qd.pdf": [org_cert.common_name]}


def test_a_paper_scan_needs_no_signature(w: DocumentsWorld) -> None:
    assert incoming(w, channel="paper", files=[IncomingFile(name="scan.pdf", data=PDF_BYTES, kind="scan")]).number


def test_the_register_page_says_why(w: DocumentsWorld, settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    client = Client()
    client.force_login(w.clerk)
    response = client.post(
        reverse("documents:incoming_register"),
        {
            "agency": w.agency.pk,
            "channel": "electronic",
            "sender_name": "Sở Tài chính tỉnh Nghệ An",
            "document_type": w.doc_type_letter.pk,
            "subject": "Về việc quyết toán ngân sách",
            "urgency": "normal",
            "secrecy": "normal",
            "main_file": upload(PDF_BYTES, "cong-van.pdf"),
        },
    )
    assert response.status_code == 400
    assert "Văn bản chính «cong-van.pdf» chưa được ký số." in response.content.decode()
    assert not IncomingDocument.objects.exists()
