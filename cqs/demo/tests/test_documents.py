from __future__ import annotations

import io

import pytest

from cqs.demo import agencies as data
from cqs.demo.services import demo_seed
from cqs.documents.models import (
    DepartmentMember,
    DocumentFile,
    ExchangeMessage,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    OutgoingStatus,
)
from cqs.signing.pdf import pdf_verify


@pytest.mark.django_db
def test_demo_documents_are_made_by_the_services_and_verify() -> None:
    demo_seed(stdout=io.StringIO())
    incoming = IncomingDocument.objects.filter(agency__kind="commune_committee")
    assert incoming.count() == 12
    assert sorted(incoming.values_list("number", flat=True)) == list(range(1, 13))  # gap-free, in time order
    assert incoming.filter(status=IncomingStatus.COMPLETED).exists()
    assert incoming.filter(status=IncomingStatus.REGISTERED).exists()
    assert DepartmentMember.objects.filter(user__username="chanhvanphong", is_head=True).exists()
    electronic = DocumentFile.objects.filter(incoming__in=incoming.filter(channel="electronic"))
    assert electronic.exists()  # each one signed by its sender, as registering one checks
    assert all(pdf_verify(pdf=f.file.read())[0].ok for f in electronic)

    issued = OutgoingDocument.objects.filter(status=OutgoingStatus.ISSUED).order_by("number")
    assert issued.count() >= 2
    assert [d.number for d in issued] == list(range(1, issued.count() + 1))
    assert all(d.code.endswith("-UBND") or d.code.endswith("/UBND-VP") for d in issued)
    signed = DocumentFile.objects.filter(outgoing=issued.first(), kind=DocumentFile.Kind.SIGNED).latest("pk")
    reports = pdf_verify(pdf=signed.file.read())
    assert len(reports) == 2 and all(r.ok for r in reports)  # the leader's signature and the seal
    # Sent at once to the provincial committee, where its clerk finds them waiting.
    waiting = ExchangeMessage.objects.filter(
        direction=ExchangeMessage.Direction.IN, to_organ_id=data.PROVINCIAL_COMMITTEE
    )
    assert waiting.count() == issued.count()

    out = io.StringIO()
    second = demo_seed(stdout=out)
    assert not second.created_anything
    assert IncomingDocument.objects.count() == 12
