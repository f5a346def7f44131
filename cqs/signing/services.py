"""Issuing and revoking certificates; every change is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from collections.abc import Sequence
from typing import Any

from cryptography.x509.oid import NameOID
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from cqs.accounts.permissions import is_administrator
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.text import nfc
from cqs.core.uploads import PNG, check_upload, size_text
from cqs.signing import ca
from cqs.signing.models import Certificate, VerifiableDocument

_AUDIT_FIELDS = ["common_name", "kind", "owner", "agency", "serial", "not_before", "not_after", "issuer", "revoked_at"]


def _store(
    *,
    cert: Any,
    key: Any,
    kind: str,
    issuer: Certificate | None,
    owner: Any = None,
    agency: Any = None,
) -> Certificate:
    common_name = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    return Certificate.objects.create(
        common_name=str(common_name),
        kind=kind,
        owner=owner,
        agency=agency,
        serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        certificate_pem=ca.cert_pem(cert),
        private_key_pem=ca.key_encrypt(key),
        issuer=issuer,
    )


def _issuer_of(certificate: Certificate) -> ca.Issuer:
    if certificate.kind != Certificate.Kind.CA:
        raise ValidationFailed("Chứng thư này không phải của tổ chức cung cấp dịch vụ chứng thực (CA).")
    if not certificate.usable_at():
        raise ValidationFailed("Chứng thư của CA đã bị thu hồi hoặc hết hiệu lực.")
    if not certificate.private_key_pem:
        raise ValidationFailed("Không có khoá bí mật của CA trên hệ thống này.")
    return ca.Issuer(cert=ca.cert_load(certificate.certificate_pem), key=ca.key_decrypt(certificate.private_key_pem))


@transaction.atomic
def ca_create_demo(*, province_name: str, actor: Any = None) -> tuple[Certificate, Certificate]:
    """A self-signed root CA (RSA 3072, 20 years) and an issuing CA under it (10 years), for demos and tests."""
    now = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    organisation = f"Chính Quyền Số — {province_name}"
    root_key = ca.key_generate(ca.CA_KEY_SIZE)
    root_cert = ca.cert_build(
        subject=ca.subject_name(
            common_name=f"CA gốc thử nghiệm {province_name}", organisation=organisation, province=province_name
        ),
        public_key=root_key.public_key(),
        issuer=None,
        issuer_key=root_key,
        not_before=now,
        not_after=now + dt.timedelta(days=365 * 20),
        ca=True,
        path_length=1,
    )
    root = _store(cert=root_cert, key=root_key, kind=Certificate.Kind.CA, issuer=None)
    issuing_key = ca.key_generate(ca.CA_KEY_SIZE)
    issuing_cert = ca.cert_build(
        subject=ca.subject_name(
            common_name=f"CA cấp chứng thư thử nghiệm {province_name}",
            organisation=organisation,
            province=province_name,
        ),
        public_key=issuing_key.public_key(),
        issuer=ca.Issuer(cert=root_cert, key=root_key),
        issuer_key=root_key,
        not_before=now,
        not_after=now + dt.timedelta(days=365 * 10),
        ca=True,
        path_length=0,
    )
    issuing = _store(cert=issuing_cert, key=issuing_key, kind=Certificate.Kind.CA, issuer=root)
    for created in (root, issuing):
        audit_record(actor=actor, action="signing.ca_created", obj=created, after=snapshot(created, _AUDIT_FIELDS))
    return root, issuing


@transaction.atomic
def certificate_issue(
    *,
    issuer: Certificate,
    common_name: str,
    kind: str,
    owner: Any = None,
    agency: Any = None,
    days: int = 730,
    actor: Any,
) -> Certificate:
    """A signing certificate (digitalSignature + nonRepudiation, CA:false) for an official or an agency."""
    if kind not in (Certificate.Kind.PERSONAL, Certificate.Kind.ORGANISATION):
        raise ValidationFailed("Chỉ cấp chứng thư cá nhân hoặc chứng thư của cơ quan, tổ chức.")
    if kind == Certificate.Kind.PERSONAL and owner is None:
        raise ValidationFailed("Chứng thư cá nhân phải có người sở hữu.")
    if kind == Certificate.Kind.ORGANISATION and agency is None:
        raise ValidationFailed("Chứng thư của cơ quan, tổ chức phải gắn với một cơ quan.")
    if not common_name.strip():
        raise ValidationFailed("Tên chủ thể không được để trống.")
    if not 1 <= days <= 365 * 5:
        raise ValidationFailed("Thời hạn chứng thư phải từ 1 ngày đến 5 năm.")
    authority = _issuer_of(issuer)
    now = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    not_after = min(now + dt.timedelta(days=days), authority.cert.not_valid_after_utc)
    organisation = agency.name if agency is not None else (owner.agency.name if getattr(owner, "agency", None) else "")
    key = ca.key_generate()
    cert = ca.cert_build(
        subject=ca.subject_name(common_name=common_name.strip(), organisation=organisation),
        public_key=key.public_key(),
        issuer=authority,
        issuer_key=authority.key,
        not_before=now,
        not_after=not_after,
        ca=False,
    )
    certificate = _store(cert=cert, key=key, kind=kind, issuer=issuer, owner=owner, agency=agency)
    audit_record(
        actor=actor, action="signing.certificate_issued", obj=certificate, after=snapshot(certificate, _AUDIT_FIELDS)
    )
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, actor: Any) -> Certificate:
    """Revoke a certificate: it can no longer sign, and signatures made with it no longer verify as valid."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise ValidationFailed("Chứng thư này đã bị thu hồi trước đó.")
    if not reason.strip():
        raise ValidationFailed("Cần ghi lý do thu hồi chứng thư.")
    before = snapshot(certificate, ["revoked_at", "revocation_reason"])
    certificate.revoked_at = timezone.now()
    certificate.revocation_reason = reason.strip()[:300]
    certificate.save(update_fields=["revoked_at", "revocation_reason"])
    audit_record(
        actor=actor,
        action="signing.certificate_revoked",
        obj=certificate,
        before=before,
        after=snapshot(certificate, ["revoked_at", "revocation_reason"]),
    )
    return certificate


APPEARANCE_IMAGE_MAX_BYTES = 512 * 1024
APPEARANCE_IMAGE_MAX_PIXELS = 2000


def _appearance_png(image: Any) -> bytes:
    """The bytes of an uploaded appearance image: a PNG (by content), small, with a transparent background."""
    from PIL import Image, UnidentifiedImageError

    checked = check_upload(image, allowed={PNG}, max_bytes=APPEARANCE_IMAGE_MAX_BYTES, label="ảnh chữ ký, con dấu")
    too_large = ValidationFailed(
        f"Ảnh lớn quá: tối đa {APPEARANCE_IMAGE_MAX_PIXELS} × {APPEARANCE_IMAGE_MAX_PIXELS} điểm ảnh "
        f"và {size_text(APPEARANCE_IMAGE_MAX_BYTES)}."
    )
    try:
        with Image.open(io.BytesIO(checked.content)) as picture:
            width, height = picture.size
            transparent = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
            if max(width, height) > APPEARANCE_IMAGE_MAX_PIXELS:
                raise too_large  # before decoding: a small file may inflate to gigabytes of pixels
            picture.load()
    except Image.DecompressionBombError as exc:
        raise too_large from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ValidationFailed("Ảnh PNG bị hỏng, không đọc được.") from exc
    if not transparent:
        raise ValidationFailed("Ảnh chữ ký, con dấu phải là ảnh PNG nền trong suốt.")
    return checked.content


@transaction.atomic
def certificate_appearance_set(*, certificate: Certificate, image: Any | None, actor: Any) -> Certificate:
    """Set (or, with ``image=None``, remove) the image a certificate's visible signature shows.

    A personal certificate shows the signer's signature (blue), an organisation's its seal
    (red); without an image, a drawn one is used (``cqs.signing.images``). Only the holder of a
    personal certificate, or an administrator for an organisation's, may change it.
    """
    if isinstance(image, bytes | bytearray):
        image = ContentFile(bytes(image), name="anh.png")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if actor is not None and not (
        certificate.owner_id == actor.pk if certificate.kind == Certificate.Kind.PERSONAL else is_administrator(actor)
    ):
        raise NotFoundOrForbidden("Bạn không có quyền đổi ảnh của chứng thư số này.")
    if certificate.kind == Certificate.Kind.CA:
        raise ValidationFailed("Chứng thư của CA không có ảnh chữ ký.")
    if certificate.revoked_at is not None:
        raise ValidationFailed("Chứng thư này đã bị thu hồi.")
    data = _appearance_png(image) if image is not None else b""
    before = {"appearance_sha256": hashlib.sha256(bytes(certificate.appearance_image or b"")).hexdigest()}
    certificate.appearance_image = data
    certificate.save(update_fields=["appearance_image"])
    audit_record(
        actor=actor,
        action="signing.certificate_appearance_set",
        obj=certificate,
        before=before,
        after={"appearance_sha256": hashlib.sha256(data).hexdigest(), "size": len(data)},
    )
    return certificate


def verification_code_new() -> str:
    """A fresh code for the verification page: 12 characters of Crockford base32 in groups of four."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    while True:
        raw = "".join(secrets.choice(alphabet) for _ in range(12))
        code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
        if not VerifiableDocument.objects.filter(code=code).exists():
            return code


@transaction.atomic
def verifiable_register(
    *,
    code: str,
    pdf: bytes,
    title: str,
    source: str,
    agency: Any = None,
    actor: Any,
    restricted: bool = False,
    entitled_agencies: Sequence[Any] = (),
) -> VerifiableDocument:
    """Keep a signed PDF under ``code`` (from ``verification_code_new``) for the verification page.

    ``restricted`` (a classified document) keeps it off the public page: only officials of
    ``entitled_agencies`` learn whether it is valid (see ``VerifiableDocument``).
    """
    if VerifiableDocument.objects.filter(code=code).exists():
        raise ValidationFailed("Mã xác thực này đã được dùng cho một văn bản khác.")
    if restricted and not entitled_agencies:
        raise ValidationFailed("Văn bản mật phải có cơ quan được kiểm tra.")
    document = VerifiableDocument(
        code=code,
        title=nfc(title)[:500],
        source=source,
        agency=agency,
        sha256=hashlib.sha256(pdf).hexdigest(),
        restricted=restricted,
    )
    document.file.save(f"{code}.pdf", ContentFile(pdf), save=False)
    document.save()
    if restricted:
        document.entitled_agencies.set(list(entitled_agencies))
    audit_record(
        actor=actor,
        action="signing.verifiable_registered",
        obj=document,
        after={
            **snapshot(document, ["code", "title", "source", "agency", "sha256", "restricted"]),
            "entitled_agencies": sorted(a.pk for a in entitled_agencies),
        },
    )
    return document
