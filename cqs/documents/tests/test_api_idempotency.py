"""``Idempotency-Key`` on the documents API (cqs.core.idempotency): a retried comment or registration counts once."""

from __future__ import annotations

from typing import Any

import pytest

from cqs.documents.models import IncomingDocument
from cqs.documents.tests.exchange_support import signed_pdf
from cqs.documents.tests.factories import DocumentsWorld, incoming, upload
from cqs.documents.tests.test_incoming_api import Caller, _officials_without_totp, payload, w

pytestmark = pytest.mark.django_db
__all__ = ["_officials_without_totp", "w"]  # fixtures shared with the incoming documents' API tests


def keyed(caller: Caller, key: str) -> Caller:
    caller.headers = {**caller.headers, "HTTP_IDEMPOTENCY_KEY": key}
    return caller


def test_a_retried_comment_is_written_once(w: DocumentsWorld) -> None:
    document = incoming(w)
    leader = keyed(Caller(w.leader), "y-kien-1")
    first = leader.post(f"/{document.pk}/comment", {"text": "Đề nghị xử lý gấp"})
    assert first.status_code == 200, first.content
    again = leader.post(f"/{document.pk}/comment", {"text": "Đề nghị xử lý gấp"})
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert document.comments.count() == 1
    changed = leader.post(f"/{document.pk}/comment", {"text": "Ý kiến khác"})
    assert changed.status_code == 422 and changed.json()["code"] == "idempotency_key_reused"
    assert document.comments.count() == 1


def test_a_retried_registration_registers_one_document(w: DocumentsWorld, org_cert: Any) -> None:
    clerk = keyed(Caller(w.clerk), "vao-so-45")
    before = IncomingDocument.objects.count()
    signed = signed_pdf(org_cert)
    answers = [clerk.register(payload(w), main=upload(signed, "qd-45.pdf")) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201], answers[0].content
    assert answers[1].json() == answers[0].json() and answers[1]["Idempotent-Replayed"] == "true"
    assert IncomingDocument.objects.count() == before + 1
