from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from cqs.accounts.models import Role
from cqs.core.models import TimeStampedModel
from cqs.units.models import Agency

# How a procedure page names "every active agency of this kind" (Agency.Kind value → text).
AGENCY_KIND_ALL_LABELS: dict[str, Any] = {
    Agency.Kind.PROVINCIAL_COMMITTEE: _("UBND tỉnh"),
    Agency.Kind.DEPARTMENT: _("Tất cả các sở, ban, ngành"),
    Agency.Kind.PROVINCIAL_SERVICE_CENTRE: _("Trung tâm Phục vụ hành chính công tỉnh"),
    Agency.Kind.COMMUNE_COMMITTEE: _("Tất cả UBND cấp xã, phường, đặc khu"),
    Agency.Kind.COMMUNE_SERVICE_CENTRE: _("Tất cả Trung tâm Phục vụ hành chính công cấp xã"),
    Agency.Kind.OTHER: _("Tất cả cơ quan khác"),
}


def agency_kind_field() -> ArrayField:
    return ArrayField(
        models.CharField(max_length=40, choices=Agency.Kind.choices),
        default=list,
        blank=True,
        verbose_name=_("loại cơ quan thực hiện"),
        help_text=_("Mọi cơ quan đang hoạt động thuộc các loại này trong tỉnh (ví dụ mọi UBND cấp xã)."),
    )


class Field(models.Model):
    """A field of administrative procedures (lĩnh vực), e.g. Hộ tịch."""

    code = models.CharField(_("mã lĩnh vực"), max_length=40, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=200)
    search_name = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")

    def __str__(self) -> str:
        return self.name


class Level(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")
    MULTI = "multi", _("Nhiều cấp")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    NONE = "none", _("Không trực tuyến")


class Procedure(TimeStampedModel):
    """An administrative procedure, identified by its national code (e.g. ``1.001193``).

    Its content lives in versions; ``current_version`` is the published version in
    force, kept denormalised for fast listing and search (updated by services).
    """

    code = models.CharField(_("mã thủ tục"), max_length=40, unique=True)
    current_version = models.OneToOneField(
        "ProcedureVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("phiên bản đang áp dụng"),
    )
    # Denormalised from the current version for listing, filtering and search.
    name = models.CharField(_("tên thủ tục"), max_length=500, blank=True)
    field = models.ForeignKey(Field, null=True, blank=True, on_delete=models.PROTECT, related_name="procedures")
    level = models.CharField(_("cấp thực hiện"), max_length=10, choices=Level.choices, blank=True)
    online_level = models.CharField(_("mức độ trực tuyến"), max_length=10, choices=OnlineLevel.choices, blank=True)
    is_published = models.BooleanField(_("đang công bố"), default=False, db_index=True)
    agency_kinds = agency_kind_field()
    search_name = models.CharField(max_length=500, editable=False, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)
    # The folded name's own words (no code, field or other texts), for ranking "every word in the name"
    # without running to_tsvector on every matching row of every search.
    name_vector = models.GeneratedField(
        expression=models.Func(models.F("search_name"), template="to_tsvector('simple'::regconfig, %(expressions)s)"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["code"]
        indexes = [
            GinIndex(fields=["search_vector"], name="catalog_proc_search_gin"),
            GinIndex(fields=["search_name"], name="catalog_proc_name_trgm", opclasses=["gin_trgm_ops"]),
        ]
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# What a version says about carrying the procedure out, in the order the catalog shows it
# (edit form, exchange format, copies into a new draft).
VERSION_CONTENT_FIELDS = (
    "deciding_authority",
    "steps",
    "method",
    "applicants",
    "conditions",
    "legal_basis",
    "processing_time",
    "processing_time_unit",
    "processing_time_note",
    "afternoon_cutoff",
)


class ProcedureVersion(TimeStampedModel):
    """One version of a procedure, published by a decision and in force from a date.

    A dossier freezes the version it starts with; a published version is never edited.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        CHECKED = "checked", _("Đã kiểm tra")
        PUBLISHED = "published", _("Đã công bố")
        SUPERSEDED = "superseded", _("Hết hiệu lực")

    class TimeUnit(models.TextChoices):
        WORKING_DAYS = "working_days", _("ngày làm việc")
        WORKING_HOURS = "working_hours", _("giờ làm việc")

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản số"))
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.DRAFT)

    name = models.CharField(_("tên thủ tục"), max_length=500)
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="+", verbose_name=_("lĩnh vực"))
    level = models.CharField(_("cấp thực hiện"), max_length=10, choices=Level.choices)
    # Who carries the procedure out: every active agency of the kinds in ``agency_kinds`` (e.g. every
    # commune People's Committee, whatever communes exist today) plus the specific ``agencies``.
    agency_kinds = agency_kind_field()
    agencies = models.ManyToManyField(
        "units.Agency", related_name="procedure_versions", blank=True, verbose_name=_("cơ quan thực hiện")
    )
    deciding_authority = models.CharField(_("cơ quan có thẩm quyền quyết định"), max_length=300, blank=True)
    steps = models.TextField(_("trình tự thực hiện"), blank=True)
    method = models.TextField(_("cách thức thực hiện"), blank=True)
    applicants = models.TextField(_("đối tượng thực hiện"), blank=True)
    conditions = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    processing_time = models.DecimalField(
        _("thời hạn giải quyết"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    processing_time_unit = models.CharField(
        _("đơn vị thời hạn"), max_length=20, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    processing_time_note = models.CharField(_("ghi chú thời hạn"), max_length=500, blank=True)
    afternoon_cutoff = models.TimeField(
        _("nhận sau giờ này tính từ ngày làm việc tiếp theo"),
        null=True,
        blank=True,
        help_text=_("Ví dụ 15:00. Để trống nếu thủ tục không áp dụng quy tắc này."),
    )
    online_level = models.CharField(_("mức độ trực tuyến"), max_length=10, choices=OnlineLevel.choices)
    result_type = models.CharField(_("kết quả thực hiện"), max_length=500, blank=True)
    # An HTML fragment with {{ placeholders }} (``cqs.catalog.result_templates``); empty: the result type's default.
    result_template = models.TextField(
        _("mẫu kết quả điện tử"),
        blank=True,
        help_text=_(
            "Đoạn HTML của nội dung kết quả, với các trường thay thế như {{ ho_ten }}, {{ so_dinh_danh }}, "
            "{{ noi_dung_ket_qua }}, {{ to_khai.<mã trường> }}. Để trống: dùng mẫu mặc định theo loại kết quả."
        ),
    )
    fee_note = models.TextField(_("ghi chú phí, lệ phí"), blank=True)

    decision_number = models.CharField(_("số quyết định công bố"), max_length=100, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    effective_from = models.DateField(_("hiệu lực từ ngày"), null=True, blank=True)
    effective_until = models.DateField(_("hết hiệu lực từ ngày"), null=True, blank=True)
    published_at = models.DateTimeField(_("công bố lúc"), null=True, blank=True)
    change_note = models.TextField(_("nội dung thay đổi"), blank=True)

    class Meta:
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="catalog_version_number_unique"),
        ]
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"

    @property
    def agency_kind_labels(self) -> list[str]:
        """One text per kind in ``agency_kinds``, e.g. “Tất cả UBND cấp xã, phường, đặc khu”."""
        return [str(AGENCY_KIND_ALL_LABELS.get(kind, kind)) for kind in self.agency_kinds or []]


class CatalogState(models.Model):
    """One row: ``revision`` goes up in the transaction of every change the portal's facets depend on.

    Readers key their caches on it (see ``selectors.catalog_facets``); the row lock also orders
    concurrent writers, so a reader never sees a new revision before the change it stands for.
    """

    revision = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("trạng thái danh mục")
        verbose_name_plural = _("trạng thái danh mục")

    def __str__(self) -> str:
        return f"r{self.revision}"


class RequiredDocument(models.Model):
    """An item of the dossier (thành phần hồ sơ)."""

    class NationalData(models.TextChoices):
        NONE = "", _("Không")
        POPULATION = "population", _("Cơ sở dữ liệu quốc gia về dân cư")
        CIVIL_STATUS = "civil_status", _("Cơ sở dữ liệu hộ tịch điện tử")
        LAND = "land", _("Cơ sở dữ liệu đất đai")
        BUSINESS = "business", _("Cơ sở dữ liệu đăng ký doanh nghiệp")
        EARLIER_RESULT = "earlier_result", _("Kết quả giải quyết thủ tục hành chính trước đó")

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="documents")
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên giấy tờ"), max_length=1000)
    originals = models.PositiveSmallIntegerField(_("số bản chính"), default=0)
    copies = models.PositiveSmallIntegerField(_("số bản sao"), default=0)
    is_optional = models.BooleanField(_("không bắt buộc"), default=False)
    template_name = models.CharField(_("mẫu đơn, tờ khai"), max_length=300, blank=True)
    # The template file (services only: ``document_template_attach``), with what its check found.
    template_file = models.FileField(_("tệp mẫu"), upload_to="catalog/templates/", max_length=300, blank=True)
    template_filename = models.CharField(_("tên tệp mẫu"), max_length=255, blank=True)
    template_kind = models.CharField(_("loại tệp mẫu"), max_length=10, blank=True)
    template_size = models.PositiveBigIntegerField(_("dung lượng tệp mẫu (byte)"), null=True, blank=True)
    template_sha256 = models.CharField(_("mã băm SHA-256 của tệp mẫu"), max_length=64, blank=True)
    replaceable_by = models.CharField(
        _("thay thế bằng dữ liệu"), max_length=20, choices=NationalData.choices, blank=True, default=""
    )
    # The declaration (tờ khai, đơn đề nghị) the e-form stands for: filed online, it is made from the filled
    # e-form (a PDF the applicant confirms or signs) and attached as this document; nobody uploads it.
    is_declaration = models.BooleanField(
        _("là tờ khai (lập từ tờ khai điện tử)"),
        default=False,
        help_text=_(
            "Tờ khai điện tử người nộp điền trực tuyến chính là giấy tờ này: hệ thống lập bản PDF và đính kèm, "
            "người nộp không phải tải lên."
        ),
    )
    note = models.CharField(_("ghi chú"), max_length=1000, blank=True)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")

    def __str__(self) -> str:
        return self.name


class Fee(models.Model):
    """A fee or charge (phí, lệ phí) in đồng."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="fees")
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên phí, lệ phí"), max_length=300)
    amount = models.PositiveBigIntegerField(_("mức thu (đồng)"))
    # A fee per copy, per page…: the amount is multiplied by what the applicant writes in this e-form field.
    quantity_field = models.CharField(
        _("nhân theo trường tờ khai"),
        max_length=60,
        blank=True,
        help_text=_(
            "Mã một trường số nguyên của tờ khai (ví dụ số bản sao): mức thu nhân với số người nộp ghi, "
            "không ghi thì không thu. Để trống: thu một lần."
        ),
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")

    def __str__(self) -> str:
        return f"{self.name}: {self.amount} đồng"


class FormField(models.Model):
    """A field of the procedure's electronic form (tờ khai điện tử)."""

    class Type(models.TextChoices):
        TEXT = "text", _("Chữ")
        TEXTAREA = "textarea", _("Đoạn văn")
        DATE = "date", _("Ngày")
        INTEGER = "integer", _("Số nguyên")
        EMAIL = "email", _("Thư điện tử")
        PHONE = "phone", _("Số điện thoại")
        CITIZEN_ID = "citizen_id", _("Số định danh cá nhân")
        CHOICE = "choice", _("Chọn một")
        CHECKBOX = "checkbox", _("Xác nhận")

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="form_fields")
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    key = models.SlugField(_("mã trường"), max_length=60)
    label = models.CharField(_("nhãn"), max_length=300)
    type = models.CharField(_("kiểu"), max_length=20, choices=Type.choices)
    required = models.BooleanField(_("bắt buộc"), default=True)
    choices = models.JSONField(_("các lựa chọn"), default=list, blank=True)
    help_text = models.CharField(_("hướng dẫn"), max_length=500, blank=True)
    prefill = models.CharField(
        _("điền sẵn từ hồ sơ người dùng"),
        max_length=40,
        blank=True,
        help_text=_("full_name, citizen_id, date_of_birth, phone, email, address"),
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="catalog_form_field_key_unique")]
        verbose_name = _("trường tờ khai")
        verbose_name_plural = _("trường tờ khai")

    def __str__(self) -> str:
        return self.label


class ProcessStep(models.Model):
    """A step of the internal process (quy trình nội bộ): who does what, within how many working hours."""

    class UnitKind(models.TextChoices):
        ONE_STOP = "one_stop", _("Bộ phận Một cửa")
        PROCESSING = "processing", _("Phòng, bộ phận chuyên môn")
        LEADERSHIP = "leadership", _("Lãnh đạo cơ quan")
        CLERICAL = "clerical", _("Văn thư")
        OTHER_AGENCY = "other_agency", _("Cơ quan phối hợp (liên thông)")

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="process_steps")
    position = models.PositiveSmallIntegerField(_("bước"))
    name = models.CharField(_("nội dung công việc"), max_length=500)
    role = models.CharField(_("vai trò thực hiện"), max_length=30, choices=Role.choices)
    unit_kind = models.CharField(_("bộ phận thực hiện"), max_length=20, choices=UnitKind.choices)
    duration_hours = models.DecimalField(_("thời gian (giờ làm việc)"), max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("bước quy trình nội bộ")
        verbose_name_plural = _("quy trình nội bộ")

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"
