from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.timezone import localtime
from django.utils.timezone import now as timezone_now
from django.utils.translation import gettext_lazy as _

from cqs.core.models import TimeStampedModel


class IdentityProof(models.TextChoices):
    NONE = "", _("Chưa xác minh")
    VNEID = "vneid", _("Đăng nhập bằng VNeID")
    COUNTER = "counter", _("Đối chiếu giấy tờ tại Bộ phận Một cửa")


class User(AbstractUser):
    """An account: an official of a unit, a citizen (by CCCD) or a business (by tax code).

    Anyone may register a citizen ID or a tax code with a password; until the identity is proven
    (a VNeID sign-in, or a one-stop officer checking the card at the counter) the account is
    *unverified*: a VNeID sign-in for that citizen ID takes it over, and officials see the mark on
    the dossiers it files. Officials' accounts are created by an administrator and count as verified.
    """

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
    # A self-registered citizen or business is who they say only once this is proven (see ``identity_verified``).
    identity_verified_at = models.DateTimeField(_("xác minh danh tính lúc"), null=True, blank=True)
    identity_proof = models.CharField(
        _("cách xác minh danh tính"), max_length=20, choices=IdentityProof.choices, blank=True, default=""
    )

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

    @property
    def identity_verified(self) -> bool:
        return self.is_official or self.identity_verified_at is not None

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

    class Meta:
        indexes = [models.Index(fields=["username", "ip_address", "at"], name="login_attempt_pair")]

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
    expires_at = models.DateTimeField(_("hết hạn"))
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AccountCode(models.Model):
    """A one-time code for one account: TOTP activation or password reset.

    Only a keyed digest is stored (``cqs.accounts.codes``); a code works once, until it expires,
    and is void after a few wrong tries or when a newer code of the same purpose is issued.
    """

    class Purpose(models.TextChoices):
        TOTP_ACTIVATION = "totp_activation", _("Mã kích hoạt xác thực hai lớp")
        PASSWORD_RESET = "password_reset", _("Mã đặt lại mật khẩu")

    class Channel(models.TextChoices):
        ADMINISTRATOR = "administrator", _("Quản trị viên trao cho cán bộ")
        COUNTER = "counter", _("Bộ phận Một cửa trao tại quầy")
        EMAIL = "email", _("Thư điện tử")
        SMS = "sms", _("Tin nhắn SMS")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_codes")
    purpose = models.CharField(_("mục đích"), max_length=30, choices=Purpose.choices)
    channel = models.CharField(_("gửi qua"), max_length=20, choices=Channel.choices)
    digest = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người cấp")
    )
    created_at = models.DateTimeField(_("cấp lúc"), auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    used_at = models.DateTimeField(_("đã dùng lúc"), null=True, blank=True)
    voided_at = models.DateTimeField(_("huỷ lúc"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose", "created_at"], name="account_code_by_user")]
        verbose_name = _("mã dùng một lần")
        verbose_name_plural = _("mã dùng một lần")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} — {self.user}"

    def state_label(self, now: datetime | None = None) -> str:
        """What became of the code, for the administrator's page."""
        if self.used_at is not None:
            return str(_("đã dùng lúc %(at)s")) % {"at": localtime(self.used_at).strftime("%H:%M %d/%m/%Y")}
        if self.voided_at is not None:
            return str(_("đã huỷ"))
        if self.expires_at <= (now or timezone_now()):
            return str(_("đã hết hạn"))
        return str(_("còn hiệu lực đến %(at)s")) % {"at": localtime(self.expires_at).strftime("%H:%M %d/%m/%Y")}


class PendingRegistration(models.Model):
    """A registration waiting for the code sent to its email address (nothing exists as an account yet).

    The password is kept hashed, the code as a keyed digest; ``handle`` ties the row to the
    browser that filled the form.
    """

    kind = models.CharField(max_length=20, choices=User.Kind.choices)
    identifier = models.CharField(max_length=14)
    full_name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=20, blank=True)
    address = models.CharField(max_length=300, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    password = models.CharField(max_length=128)
    handle = models.CharField(max_length=64, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.identifier}"
