from __future__ import annotations

from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import connection

from cqs.core.errors import ValidationFailed
from cqs.core.models import AuditEvent
from cqs.signing import ca, services
from cqs.signing.models import Certificate
from cqs.signing.signers import signer_for

pytestmark = pytest.mark.django_db


def test_demo_ca_is_a_root_and_an_issuing_ca(monkeypatch: Any) -> None:
    monkeypatch.setattr(ca, "CA_KEY_SIZE", 3072)
    root, issuing = services.ca_create_demo(province_name="Nghệ An")
    root_cert, issuing_cert = ca.cert_load(root.certificate_pem), ca.cert_load(issuing.certificate_pem)
    assert root.is_root and issuing.issuer == root
    assert isinstance(root_cert.public_key(), rsa.RSAPublicKey) and root_cert.public_key().key_size == 3072
    assert root_cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert issuing_cert.issuer == root_cert.subject
    issuing_cert.verify_directly_issued_by(root_cert)
    assert AuditEvent.objects.filter(action="signing.ca_created").count() == 2


def test_issue_sets_signing_extensions(demo_ca: Any, make_official: Any) -> None:
    official = make_official("ky_so")
    cert = services.certificate_issue(
        issuer=demo_ca[1], common_name="Nguyễn Văn Ký", kind=Certificate.Kind.PERSONAL, owner=official, actor=official
    )
    parsed = ca.cert_load(cert.certificate_pem)
    parsed.verify_directly_issued_by(ca.cert_load(demo_ca[1].certificate_pem))
    assert parsed.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = parsed.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert ca.DOCUMENT_SIGNING in parsed.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    aki = parsed.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    issuer_ski = ca.cert_load(demo_ca[1].certificate_pem).extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert aki.key_identifier == issuer_ski.value.digest
    assert cert.serial == format(parsed.serial_number, "x") and cert.usable_at()
    assert AuditEvent.objects.filter(action="signing.certificate_issued", object_id=str(cert.pk)).exists()


def test_issue_refuses_a_non_ca_issuer_and_missing_owner(org_cert: Any, demo_ca: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.certificate_issue(issuer=org_cert, common_name="X", kind="personal", owner=None, actor=None)
    with pytest.raises(ValidationFailed, match="người sở hữu"):
        services.certificate_issue(issuer=demo_ca[1], common_name="X", kind="personal", actor=None)


def test_revoke_is_audited_and_only_once(org_cert: Any, administrator: Any) -> None:
    revoked = services.certificate_revoke(certificate=org_cert, reason="Lộ khoá bí mật", actor=administrator)
    assert revoked.revoked_at is not None and revoked.revocation_reason == "Lộ khoá bí mật"
    assert not revoked.usable_at()
    event = AuditEvent.objects.get(action="signing.certificate_revoked")
    assert event.actor_id == administrator.pk
    with pytest.raises(ValidationFailed, match="đã bị thu hồi"):
        services.certificate_revoke(certificate=org_cert, reason="lần nữa", actor=administrator)


def test_private_key_is_encrypted_at_rest(org_cert: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key_pem FROM signing_certificate WHERE id = %s", [org_cert.pk])
        stored = cursor.fetchone()[0]
    assert "BEGIN ENCRYPTED PRIVATE KEY" in stored
    assert "BEGIN PRIVATE KEY" not in stored and "BEGIN RSA PRIVATE KEY" not in stored
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(stored.encode(), password=None)
    key = serialization.load_pem_private_key(stored.encode(), password=ca.key_passphrase())
    assert key.public_key() == ca.cert_load(org_cert.certificate_pem).public_key()


def test_passphrase_follows_secret_key(settings: Any) -> None:
    first = ca.key_passphrase()
    settings.SECRET_KEY = "another-secret"
    assert ca.key_passphrase() != first and len(first) == 32


def test_signer_backend_is_pluggable(org_cert: Any, settings: Any) -> None:
    assert signer_for(org_cert).signing_cert.serial_number == int(org_cert.serial, 16)
    settings.CQS_SIGNER_BACKEND = "builtins.repr"
    assert signer_for(org_cert) == repr(org_cert)
