"""What the portal remembers of a citizen beyond their account: the commune they live in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CitizenCommune(models.Model):
    """The commune (xã, phường, đặc khu) a citizen said they live in, asked once when the address does not say.

    Online filing proposes that commune's offices first (receiving place and deciding agency).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_commune", verbose_name=_("tài khoản")
    )
    unit = models.ForeignKey(
        "units.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("xã, phường, đặc khu")
    )
    chosen_at = models.DateTimeField(_("chọn lúc"), auto_now=True)

    class Meta:
        verbose_name = _("xã, phường nơi cư trú")
        verbose_name_plural = _("xã, phường nơi cư trú")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.unit_id}"
