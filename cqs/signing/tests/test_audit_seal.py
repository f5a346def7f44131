"""The platform's certificate signs the anchors of the audit chain (cqs.signing.audit_seal)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cqs.core.audit import audit_record, audit_verify


def record() -> None:
    audit_record(actor=None, action="test.event", object_type="test", object_id=1)


def verify_fails() -> str:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit_verify", stdout=io.StringIO(), stderr=err)
    return err.getvalue()


@pytest.mark.django_db
def test_anchors_are_sealed_with_the_platform_certificate_and_checked(settings, demo_ca, agency):
    from cqs.core.audit_anchor import anchor_write
    from cqs.signing import services
    from cqs.signing.models import Certificate

    assert agency.kind == "provincial_committee"
    settings.CQS_AUDIT_ANCHOR_SINKS = ["cqs.signing.tests.test_audit_seal.sink"]
    SINK.clear()
    record()
    unsealed = anchor_write()
    assert unsealed is not None and unsealed.seal is None  # no certificate yet: the MAC alone
    certificate = services.certificate_issue(
        issuer=demo_ca[1], common_name=agency.name, kind=Certificate.Kind.ORGANISATION, agency=agency, actor=None
    )
    record()
    sealed = anchor_write()
    assert sealed is not None and sealed.seal["certificate"] == certificate.serial
    assert [a.seq for a in SINK] == [unsealed.seq, sealed.seq]  # the second system got both
    assert list(audit_verify()) == []
    # A certificate swapped in the database (a key the attacker holds) does not make the seal verify.
    other = services.certificate_issue(
        issuer=demo_ca[1], common_name="Kẻ gian", kind=Certificate.Kind.ORGANISATION, agency=agency, actor=None
    )
    Certificate.objects.filter(pk=certificate.pk).update(certificate_pem=other.certificate_pem)
    assert "chứng thư trong cơ sở dữ liệu không phải chứng thư đã ký" in verify_fails()


SINK: list[Any] = []


def sink(anchor: Any) -> None:
    SINK.append(anchor)
