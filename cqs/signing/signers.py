"""The signing seam: who holds the private key that makes a signature.

``signer_for(certificate)`` returns a pyHanko ``Signer`` for a stored certificate. Which
backend builds it is chosen by ``settings.CQS_SIGNER_BACKEND``, a dotted path to a
callable ``(certificate) -> pyhanko.sign.signers.Signer``. The default,
``cqs.signing.signers.stored_key_signer``, decrypts the PKCS#8 key kept in the database
(encrypted with a passphrase derived from SECRET_KEY, see ``cqs.signing.ca``).

A province that keeps its keys in an HSM or uses a remote signing service (the
"ký số từ xa" of a licensed CA) points the setting at its own callable, e.g. one that
returns ``pyhanko.sign.pkcs11.PKCS11Signer`` for a token slot, or a ``Signer`` subclass
whose ``async_sign_raw`` calls the remote service; the certificate row then keeps its
public certificate and an empty ``private_key_pem``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.conf import settings
from django.utils.module_loading import import_string
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from cqs.core.errors import ValidationFailed
from cqs.signing import ca
from cqs.signing.models import Certificate


def asn1_certificate(certificate: Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(
        ca.cert_load(certificate.certificate_pem).public_bytes(serialization.Encoding.DER)
    )


def chain_of(certificate: Certificate) -> list[Certificate]:
    """The issuers above a certificate, nearest first (the root last)."""
    chain: list[Certificate] = []
    current = certificate.issuer
    while current is not None and len(chain) < 8:
        chain.append(current)
        current = current.issuer
    return chain


class _LoadedKeySigner(SimpleSigner):
    """A SimpleSigner that signs with a key already loaded (pyHanko's own re-parses the DER key on every signature)."""

    def __init__(self, *, key: rsa.RSAPrivateKey, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo != "rsassa_pkcs1v15":
            return bytes(super().sign_raw(data, digest_algorithm))
        return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


@functools.lru_cache(maxsize=64)
def _key_loaded(private_key_pem: str) -> tuple[rsa.RSAPrivateKey, bytes]:
    """Decrypting and checking an RSA key costs far more than a signature: once per stored key and process."""
    key = ca.key_decrypt(private_key_pem)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return key, der


def stored_key_signer(certificate: Certificate) -> SimpleSigner:
    """A signer with the key stored (encrypted) with the certificate, carrying its chain."""
    if not certificate.private_key_pem:
        raise ValidationFailed("Khoá bí mật của chứng thư này không được lưu trên hệ thống.")
    key, der = _key_loaded(certificate.private_key_pem)
    return _LoadedKeySigner(
        key=key,
        signing_cert=asn1_certificate(certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs([asn1_certificate(c) for c in chain_of(certificate)]),
    )


def signer_for(certificate: Certificate) -> Any:
    """The pyHanko signer for ``certificate`` from the configured backend."""
    backend: Callable[[Certificate], Any] = import_string(settings.CQS_SIGNER_BACKEND)
    return backend(certificate)
