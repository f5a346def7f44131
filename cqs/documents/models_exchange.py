"""The document exchange axis (edXML): the partner agencies and the packages sent to and received from them.

Part of the documents app's models (``cqs.documents.models`` re-exports both): apart so that the
registers' models stay one readable module.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cqs.core.models import TimeStampedModel


class ExchangePartner(TimeStampedModel):
    """An agency reached over the document exchange axis: its organ ID and the endpoint that takes edXML."""

    organ_id = models.CharField(_("mã định danh"), max_length=40, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=300)
    endpoint = models.URLField(_("địa chỉ nhận gói tin edXML"))
    is_active = models.BooleanField(_("đang liên thông"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("cơ quan liên thông")
        verbose_name_plural = _("cơ quan liên thông")

    def __str__(self) -> str:
        return f"{self.organ_id} — {self.name}"


class ExchangeMessage(TimeStampedModel):
    """One edXML package or status message, sent or received; the outbox of the exchange when outgoing."""

    class Direction(models.TextChoices):
        OUT = "out", _("Gửi đi")
        IN = "in", _("Nhận về")

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Gói tin văn bản")
        STATUS = "status", _("Gói tin trạng thái")

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi lỗi, sẽ thử lại")
        RECEIVED = "received", _("Đã nhận")
        REFUSED = "refused", _("Đã từ chối")
        ANSWERED = "answered", _("Đã trả lời")  # a recall request (13) once the clerk agreed or refused

    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices)
    document_id = models.CharField(_("mã gói tin (DocumentId)"), max_length=100, db_index=True)
    from_organ_id = models.CharField(max_length=40)
    to_organ_id = models.CharField(max_length=40)
    status_code = models.CharField(max_length=2, blank=True)
    payload = models.FileField(upload_to="edxml/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    recipient = models.ForeignKey(
        "documents.Recipient", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    incoming = models.ForeignKey(
        "documents.IncomingDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    # A status message's document package: a recall (13) and its answer (15, 16) point at the package they are about.
    responds_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="responses")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["direction", "state", "next_attempt_at"], name="exchange_outbox")]
        verbose_name = _("gói tin liên thông")
        verbose_name_plural = _("gói tin liên thông")

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} {self.document_id}"
