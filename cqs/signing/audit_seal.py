"""The platform's signature on the anchors of the audit chain (``settings.CQS_AUDIT_SEAL``, docs/audit.md).

An anchor is signed (RSA PKCS#1 v1.5, SHA-256) with the organisation certificate of the province's
People's Committee, the platform's own; anyone with that certificate can check the heads written
to the anchor file. Without such a certificate whose key is held here (before the CA is set up,
or with keys in an HSM) ``seal`` gives None and the anchor carries the MAC alone.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

from cqs.signing import ca, selectors
from cqs.signing.models import Certificate
from cqs.units.models import Agency

ALGORITHM = "rsa-pkcs1v15-sha256"


def _fingerprint(certificate: Certificate) -> str:
    return ca.cert_load(certificate.certificate_pem).fingerprint(hashes.SHA256()).hex()


def seal_certificate() -> Certificate | None:
    """The usable organisation certificate of the province's People's Committee, with its key held here."""
    agency = Agency.objects.filter(kind=Agency.Kind.PROVINCIAL_COMMITTEE, is_active=True).order_by("pk").first()
    certificate = selectors.certificate_of_agency(agency) if agency is not None else None
    return certificate if certificate is not None and certificate.private_key_pem else None


def seal(payload: bytes) -> dict[str, Any] | None:
    certificate = seal_certificate()
    if certificate is None:
        return None
    key = ca.key_decrypt(certificate.private_key_pem)
    signature = key.sign(payload, PKCS1v15(), hashes.SHA256())
    return {
        "algorithm": ALGORITHM,
        "certificate": certificate.serial,
        "certificate_sha256": _fingerprint(certificate),
        "signature": base64.b64encode(signature).decode("ascii"),
    }


def check(payload: bytes, seal: dict[str, Any]) -> str | None:
    """None when ``seal`` is the platform's signature on ``payload``, else what is wrong."""
    if seal.get("algorithm") != ALGORITHM:
        return "thuật toán ký không được hỗ trợ"
    certificate = Certificate.objects.filter(serial=str(seal.get("certificate", ""))).first()
    if certificate is None:
        return f"không có chứng thư số hiệu {seal.get('certificate')}"
    if _fingerprint(certificate) != seal.get("certificate_sha256"):
        return "chứng thư trong cơ sở dữ liệu không phải chứng thư đã ký"
    public_key = ca.cert_load(certificate.certificate_pem).public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        return "chứng thư không dùng khoá RSA"
    try:
        public_key.verify(base64.b64decode(str(seal.get("signature", ""))), payload, PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return "chữ ký sai"
    return None
