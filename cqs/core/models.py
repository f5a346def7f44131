from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One append-only, hash-chained row per state change (who, what, when, from where, before, after)."""

    seq = models.BigIntegerField(_("số thứ tự"), unique=True)
    at = models.DateTimeField(_("thời điểm"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("người thực hiện"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    action = models.CharField(_("hành động"), max_length=100, db_index=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=100)
    object_id = models.CharField(_("mã đối tượng"), max_length=100)
    before = models.JSONField(_("trước"), null=True, blank=True)
    after = models.JSONField(_("sau"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # HMAC-SHA256 of (seq, hash) keyed by settings.CQS_AUDIT_KEY, which the database never holds.
    mac = models.CharField(max_length=64, default="")

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("nhật ký kiểm toán")
        verbose_name_plural = _("nhật ký kiểm toán")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The last link of the chain, kept apart so that deleting the newest rows is detected too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class CalendarDay(TimeStampedModel):
    """A day the administrator marks against the usual week: an extra day off, or a swapped working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Ngày nghỉ lễ, Tết")
        DAY_OFF = "day_off", _("Ngày nghỉ bù / nghỉ thêm")
        WORKING_DAY = "working_day", _("Ngày làm việc bù")

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("lý do"), max_length=200)

    class Meta:
        ordering = ["date"]
        verbose_name = _("ngày đặc biệt")
        verbose_name_plural = _("lịch làm việc")

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}"


class RateCounter(models.Model):
    """Requests counted for one rate-limit key in one fixed window (see ``cqs.core.ratelimit``)."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="core_ratecounter_unique_window")]
        indexes = [models.Index(fields=["window_start"], name="core_ratecounter_window")]

    def __str__(self) -> str:
        return f"{self.key[:12]} {self.window_start:%Y-%m-%d %H:%M} {self.count}"


class Sequence(models.Model):
    """The last number one numbering (``scope``) gave for one agency in one period (see ``cqs.core.sequences``)."""

    scope = models.CharField(max_length=40)
    agency = models.ForeignKey("units.Agency", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=10)  # a day "2026-12-07" or a year "2026"
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "agency", "period"], name="core_sequence_unique"),
            models.CheckConstraint(
                condition=models.Q(period__regex=r"^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$"), name="core_sequence_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.agency_id} {self.period} {self.last}"


class IdempotentRequest(models.Model):
    """An API write sent with an ``Idempotency-Key`` and the answer it got (cqs.core.idempotency, docs/api.md).

    The row is written first, in the request's transaction; its unique constraint makes a second
    request with the same key (a retry after a lost answer, two at the same moment) wait for the
    first, then replay its answer. ``fingerprint`` tells a retry from another request reusing the key.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("khoá Idempotency-Key"), max_length=100)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=200, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotent_request_unique")]
        verbose_name = _("yêu cầu API một lần")
        verbose_name_plural = _("yêu cầu API một lần")

    def __str__(self) -> str:
        return self.key


class JobError(models.Model):
    """The error of one failed attempt of a background job (Procrastinate keeps no error text; cqs.core.jobs)."""

    job_id = models.BigIntegerField(_("mã tác vụ"), db_index=True)
    task_name = models.CharField(_("tác vụ"), max_length=128)
    attempt = models.PositiveIntegerField(_("lần chạy"))
    error = models.TextField(_("lỗi"))
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.task_name} #{self.job_id} ({self.attempt}): {self.error[:60]}"
