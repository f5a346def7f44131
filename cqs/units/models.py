from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cqs.core.models import TimeStampedModel


class AdministrativeUnit(TimeStampedModel):
    """A province or a commune (xã, phường, đặc khu) of the two-level local government.

    A unit merged into another stays, inactive, with ``merged_into`` set: whatever
    pointed at it keeps working and its code still resolves (see selectors).
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Tỉnh, thành phố")
        COMMUNE = "commune", _("Xã, phường, đặc khu")

    code = models.CharField(_("mã"), max_length=10, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    division_type = models.CharField(_("loại đơn vị"), max_length=40)
    codename = models.CharField(_("tên mã"), max_length=200, blank=True)
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("thuộc")
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_units",
        verbose_name=_("đã sáp nhập vào"),
    )
    merged_at = models.DateField(_("ngày sáp nhập"), null=True, blank=True)
    merge_decision = models.CharField(_("quyết định sáp nhập"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")

    def __str__(self) -> str:
        return self.name


class UnitCodeAlias(models.Model):
    """An earlier code of a unit (after a merge or a re-coding) that must keep resolving."""

    code = models.CharField(_("mã cũ"), max_length=10, unique=True)
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="aliases")
    reason = models.CharField(_("lý do"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.code} → {self.unit.code}"


class Agency(TimeStampedModel):
    """An agency of a unit: the People's Committee, a department, a service centre.

    ``electronic_code`` is the agency's electronic ID code (mã định danh điện tử,
    e.g. ``000.00.00.H40``); dossier codes are built from it.
    """

    class Kind(models.TextChoices):
        PROVINCIAL_COMMITTEE = "provincial_committee", _("UBND tỉnh")
        DEPARTMENT = "department", _("Sở, ban, ngành")
        PROVINCIAL_SERVICE_CENTRE = "provincial_service_centre", _("Trung tâm Phục vụ hành chính công tỉnh")
        COMMUNE_COMMITTEE = "commune_committee", _("UBND xã, phường, đặc khu")
        COMMUNE_SERVICE_CENTRE = "commune_service_centre", _("Trung tâm Phục vụ hành chính công xã")
        OTHER = "other", _("Cơ quan khác")

    electronic_code = models.CharField(_("mã định danh điện tử"), max_length=40, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=40, blank=True)
    kind = models.CharField(_("loại cơ quan"), max_length=40, choices=Kind.choices)
    unit = models.ForeignKey(
        AdministrativeUnit, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("đơn vị hành chính")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("cơ quan cấp trên"),
    )
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    search_name = models.CharField(max_length=255, db_index=True, editable=False)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_agencies",
        verbose_name=_("đã sáp nhập vào"),
    )

    class Meta:
        ordering = ["electronic_code"]
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")

    def __str__(self) -> str:
        return self.name


class AgencyCodeAlias(models.Model):
    """An earlier electronic ID code of an agency that must keep resolving."""

    code = models.CharField(_("mã cũ"), max_length=40, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="aliases")
    reason = models.CharField(_("lý do"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.code} → {self.agency.electronic_code}"
