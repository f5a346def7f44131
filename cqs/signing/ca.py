"""The cryptography of the demo CA: keys, X.509 certificates, and keys encrypted at rest.

Pure functions, no database: ``services`` stores what they build. Private keys are
kept as PKCS#8 PEM encrypted with a passphrase derived from ``settings.SECRET_KEY`` by
HKDF-SHA256; rotating SECRET_KEY therefore makes the stored keys unreadable, so a
province re-encrypts them (or re-issues the certificates) when it rotates the secret.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from django.conf import settings

CA_KEY_SIZE = 3072
END_ENTITY_KEY_SIZE = 3072
# id-kp-documentSigning (RFC 9336).
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
_HKDF_SALT = b"cqs.signing"
_HKDF_INFO = b"private-key-encryption-v1"


def key_passphrase() -> bytes:
    """The passphrase of the stored private keys, derived from SECRET_KEY (never stored)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
        settings.SECRET_KEY.encode()
    )


def key_generate(size: int | None = None) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=size or END_ENTITY_KEY_SIZE)


def key_encrypt(key: rsa.RSAPrivateKey) -> str:
    """PKCS#8 PEM encrypted with the derived passphrase ("BEGIN ENCRYPTED PRIVATE KEY")."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(key_passphrase()),
    ).decode("ascii")


def key_decrypt(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=key_passphrase())
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("only RSA keys are stored")
    return key


def cert_load(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode("ascii"))


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def subject_name(*, common_name: str, organisation: str = "", province: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if province:
        parts.append(x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, province))
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(parts)


@dataclass(frozen=True)
class Issuer:
    """What is needed to sign a certificate: the CA's certificate and key."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey


def cert_build(
    *,
    subject: x509.Name,
    public_key: rsa.RSAPublicKey,
    issuer: Issuer | None,
    issuer_key: rsa.RSAPrivateKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
    ca: bool,
    path_length: int | None = None,
) -> x509.Certificate:
    """A certificate with the extensions of its role; ``issuer=None`` makes it self-signed."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    authority_key = issuer.cert.public_key() if issuer else public_key
    assert isinstance(authority_key, rsa.RSAPublicKey)
    builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority_key), critical=False)
    if ca:
        usage = x509.KeyUsage(
            digital_signature=False,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        )
        builder = builder.add_extension(usage, critical=True)
    else:
        usage = x509.KeyUsage(
            digital_signature=True,
            content_commitment=True,  # nonRepudiation
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        )
        builder = builder.add_extension(usage, critical=True).add_extension(
            x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())
