from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from cqs.core.models import TimeStampedModel


class User(AbstractUser):
    """An account: an official of a unit, a citizen (by CCCD) or a business (by tax code)."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Cán bộ, công chức")
        CITIZEN = "citizen", _("Công dân")
        BUSINESS = "business", _("Tổ chức, doanh nghiệp")

    kind = models.CharField(_("loại tài khoản"), max_length=20, choices=Kind.choices, default=Kind.CITIZEN)
    full_name = models.CharField(_("họ và tên"), max_length=200)
    citizen_id = models.CharField(_("số định danh cá nhân (CCCD)"), max_length=12, unique=True, null=True, blank=True)
    tax_code = models.CharField(_("mã số thuế"), max_length=14, unique=True, null=True, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    date_of_birth = models.DateField(_("ngày sinh"), null=True, blank=True)
    agency = models.ForeignKey(
        "units.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officials",
        verbose_name=_("cơ quan công tác"),
    )
    vneid_subject = models.CharField(max_length=200, unique=True, null=True, blank=True, editable=False)

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        verbose_name = _("tài khoản")
        verbose_name_plural = _("tài khoản")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_official(self) -> bool:
        return self.kind == self.Kind.OFFICIAL

    def has_role(self, role: str) -> bool:
        """Whether this official holds the role in any agency (uses a ``prefetch_related("roles")`` when present)."""
        if not self.is_official or self.pk is None:
            return False
        return any(r.role == role for r in self.roles.all())


class Role(models.TextChoices):
    ONE_STOP_OFFICER = "one_stop_officer", _("Cán bộ Bộ phận Một cửa")
    SPECIALIST = "specialist", _("Chuyên viên")
    LEADER = "leader", _("Lãnh đạo")
    CLERK = "clerk", _("Văn thư")
    CATALOG_MANAGER = "catalog_manager", _("Cán bộ quản lý thủ tục hành chính")
    ADMINISTRATOR = "administrator", _("Quản trị hệ thống")


class RoleAssignment(models.Model):
    """A role an official holds in an agency (an official may hold several)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("vai trò"), max_length=30, choices=Role.choices)
    agency = models.ForeignKey("units.Agency", on_delete=models.PROTECT, related_name="role_assignments")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role", "agency"], name="unique_role_per_agency")]
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency}"


class LoginAttempt(models.Model):
    """Every login attempt, kept for throttling and for the access log the personal-data law asks for."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    succeeded = models.BooleanField()
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} {'✓' if self.succeeded else '✗'} {self.at:%Y-%m-%d %H:%M:%S}"


class ApiToken(TimeStampedModel):
    """A token issued to an account for integrations (``Authorization: Bearer <token>``).

    Only a SHA-256 digest is stored; the token itself is shown once when issued.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("tên"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    expires_at = models.DateTimeField(_("hết hạn"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
