"""The dossier (hồ sơ) and what happens to it, from submission to the returned result.

A dossier freezes the procedure version it starts with; its internal process, deadline
and forms come from that version, so editing the catalog never changes a dossier in flight.
Three agencies are kept apart (Decree 118): where it was received, who decides, and who
holds it now (for inter-agency hand-overs).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from cqs.core.models import TimeStampedModel


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Mới đăng ký")
    PROCESSING = "processing", _("Đang xử lý")
    TRANSFERRED = "transferred", _("Đang xử lý liên thông")
    AWAITING_APPROVAL = "awaiting_approval", _("Chờ lãnh đạo phê duyệt")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung hồ sơ")
    PAYMENT_REQUESTED = "payment_requested", _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWAL_REQUESTED = "withdrawal_requested", _("Công dân yêu cầu rút hồ sơ")
    REFUSED = "refused", _("Không được tiếp nhận")
    STOPPED = "stopped", _("Dừng xử lý")
    WITHDRAWN = "withdrawn", _("Đã rút hồ sơ")
    FINISHED = "finished", _("Đã có kết quả, chờ trả")
    RETURNED = "returned", _("Đã trả kết quả")


# The national portal's status codes (REFERENCE §1); "accepted" (2) is an event, not a resting state.
NATIONAL_STATUS = {
    Status.SUBMITTED: 1,
    Status.PROCESSING: 4,
    Status.TRANSFERRED: 4,
    Status.AWAITING_APPROVAL: 4,
    Status.SUPPLEMENT_REQUESTED: 5,
    Status.PAYMENT_REQUESTED: 6,
    Status.WITHDRAWAL_REQUESTED: 7,
    Status.REFUSED: 3,
    Status.STOPPED: 8,
    Status.WITHDRAWN: 8,
    Status.FINISHED: 9,
    Status.RETURNED: 10,
}
NATIONAL_ACCEPTED = 2
OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.PROCESSING,
    Status.TRANSFERRED,
    Status.AWAITING_APPROVAL,
    Status.SUPPLEMENT_REQUESTED,
    Status.PAYMENT_REQUESTED,
    Status.WITHDRAWAL_REQUESTED,
)
PAUSED_STATUSES = (Status.SUPPLEMENT_REQUESTED, Status.PAYMENT_REQUESTED)
# Open with the clock running: what can be due soon or late.
RUNNING_STATUSES = tuple(s for s in OPEN_STATUSES if s not in PAUSED_STATUSES and s != Status.SUBMITTED)


class Channel(models.IntegerChoices):
    """KenhThucHien of the national portal."""

    IN_PERSON = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POST = 3, _("Dịch vụ bưu chính công ích")


class FilingMode(models.TextChoices):
    SELF = "self", _("Tự nộp")
    ON_BEHALF = "on_behalf", _("Nộp thay theo ủy quyền")
    ASSISTED = "assisted", _("Tổ công nghệ số cộng đồng hỗ trợ nộp")


class Delivery(models.TextChoices):
    ONLINE = "online", _("Nhận kết quả điện tử")
    DESK = "desk", _("Nhận tại Bộ phận Một cửa")
    POST = "post", _("Nhận qua bưu chính")


class Timing(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Trễ hạn")


class Dossier(TimeStampedModel):
    code = models.CharField(_("mã hồ sơ"), max_length=60, unique=True)
    procedure = models.ForeignKey("catalog.Procedure", on_delete=models.PROTECT, related_name="dossiers")
    version = models.ForeignKey(
        "catalog.ProcedureVersion",
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("phiên bản thủ tục áp dụng"),
    )
    status = models.CharField(_("trạng thái"), max_length=24, choices=Status.choices, db_index=True)
    channel = models.PositiveSmallIntegerField(_("kênh nộp"), choices=Channel.choices)

    # Who: the applicant as written on the dossier (a snapshot, whatever the account becomes).
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("tài khoản người nộp"),
    )
    applicant_name = models.CharField(_("người nộp"), max_length=200)
    applicant_id_number = models.CharField(_("số định danh / mã số thuế"), max_length=14, db_index=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    applicant_phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    filing_mode = models.CharField(_("hình thức nộp"), max_length=12, choices=FilingMode.choices)
    principal_name = models.CharField(_("người ủy quyền"), max_length=200, blank=True)
    principal_id_number = models.CharField(_("số định danh người ủy quyền"), max_length=14, blank=True, db_index=True)
    authorisation_note = models.CharField(_("giấy ủy quyền"), max_length=300, blank=True)
    assisted_by = models.CharField(_("thành viên tổ công nghệ số hỗ trợ"), max_length=200, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người thao tác nộp"),
    )
    request_summary = models.CharField(_("nội dung yêu cầu"), max_length=500)
    form_data = models.JSONField(_("tờ khai"), default=dict, blank=True)
    sets_count = models.PositiveSmallIntegerField(_("số bộ hồ sơ"), default=1)

    # Where: received at, decided by, held by now.
    receiving_agency = models.ForeignKey(
        "units.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("nơi tiếp nhận")
    )
    deciding_agency = models.ForeignKey(
        "units.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan giải quyết")
    )
    current_agency = models.ForeignKey(
        "units.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan đang giữ hồ sơ")
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cán bộ tiếp nhận"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người đang xử lý"),
    )
    current_step = models.PositiveSmallIntegerField(_("bước hiện tại"), null=True, blank=True)
    current_role = models.CharField(_("vai trò xử lý bước hiện tại"), max_length=30, blank=True)

    # The clock (REFERENCE §1): everything needed to judge on time or late afterwards.
    submitted_at = models.DateTimeField(_("nộp lúc"), db_index=True)
    received_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)
    clock_started_at = models.DateTimeField(_("bắt đầu tính thời hạn"), null=True, blank=True)
    statutory_hours = models.DecimalField(_("thời hạn (giờ làm việc)"), max_digits=8, decimal_places=2)
    # No index of its own: a plain due_at index lures the planner into walking the whole table in due
    # order; the work boxes use the per-agency indexes below (partial for the running dossiers).
    due_at = models.DateTimeField(_("hẹn trả kết quả"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("hẹn trả ban đầu"), null=True, blank=True)
    paused_since = models.DateTimeField(_("tạm dừng tính thời hạn từ"), null=True, blank=True)
    finished_at = models.DateTimeField(_("có kết quả lúc"), null=True, blank=True)
    returned_at = models.DateTimeField(_("trả kết quả lúc"), null=True, blank=True)
    closed_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    timing = models.CharField(_("kết quả đúng hạn"), max_length=8, choices=Timing.choices, blank=True)
    supplement_count = models.PositiveSmallIntegerField(_("số lần yêu cầu bổ sung"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("số lần gia hạn"), default=0)

    # The outcome.
    result_summary = models.TextField(_("kết quả giải quyết"), blank=True)
    # What the handler drafts for the electronic result (its {{ noi_dung_ket_qua }}), before the leader signs.
    result_draft = models.TextField(_("nội dung kết quả dự thảo"), blank=True)
    delivery = models.CharField(_("hình thức nhận kết quả"), max_length=8, choices=Delivery.choices, blank=True)
    register_row = models.PositiveIntegerField(_("số thứ tự trong sổ theo dõi"), null=True, blank=True)
    # The electronic receipt (form 01 of an online dossier) as sent, signed by the receiving agency.
    receipt = models.FileField(
        _("giấy tiếp nhận điện tử đã ký số"), upload_to="dossiers/receipts/%Y/%m/", blank=True, max_length=200
    )
    rating = models.PositiveSmallIntegerField(_("đánh giá"), null=True, blank=True)
    rating_comment = models.CharField(_("ý kiến"), max_length=1000, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    fee_total = models.PositiveBigIntegerField(_("phí, lệ phí (đồng)"), default=0)
    fee_paid_at = models.DateTimeField(_("đã nộp phí lúc"), null=True, blank=True)

    search_text = models.TextField(editable=False, default="")
    # The words of search_text, for the desk's search by name: written by PostgreSQL itself.
    search_vector = models.GeneratedField(
        expression=SearchVector("search_text", config="simple"), output_field=SearchVectorField(), db_persist=True
    )

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["current_agency", "status", "current_role", "due_at"], name="dossier_worklist"),
            models.Index(fields=["deciding_agency", "submitted_at"], name="dossier_by_deciding"),
            models.Index(fields=["receiving_agency", "status", "submitted_at"], name="dossier_by_receiving"),
            models.Index(fields=["applicant", "submitted_at"], name="dossier_by_applicant"),
            # A name searched within the agencies a user sees: one index, each agency column with the words
            # (btree_gin), so "agency = … AND words" is one scan per column of the visibility rule.
            GinIndex(
                fields=["receiving_agency", "deciding_agency", "current_agency", "search_vector"],
                name="dossier_search_by_agency",
            ),
            # Due soon and late: only running dossiers, a small part of the table, per agency column.
            *(
                models.Index(
                    fields=[column, "due_at"],
                    name=f"dossier_running_{column.split('_')[0]}",
                    condition=models.Q(status__in=RUNNING_STATUSES),
                )
                for column in ("receiving_agency", "deciding_agency", "current_agency")
            ),
        ]
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")

    def __str__(self) -> str:
        return self.code

    @property
    def national_status(self) -> int:
        return NATIONAL_STATUS[Status(self.status)]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class DossierFile(TimeStampedModel):
    """A paper of the dossier: uploaded, scanned at the counter, reused from the citizen's store, or a result."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Tải lên")
        SCAN = "scan", _("Số hóa tại Bộ phận Một cửa")
        REUSED = "reused", _("Dùng lại từ kho dữ liệu")
        SUPPLEMENT = "supplement", _("Bổ sung")
        RESULT = "result", _("Kết quả giải quyết")
        DECLARATION = "declaration", _("Lập từ tờ khai điện tử")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    required_document = models.ForeignKey(
        "catalog.RequiredDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("tên giấy tờ"), max_length=300)
    source = models.CharField(_("nguồn"), max_length=12, choices=Source.choices)
    file = models.FileField(_("tệp"), upload_to="dossiers/%Y/%m/")
    kind = models.CharField(_("loại tệp"), max_length=10)
    size = models.PositiveIntegerField(_("dung lượng"))
    sha256 = models.CharField(max_length=64)
    page_count = models.PositiveSmallIntegerField(_("số trang"), null=True, blank=True)
    # A result signed here (electronic result): its code on the public verification page.
    verification_code = models.CharField(_("mã xác thực"), max_length=16, blank=True, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["dossier", "id"]

    def __str__(self) -> str:
        return self.name


class DossierEvent(models.Model):
    """One row per transition: the timeline, and what national synchronisation sends."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    national_status = models.PositiveSmallIntegerField()
    channel = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dossier", "at", "id"]
        indexes = [models.Index(fields=["synced_at", "id"], name="dossier_event_unsynced")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.action}"


class DossierStep(models.Model):
    """A hand-over of the control sheet (form 06), one per step of the frozen internal process."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=500)
    role = models.CharField(max_length=30)
    agency = models.ForeignKey("units.Agency", on_delete=models.PROTECT, related_name="+")
    handed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    timing = models.CharField(max_length=8, choices=Timing.choices, blank=True)
    outcome = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["dossier", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} #{self.position}"


class DossierPause(models.Model):
    """A time the clock stood still (waiting for the citizen's supplement or payment)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(max_length=24)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dossier", "started_at"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.reason}"


class SupplementRequest(models.Model):
    """Form 02: everything missing, asked for once."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="supplement_requests")
    items = models.JSONField(default=list)
    reason = models.TextField()
    contact = models.CharField(max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.requested_at:%d/%m/%Y}"


class FormalNotice(models.Model):
    """A formal notice issued on the dossier: refusal (03), apology and extension (04), stop (05)."""

    class Form(models.TextChoices):
        REFUSAL = "03", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ")
        APOLOGY = "04", _("Phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết")
        STOP = "05", _("Thông báo dừng giải quyết hồ sơ")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="notices")
    form = models.CharField(max_length=2, choices=Form.choices)
    reason = models.TextField()
    new_due_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.form}"


class StoredPaper(TimeStampedModel):
    """The citizen's own store of papers and results: entered once, reused by later dossiers."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stored_papers")
    name = models.CharField(_("tên giấy tờ"), max_length=300)
    file = models.FileField(upload_to="papers/%Y/%m/")
    kind = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    from_dossier = models.ForeignKey(Dossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_result = models.BooleanField(default=False)
    # An electronic result signed on this platform: its code on the public verification page.
    verification_code = models.CharField(_("mã xác thực"), max_length=16, blank=True)

    class Meta:
        ordering = ["owner", "-created_at"]

    def __str__(self) -> str:
        return self.name


class SubmissionKey(models.Model):
    """The one-time key of a submission: the portal's final form, an API ``Idempotency-Key``, the counter form.

    The key is written first in the filing transaction; its unique constraint makes a second
    request with the same key (a double tap, a retry after a lost answer, two requests at the
    same moment) wait for the first and then find its dossier, never file another.
    ``fingerprint`` tells a retry from a different request that reuses the key.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("khoá nộp một lần"), max_length=100)
    fingerprint = models.CharField(max_length=64)
    dossier = models.OneToOneField(
        Dossier, null=True, blank=True, on_delete=models.CASCADE, related_name="submission_key"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="dossier_submission_key_unique")]
        verbose_name = _("khoá nộp hồ sơ một lần")
        verbose_name_plural = _("khoá nộp hồ sơ một lần")

    def __str__(self) -> str:
        return f"{self.owner_id} {self.key[:12]}"


class AuthMethod(models.TextChoices):
    """How the person who confirmed a declaration had proven who they are."""

    PASSWORD = "password", _("Mật khẩu")
    VNEID = "vneid", _("Tài khoản định danh điện tử VNeID")
    API_TOKEN = "api_token", _("Mã truy cập cấp cho tài khoản (API)")
    UNKNOWN = "unknown", _("Không ghi nhận")


class DeclarationConfirmation(models.Model):
    """The applicant's confirmation of the declaration made from their e-form (Decree 45/2020 Art. 9).

    Online, the filled e-form is the declaration: it is rendered to a PDF and attached to the
    dossier. Where the applicant holds a certificate the PDF is signed with it (``certificate``);
    otherwise (most citizens) this row is the evidence: who confirmed, how they had logged in, when,
    from which address, and the SHA-256 of the exact PDF they confirmed.
    """

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="declaration")
    file = models.OneToOneField(DossierFile, on_delete=models.CASCADE, related_name="confirmation")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người xác nhận")
    )
    method = models.CharField(_("cách xác thực"), max_length=12, choices=AuthMethod.choices)
    confirmed_at = models.DateTimeField(_("xác nhận lúc"))
    ip_address = models.GenericIPAddressField(_("địa chỉ mạng"), null=True, blank=True)
    sha256 = models.CharField(_("mã băm SHA-256 của tờ khai"), max_length=64)
    certificate = models.ForeignKey(
        "signing.Certificate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ký số bằng chứng thư"),
    )

    class Meta:
        verbose_name = _("xác nhận tờ khai")
        verbose_name_plural = _("xác nhận tờ khai")

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.method}"
