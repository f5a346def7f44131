"""Official documents (Decree 30/2020/NĐ-CP): incoming and outgoing registers, handling, drafting, exchange.

One agency's documents never mix with another's: every row carries the agency whose register
it belongs to. Numbers come from ``cqs.documents.numbering`` (one counter per agency, year and
register in ``core.Sequence``, locked in the transaction that uses it), so a number is never
skipped or given twice. Search columns (``search_text`` and ``search_vector``) are written only
by ``cqs.documents.search.index``. The exchange axis's models are in ``models_exchange``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from cqs.core.models import TimeStampedModel
from cqs.documents.models_exchange import ExchangeMessage as ExchangeMessage
from cqs.documents.models_exchange import ExchangePartner as ExchangePartner


class Secrecy(models.TextChoices):
    NORMAL = "normal", _("Thường")
    CONFIDENTIAL = "confidential", _("Mật")
    SECRET = "secret", _("Tối mật")
    TOP_SECRET = "top_secret", _("Tuyệt mật")


class Register(models.TextChoices):
    """The registers an agency numbers its documents in, each from 01 on 1 January (``cqs.documents.numbering``)."""

    INCOMING = "incoming", _("Sổ văn bản đến")
    INCOMING_CLASSIFIED = "incoming_classified", _("Sổ văn bản đến mật")
    OUTGOING = "outgoing", _("Sổ văn bản đi")
    OUTGOING_CLASSIFIED = "outgoing_classified", _("Sổ văn bản đi mật")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Thường")
    URGENT = "urgent", _("Khẩn")
    VERY_URGENT = "very_urgent", _("Thượng khẩn")
    FLASH = "flash", _("Hỏa tốc")


class Channel(models.TextChoices):
    PAPER = "paper", _("Văn bản giấy")
    ELECTRONIC = "electronic", _("Văn bản điện tử")


class DocumentType(models.Model):
    """A kind of administrative document and its abbreviation (REFERENCE §3); "Công văn" has none."""

    name = models.CharField(_("tên loại văn bản"), max_length=100, unique=True)
    abbreviation = models.CharField(_("chữ viết tắt"), max_length=10, blank=True)
    ordering = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        ordering = ["ordering", "name"]
        verbose_name = _("loại văn bản")
        verbose_name_plural = _("loại văn bản")

    def __str__(self) -> str:
        return self.name

    @property
    def is_letter(self) -> bool:
        """Công văn: numbered ``05/UBND-VP`` (agency-drafting unit), not ``05/QĐ-UBND``."""
        return not self.abbreviation


class IssuingProfile(models.Model):
    """How an agency writes its documents: the abbreviation in symbols (``UBND``, ``STP``) and its place name."""

    agency = models.OneToOneField(
        "units.Agency", on_delete=models.CASCADE, related_name="issuing_profile", verbose_name=_("cơ quan")
    )
    abbreviation = models.CharField(_("chữ viết tắt tên cơ quan trong ký hiệu"), max_length=20)
    place_name = models.CharField(_("địa danh ghi trên văn bản"), max_length=100)

    class Meta:
        verbose_name = _("thông tin ban hành văn bản")
        verbose_name_plural = _("thông tin ban hành văn bản")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.abbreviation}"


class Department(TimeStampedModel):
    """A unit inside an agency (Văn phòng, Phòng Tư pháp…): it drafts, leads or coordinates work on documents."""

    agency = models.ForeignKey(
        "units.Agency", on_delete=models.PROTECT, related_name="departments", verbose_name=_("cơ quan")
    )
    name = models.CharField(_("tên đơn vị"), max_length=200)
    abbreviation = models.CharField(_("chữ viết tắt"), max_length=20)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["agency", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "abbreviation"], name="department_abbreviation_unique")
        ]
        verbose_name = _("đơn vị trong cơ quan")
        verbose_name_plural = _("đơn vị trong cơ quan")

    def __str__(self) -> str:
        return self.name


class DepartmentMember(models.Model):
    """An official's place in a department; the head assigns the department's work to its members."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="department_memberships")
    is_head = models.BooleanField(_("lãnh đạo đơn vị"), default=False)
    position = models.CharField(_("chức vụ"), max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "user"], name="department_member_unique")]
        verbose_name = _("thành viên đơn vị")
        verbose_name_plural = _("thành viên đơn vị")

    def __str__(self) -> str:
        return f"{self.user} — {self.department}"


class WorkFile(TimeStampedModel):
    """A work file (hồ sơ công việc): the documents of one matter, kept together by the department handling it."""

    agency = models.ForeignKey("units.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan"))
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    code = models.CharField(_("số, ký hiệu hồ sơ"), max_length=50)
    title = models.CharField(_("tiêu đề hồ sơ"), max_length=500)
    year = models.PositiveSmallIntegerField(_("năm"))
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người lập hồ sơ")
    )
    retention = models.CharField(_("thời hạn bảo quản"), max_length=50, blank=True)
    closed_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "year", "code"], name="work_file_code_unique")]
        verbose_name = _("hồ sơ công việc")
        verbose_name_plural = _("hồ sơ công việc")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class IncomingStatus(models.TextChoices):
    REGISTERED = "registered", _("Đã vào sổ, chờ lãnh đạo cho ý kiến")
    ASSIGNED = "assigned", _("Đã giao đơn vị chủ trì")
    IN_PROGRESS = "in_progress", _("Đang xử lý")
    COMPLETED = "completed", _("Đã xử lý xong")
    RETURNED = "returned", _("Đã trả lại nơi gửi")


class IncomingDocument(TimeStampedModel):
    """A document received by an agency: one row of its incoming register, and the handling that follows."""

    agency = models.ForeignKey(
        "units.Agency", on_delete=models.PROTECT, related_name="incoming_documents", verbose_name=_("cơ quan nhận")
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    number = models.PositiveIntegerField(_("số đến"))
    register = models.CharField(max_length=24, choices=Register.choices, default=Register.INCOMING)
    received_at = models.DateTimeField(_("ngày đến"), db_index=True)
    channel = models.CharField(_("hình thức nhận"), max_length=12, choices=Channel.choices)
    sender_name = models.CharField(_("nơi gửi"), max_length=300)
    sender_code = models.CharField(_("mã định danh nơi gửi"), max_length=40, blank=True)
    code_number = models.CharField(_("số văn bản"), max_length=20, blank=True)
    code_notation = models.CharField(_("ký hiệu văn bản"), max_length=60, blank=True)
    document_date = models.DateField(_("ngày văn bản"), null=True, blank=True)
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("loại văn bản")
    )
    subject = models.CharField(_("trích yếu nội dung"), max_length=1000)
    signer_name = models.CharField(_("người ký"), max_length=200, blank=True)
    urgency = models.CharField(_("độ khẩn"), max_length=12, choices=Urgency.choices, default=Urgency.NORMAL)
    secrecy = models.CharField(_("độ mật"), max_length=12, choices=Secrecy.choices, default=Secrecy.NORMAL)
    reply_due = models.DateField(_("hạn trả lời của nơi gửi"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=IncomingStatus.choices, default=IncomingStatus.REGISTERED
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("văn thư vào sổ")
    )
    # The handling slip (phiếu giải quyết văn bản đến): leader's direction, head's assignment, officer's proposal.
    instruction = models.TextField(_("ý kiến chỉ đạo của lãnh đạo"), blank=True)
    directed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lãnh đạo cho ý kiến"),
    )
    directed_at = models.DateTimeField(_("cho ý kiến lúc"), null=True, blank=True)
    lead_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("đơn vị chủ trì"),
    )
    coordinating_departments = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name=_("đơn vị phối hợp")
    )
    deadline = models.DateField(_("hạn xử lý"), null=True, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chuyên viên xử lý"),
    )
    handler_assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handler_assigned_at = models.DateTimeField(null=True, blank=True)
    assignment_note = models.TextField(_("ý kiến phân công của lãnh đạo đơn vị"), blank=True)
    proposal = models.TextField(_("ý kiến đề xuất của chuyên viên"), blank=True)
    completed_at = models.DateTimeField(_("xử lý xong lúc"), null=True, blank=True)
    forwarded_at = models.DateTimeField(_("ngày chuyển"), null=True, blank=True)
    return_reason = models.CharField(_("lý do trả lại"), max_length=500, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    work_file = models.ForeignKey(
        WorkFile,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incoming_documents",
        verbose_name=_("hồ sơ công việc"),
    )
    search_text = models.TextField(editable=False, default="")
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "register", "number"], name="incoming_number_unique")
        ]
        indexes = [
            models.Index(fields=["agency", "status", "deadline"], name="incoming_worklist"),
            models.Index(fields=["agency", "received_at"], name="incoming_by_received"),
            models.Index(fields=["handler", "status"], name="incoming_by_handler"),
            # agency first: one index scan answers "this agency's documents matching the words" (btree_gin).
            GinIndex(fields=["agency", "search_vector"], name="incoming_search"),
            # The metadata's words alone: a search finds subject matches first (cqs.documents.search.selectors).
            GinIndex(models.F("agency"), SearchVector("search_text", config="simple"), name="incoming_search_metadata"),
        ]
        verbose_name = _("văn bản đến")
        verbose_name_plural = _("văn bản đến")

    def __str__(self) -> str:
        return f"{self.number}/{self.year} — {self.subject[:60]}"

    @property
    def code(self) -> str:
        """The sender's number and symbol as written on the document (``05/QĐ-UBND``)."""
        if self.code_number and self.code_notation:
            return f"{self.code_number}/{self.code_notation}"
        return self.code_number or self.code_notation


class OutgoingStatus(models.TextChoices):
    DRAFT = "draft", _("Đang soạn thảo")
    IN_REVIEW = "in_review", _("Đang trình duyệt")
    RETURNED = "returned", _("Trả lại để chỉnh sửa")
    AWAITING_SIGNATURE = "awaiting_signature", _("Chờ lãnh đạo ký")
    SIGNED = "signed", _("Đã ký, chờ phát hành")
    ISSUED = "issued", _("Đã phát hành")
    CANCELLED = "cancelled", _("Đã hủy")


class SigningAuthority(models.TextChoices):
    """Prefix before the signer's title (REFERENCE §3)."""

    NONE = "", _("(ký trực tiếp)")
    ON_BEHALF = "TM.", _("TM. — thay mặt tập thể")
    DEPUTY = "KT.", _("KT. — ký thay người đứng đầu")
    BY_ORDER = "TL.", _("TL. — thừa lệnh")
    AUTHORISED = "TUQ.", _("TUQ. — thừa ủy quyền")
    ACTING = "Q.", _("Q. — quyền")


class OutgoingDocument(TimeStampedModel):
    """A document drafted, approved, signed and issued by an agency: one row of its outgoing register once issued."""

    agency = models.ForeignKey(
        "units.Agency", on_delete=models.PROTECT, related_name="outgoing_documents", verbose_name=_("cơ quan ban hành")
    )
    drafting_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị soạn thảo")
    )
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người soạn thảo")
    )
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("loại văn bản")
    )
    subject = models.CharField(_("trích yếu nội dung"), max_length=1000)
    urgency = models.CharField(_("độ khẩn"), max_length=12, choices=Urgency.choices, default=Urgency.NORMAL)
    secrecy = models.CharField(_("độ mật"), max_length=12, choices=Secrecy.choices, default=Secrecy.NORMAL)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=OutgoingStatus.choices, default=OutgoingStatus.DRAFT
    )
    reply_to = models.ForeignKey(
        IncomingDocument,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replies",
        verbose_name=_("trả lời văn bản đến"),
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người ký"),
    )
    signing_authority = models.CharField(
        _("thẩm quyền ký"), max_length=5, choices=SigningAuthority.choices, blank=True, default=""
    )
    signer_position = models.CharField(_("chức vụ người ký"), max_length=150, blank=True)
    signed_at = models.DateTimeField(_("ký lúc"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("năm"), null=True, blank=True)
    number = models.PositiveIntegerField(_("số"), null=True, blank=True)
    register = models.CharField(max_length=24, choices=Register.choices, blank=True)
    notation = models.CharField(_("ký hiệu"), max_length=60, blank=True)
    issued_at = models.DateTimeField(_("ngày ban hành"), null=True, blank=True, db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("văn thư phát hành"),
    )
    copies = models.PositiveSmallIntegerField(_("số lượng bản"), default=1)
    page_count = models.PositiveSmallIntegerField(_("số trang"), default=1)
    keeping_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("đơn vị lưu hồ sơ"),
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    verification_code = models.CharField(_("mã xác thực"), max_length=16, blank=True)
    work_file = models.ForeignKey(
        WorkFile,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outgoing_documents",
        verbose_name=_("hồ sơ công việc"),
    )
    search_text = models.TextField(editable=False, default="")
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "register", "number"],
                name="outgoing_number_unique",
                condition=models.Q(number__isnull=False),
            )
        ]
        indexes = [
            models.Index(fields=["agency", "status"], name="outgoing_by_status"),
            models.Index(fields=["agency", "issued_at"], name="outgoing_by_issued"),
            GinIndex(fields=["agency", "search_vector"], name="outgoing_search"),
            GinIndex(models.F("agency"), SearchVector("search_text", config="simple"), name="outgoing_search_metadata"),
            # The date a search orders by (issue, or creation for a draft), newest first with LIMIT.
            models.Index(models.F("agency"), Coalesce("issued_at", "created_at"), name="outgoing_by_date"),
        ]
        verbose_name = _("văn bản đi")
        verbose_name_plural = _("văn bản đi")

    def __str__(self) -> str:
        return self.code or self.subject[:60]

    @property
    def code(self) -> str:
        """``05/QĐ-UBND`` or ``05/UBND-VP`` once issued (leading zero below 10), empty before."""
        if self.number is None:
            return ""
        return f"{self.number:02d}/{self.notation}"


class DocumentFile(TimeStampedModel):
    """A file of a document: the main text (each draft version, the signed copy), an attachment or a scan.

    ``text`` is the text read from the PDF for full-text search and ``page_count`` its pages (1 for
    an image), both written by ``search.services.document_file_text_read`` on the background worker;
    ``text_pending`` until then.
    """

    class Kind(models.TextChoices):
        MAIN = "main", _("Văn bản chính")
        DRAFT = "draft", _("Dự thảo")
        SIGNED = "signed", _("Văn bản đã ký số")
        ATTACHMENT = "attachment", _("Phụ lục, tài liệu kèm theo")
        SCAN = "scan", _("Bản quét văn bản giấy")

    incoming = models.ForeignKey(
        IncomingDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    outgoing = models.ForeignKey(
        OutgoingDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    kind = models.CharField(_("loại tệp"), max_length=12, choices=Kind.choices)
    version = models.PositiveSmallIntegerField(_("phiên bản"), default=1)
    name = models.CharField(_("tên tệp"), max_length=255)
    file = models.FileField(_("tệp"), upload_to="documents/%Y/%m/")
    content_type = models.CharField(max_length=100, default="application/pdf")
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    text = models.TextField(_("nội dung trích xuất"), blank=True, default="")
    # Why ``text`` is partial or empty (a file past the extraction limits, unreadable), "" when complete.
    text_problem = models.CharField(_("ghi chú trích xuất nội dung"), max_length=300, blank=True, default="")
    page_count = models.PositiveIntegerField(_("số trang"), null=True, blank=True)
    # Where page 1 writes the number and the date ({"number": [x0, y0, x1, y1, size], "date": […]}).
    places = models.JSONField(default=dict, blank=True, editable=False)
    # The text, pages and places are still to be read by the background worker (documents.file_text_read).
    text_pending = models.BooleanField(_("đang chờ đọc nội dung"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind", "version", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(incoming__isnull=False, outgoing__isnull=True)
                | models.Q(incoming__isnull=True, outgoing__isnull=False),
                name="document_file_has_one_document",
            )
        ]
        verbose_name = _("tệp văn bản")
        verbose_name_plural = _("tệp văn bản")

    def __str__(self) -> str:
        return self.name


class DocumentComment(models.Model):
    """A comment on a document: on a draft during review, or on an incoming document while it is handled."""

    incoming = models.ForeignKey(
        IncomingDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    outgoing = models.ForeignKey(
        OutgoingDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("ý kiến"))
    draft_version = models.PositiveSmallIntegerField(_("về dự thảo phiên bản"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(incoming__isnull=False, outgoing__isnull=True)
                | models.Q(incoming__isnull=True, outgoing__isnull=False),
                name="document_comment_has_one_document",
            )
        ]
        verbose_name = _("ý kiến")
        verbose_name_plural = _("ý kiến")

    def __str__(self) -> str:
        return self.text[:60]


class ReviewStep(models.Model):
    """One reviewer in the chain a draft passes before the leader signs (in ``order``)."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Chờ cho ý kiến")
        APPROVED = "approved", _("Đồng ý")
        RETURNED = "returned", _("Trả lại để chỉnh sửa")

    outgoing = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="review_steps")
    order = models.PositiveSmallIntegerField()
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(_("lượt trình"), default=1)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    comment = models.TextField(_("ý kiến"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "order"]
        constraints = [models.UniqueConstraint(fields=["outgoing", "round", "order"], name="review_step_unique")]

    def __str__(self) -> str:
        return f"{self.outgoing_id} #{self.round}.{self.order} {self.decision}"


class Recipient(models.Model):
    """Where an outgoing document goes ("Nơi nhận"): an agency on this platform, or one reached by edXML or paper."""

    class Channel(models.TextChoices):
        INTERNAL = "internal", _("Trong hệ thống")
        EDXML = "edxml", _("Trục liên thông văn bản (edXML)")
        PAPER = "paper", _("Bản giấy")

    outgoing = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="recipients")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    agency = models.ForeignKey(
        "units.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan")
    )
    organ_id = models.CharField(_("mã định danh cơ quan nhận"), max_length=40, blank=True)
    name = models.CharField(_("tên nơi nhận"), max_length=300)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    status_code = models.CharField(_("trạng thái xử lý (edXML)"), max_length=2, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)
    status_note = models.CharField(max_length=500, blank=True)
    delivered_incoming = models.ForeignKey(
        IncomingDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("nơi nhận")
        verbose_name_plural = _("nơi nhận")

    def __str__(self) -> str:
        return self.name
