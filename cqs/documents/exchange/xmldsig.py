"""The XMLDSig of an edXML message: whether it holds, covers the whole message and chains to a trusted root.

The signature is checked against the certificate carried in ``KeyInfo`` (exactly one end-entity
certificate, issued to the sending agency), and that certificate's chain up to one of the roots
the caller trusts, at the moment of checking. No database: the caller passes the roots.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier
from signxml.exceptions import SignXMLException

from cqs.core.errors import ValidationFailed
from cqs.core.text import nfc
from cqs.documents.exchange import edxml
from cqs.documents.exchange.edxml import DEFAULT_MAX_BYTES, DS


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _chain_to_root(
    signer: x509.Certificate,
    carried: Sequence[x509.Certificate],
    roots: Sequence[x509.Certificate],
    moment: dt.datetime,
) -> None:
    current = signer
    for _ in range(8):
        if not current.not_valid_before_utc <= moment <= current.not_valid_after_utc:
            raise ValidationFailed("Chứng thư số ký gói tin edXML đã hết hạn hoặc chưa có hiệu lực.")
        for root in roots:
            if _issued_by(current, root):
                if not root.not_valid_before_utc <= moment <= root.not_valid_after_utc:
                    raise ValidationFailed("Chứng thư CA gốc của gói tin edXML đã hết hạn.")
                return
        parents = [c for c in carried if c is not current and _is_ca(c) and _issued_by(current, c)]
        if not parents:
            break
        current = parents[0]
    raise ValidationFailed("Chứng thư số ký gói tin edXML không thuộc CA gốc được tin cậy.")


def organisation_of(cert: x509.Certificate) -> str:
    """The organisation (O, else CN) named in a certificate."""
    for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
        values = cert.subject.get_attributes_for_oid(oid)
        if values:
            return nfc(str(values[0].value))
    return ""


def signature_verify(
    data: bytes,
    *,
    trusted_roots: Sequence[x509.Certificate],
    revoked_serials: frozenset[str] = frozenset(),
    organ_name: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    moment: dt.datetime | None = None,
) -> x509.Certificate:
    """The signer's certificate when the XMLDSig holds, covers the whole message and chains to a trusted root.

    ``organ_name`` is the sending agency named in the message: the certificate must be issued to it.
    """
    root = edxml.document_load(data, max_bytes=max_bytes)
    signature = root.find(f".//{{{DS}}}Signature")
    if signature is None:
        raise ValidationFailed("Gói tin edXML chưa được ký số.")
    references = signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if len(references) != 1 or references[0].get("URI") != "":
        # Only a signature over the whole document counts (no signature wrapping of a part).
        raise ValidationFailed("Chữ ký số của gói tin edXML không bao trùm toàn bộ gói tin.")
    certs_text = [node.text or "" for node in signature.iter(f"{{{DS}}}X509Certificate")]
    try:
        carried = [x509.load_der_x509_certificate(base64.b64decode("".join(text.split()))) for text in certs_text]
    except (ValueError, binascii.Error) as exc:
        raise ValidationFailed("Chứng thư số trong chữ ký của gói tin edXML bị hỏng.") from exc
    end_entities = [c for c in carried if not _is_ca(c)]
    if len(end_entities) != 1:
        raise ValidationFailed("Chữ ký của gói tin edXML phải mang đúng một chứng thư số của cơ quan gửi.")
    signer = end_entities[0]
    try:
        result = XMLVerifier().verify(
            root,
            x509_cert=signer,
            parser=edxml.parser(),
            expect_config=SignatureConfiguration(expect_references=1),
        )
    except (SignXMLException, InvalidSignature, ValueError, TypeError, etree.LxmlError) as exc:
        # a malformed signature (bad base64, wrong algorithm…) is an invalid one, never a crash
        raise ValidationFailed("Chữ ký số của gói tin edXML không hợp lệ: nội dung đã bị thay đổi sau khi ký.") from exc
    signed = result.signed_xml if not isinstance(result, list) else None
    if signed is None or etree.QName(signed).localname != etree.QName(root).localname:
        raise ValidationFailed("Chữ ký số của gói tin edXML không bao trùm toàn bộ gói tin.")
    now = moment or dt.datetime.now(dt.UTC)
    _chain_to_root(signer, carried, trusted_roots, now)
    if format(signer.serial_number, "x") in revoked_serials:
        raise ValidationFailed("Chứng thư số ký gói tin edXML đã bị thu hồi.")
    if organisation_of(signer) != nfc(organ_name):
        raise ValidationFailed(
            f"Chứng thư số ký gói tin cấp cho «{organisation_of(signer)}», không phải cơ quan gửi «{organ_name}»."
        )
    return signer
