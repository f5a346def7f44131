"""X.509 certificates of the province's demo CA and of the officials and agencies that sign."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Certificate(models.Model):
    """One certificate; ``private_key_pem`` is PKCS#8 encrypted with a passphrase derived from SECRET_KEY.

    A certificate whose key lives elsewhere (a token, a remote signing service) keeps
    ``private_key_pem`` empty and is signed with through ``settings.CQS_SIGNER_BACKEND``.
    """

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("Cá nhân")
        ORGANISATION = "organisation", _("Cơ quan, tổ chức")
        CA = "ca", _("Tổ chức cung cấp dịch vụ chứng thực (CA)")

    common_name = models.CharField(_("tên chủ thể (CN)"), max_length=200)
    kind = models.CharField(_("loại chứng thư"), max_length=20, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("người sở hữu"),
    )
    agency = models.ForeignKey(
        "units.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("cơ quan"),
    )
    serial = models.CharField(_("số hiệu (hex)"), max_length=64, unique=True)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    certificate_pem = models.TextField(_("chứng thư (PEM)"))
    private_key_pem = models.TextField(_("khoá bí mật (PKCS#8, đã mã hoá)"), blank=True, editable=False)
    issuer = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued",
        verbose_name=_("CA cấp"),
    )
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    # The image the visible signature shows (Decree 30): the signer's signature in blue, or
    # the organisation's seal in red; a transparent PNG, set through ``certificate_appearance_set``.
    appearance_image = models.BinaryField(_("ảnh chữ ký, con dấu (PNG)"), blank=True, default=b"", editable=False)
    revocation_reason = models.CharField(_("lý do thu hồi"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-not_before", "-pk"]
        indexes = [models.Index(fields=["kind", "agency"]), models.Index(fields=["kind", "owner"])]
        verbose_name = _("chứng thư số")
        verbose_name_plural = _("chứng thư số")

    def __str__(self) -> str:
        return f"{self.common_name} ({self.serial[:12]}…)"

    @property
    def is_root(self) -> bool:
        return self.kind == self.Kind.CA and self.issuer_id is None

    def usable_at(self, moment: dt.datetime | None = None) -> bool:
        moment = moment or timezone.now()
        return self.revoked_at is None and self.not_before <= moment <= self.not_after


class VerifiableDocument(models.Model):
    """A PDF signed on this platform that anyone may check on the public verification page.

    ``code`` is printed on the document (and in its QR code) before it is signed, so the
    page at ``/xac-thuc/<code>/`` can show the registered copy and its signatures; a copy
    uploaded there is compared with ``sha256`` as well as verified on its own.

    A ``restricted`` document (a classified one: secret, top secret…) is never shown there: to
    an official of one of its ``entitled_agencies`` (the issuing agency, the recipient
    agencies) who holds the code, the page says only whether it is valid; to anyone else the
    code does not exist. Its registered copy is never downloaded from the page.
    """

    class Source(models.TextChoices):
        OUTGOING_DOCUMENT = "outgoing_document", _("Văn bản đi")
        DOSSIER_RESULT = "dossier_result", _("Kết quả giải quyết thủ tục hành chính")
        OTHER = "other", _("Khác")

    code = models.CharField(_("mã xác thực"), max_length=16, unique=True)
    title = models.CharField(_("tên văn bản"), max_length=500)
    source = models.CharField(_("nguồn"), max_length=30, choices=Source.choices, default=Source.OTHER)
    agency = models.ForeignKey(
        "units.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan")
    )
    file = models.FileField(_("tệp đã ký"), upload_to="verifiable/%Y/%m/")
    sha256 = models.CharField(max_length=64, db_index=True)
    restricted = models.BooleanField(_("văn bản mật, không công khai"), default=False)
    entitled_agencies = models.ManyToManyField(
        "units.Agency", blank=True, related_name="+", verbose_name=_("cơ quan được kiểm tra (văn bản mật)")
    )
    created_at = models.DateTimeField(_("đăng ký lúc"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("văn bản xác thực được")
        verbose_name_plural = _("văn bản xác thực được")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"
