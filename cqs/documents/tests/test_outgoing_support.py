"""Shared helpers of the outgoing-document tests (no tests here): a signed-ready world and drafts in each state."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
import weasyprint
from django.utils import timezone

from cqs.documents.models import IncomingDocument, OutgoingDocument, Recipient
from cqs.documents.outgoing import services as svc
from cqs.documents.outgoing.services import RecipientSpec
from cqs.documents.tests.factories import DocumentsWorld, documents_world
from cqs.signing import services as signing
from cqs.signing.models import Certificate

_PDFS: dict[str, bytes] = {}


def pdf(text: str = "Dự thảo quyết định phê duyệt kế hoạch chuyển đổi số năm 2026") -> bytes:
    """A real PDF (WeasyPrint) carrying ``text``; cached per text."""
    if text not in _PDFS:
        _PDFS[text] = bytes(weasyprint.HTML(string=f"<h1>{text}</h1><p>{text}</p>").write_pdf())
    return _PDFS[text]


def upload(data: bytes | None = None, name: str = "du-thao.pdf") -> Any:
    handle = io.BytesIO(pdf() if data is None else data)
    handle.name = name
    return handle


@dataclass
class World:
    w: DocumentsWorld
    org_cert: Certificate | None
    leader_cert: Certificate

    def __getattr__(self, name: str) -> Any:
        return getattr(self.w, name)


def build_world(*, org_certificate: bool = True) -> World:
    w = documents_world()
    _root, issuing = signing.ca_create_demo(province_name="Nghệ An")
    leader_cert = signing.certificate_issue(
        issuer=issuing, common_name=w.leader.full_name, kind=Certificate.Kind.PERSONAL, owner=w.leader, actor=None
    )
    org = (
        signing.certificate_issue(
            issuer=issuing, common_name=w.agency.name, kind=Certificate.Kind.ORGANISATION, agency=w.agency, actor=None
        )
        if org_certificate
        else None
    )
    return World(w=w, org_cert=org, leader_cert=leader_cert)


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def internal(w: Any) -> RecipientSpec:
    return RecipientSpec(channel=Recipient.Channel.INTERNAL, agency=w.other_agency)


def paper(name: str = "Lưu: VT, VP") -> RecipientSpec:
    return RecipientSpec(channel=Recipient.Channel.PAPER, name=name)


def create(w: Any, **overrides: Any) -> OutgoingDocument:
    values: dict[str, Any] = {
        "agency": w.agency,
        "actor": w.vp_specialist,
        "drafting_department": w.vp,
        "document_type": w.doc_type_decision,
        "subject": "Quyết định phê duyệt kế hoạch chuyển đổi số năm 2026",
        "signer": w.leader,
        "signing_authority": "KT.",
        "signer_position": "CHỦ TỊCH",
        "recipients": [internal(w), paper()],
    }
    values.update(overrides)
    return svc.outgoing_create(**values)


def drafted(w: Any, **overrides: Any) -> OutgoingDocument:
    outgoing = create(w, **overrides)
    svc.outgoing_draft_upload(outgoing=outgoing, actor=outgoing.drafter, upload=upload())
    return outgoing


def awaiting_signature(w: Any, **overrides: Any) -> OutgoingDocument:
    outgoing = drafted(w, **overrides)
    return svc.outgoing_submit_for_review(outgoing=outgoing, actor=outgoing.drafter, reviewers=[])


def signed(w: Any, **overrides: Any) -> OutgoingDocument:
    return svc.outgoing_sign(outgoing=awaiting_signature(w, **overrides), actor=w.leader)


def issued(w: Any, **overrides: Any) -> OutgoingDocument:
    return svc.outgoing_issue(outgoing=signed(w, **overrides), actor=w.clerk)


def incoming(w: Any, **overrides: Any) -> IncomingDocument:
    values: dict[str, Any] = {
        "agency": w.agency,
        "year": timezone.localdate().year,
        "number": 7,
        "received_at": timezone.now(),
        "channel": "electronic",
        "sender_name": "Bộ Nội vụ",
        "code_number": "12",
        "code_notation": "BNV-VP",
        "document_type": w.doc_type_letter,
        "subject": "Đề nghị báo cáo tình hình chuyển đổi số",
        "registered_by": w.clerk,
        "handler": w.vp_specialist,
        "lead_department": w.vp,
    }
    values.update(overrides)
    return IncomingDocument.objects.create(**values)
