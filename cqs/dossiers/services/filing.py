"""Filing a dossier: online by the applicant or at the counter by the one-stop desk; the applicant's paper store."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.accounts.models import Role, User
from cqs.accounts.validators import validate_citizen_id, validate_tax_code
from cqs.catalog import fees
from cqs.catalog import selectors as catalog_selectors
from cqs.catalog.eforms import eform_class
from cqs.catalog.models import OnlineLevel, ProcedureVersion
from cqs.core.audit import audit_record, current_request, jsonable
from cqs.core.errors import ApplicationError, NotFoundOrForbidden, ValidationFailed
from cqs.core.text import fold, nfc
from cqs.core.uploads import CheckedUpload, check_upload
from cqs.dossiers import clock, declaration
from cqs.dossiers.codes import dossier_code_new
from cqs.dossiers.models import (
    AuthMethod,
    Channel,
    DeclarationConfirmation,
    Delivery,
    Dossier,
    DossierFile,
    FilingMode,
    StoredPaper,
    SubmissionKey,
)
from cqs.dossiers.permissions import may_receive_at
from cqs.dossiers.services.attachments import (
    Attachment,
    _check_attachments,
    _CheckedAttachment,
    _store_attachments,
)
from cqs.dossiers.services.base import APPLICANT_AGENCY_KINDS, ATTACHMENT_TYPES, S, _event, _required_text, _save
from cqs.dossiers.services.reception import _accept
from cqs.dossiers.services.steps import _process
from cqs.signing import selectors as signing_selectors
from cqs.signing.pdf import pdf_sign
from cqs.units.models import Agency

logger = logging.getLogger(__name__)


@dataclass
class Filing:
    """What a dossier is filed with (online or at the counter)."""

    version: ProcedureVersion
    receiving_agency: Agency
    deciding_agency: Agency
    form_data: dict[str, Any]
    attachments: list[Attachment] = field(default_factory=list)
    applicant_name: str = ""
    applicant_id_number: str = ""
    applicant_address: str = ""
    applicant_phone: str = ""
    applicant_email: str = ""
    filing_mode: str = FilingMode.SELF
    principal_name: str = ""
    principal_id_number: str = ""
    authorisation_note: str = ""
    assisted_by: str = ""
    delivery: str = Delivery.ONLINE
    sets_count: int = 1
    # The submission's one-time key (portal form token, API Idempotency-Key, counter form token); "" for none.
    idempotency_key: str = ""


SUBMISSION_KEY_RE = re.compile(r"^[\x21-\x7e]{1,100}$")


class AlreadyFiled(ApplicationError):
    """This submission's key already filed a dossier: here it is (nothing new was written)."""

    code = "already_filed"
    status = 409

    def __init__(self, dossier: Dossier) -> None:
        super().__init__(
            _("Hồ sơ này đã được nộp, mã hồ sơ %(code)s; không nộp lần thứ hai.") % {"code": dossier.code},
            extra={"code": dossier.code},
        )
        self.dossier = dossier


def implementing_agencies(version: ProcedureVersion) -> list[Agency]:
    """The active agencies that decide this version's dossiers (``catalog.selectors``), by name."""
    return sorted(catalog_selectors.version_deciding_agencies(version), key=lambda a: a.name)


def receiving_agencies() -> list[Agency]:
    """Every place in the province where a dossier may be handed in (no administrative boundary)."""
    return list(catalog_selectors.receiving_agencies())


def _validate_filing(filing: Filing, *, require_online: bool) -> tuple[dict[str, Any], list[str]]:
    """Check everything before anything is written; return the cleaned form data."""
    errors: dict[str, Any] = {}
    version = filing.version
    if version.status != ProcedureVersion.Status.PUBLISHED or version.procedure.current_version_id != version.pk:
        raise ValidationFailed(_("Thủ tục này hiện không nhận hồ sơ (phiên bản không còn áp dụng)."))
    if require_online and version.online_level == OnlineLevel.NONE:
        raise ValidationFailed(
            _("Thủ tục này chưa cung cấp dịch vụ công trực tuyến; vui lòng nộp tại Bộ phận Một cửa.")
        )
    if filing.deciding_agency.pk not in {a.pk for a in implementing_agencies(version)}:
        errors["deciding_agency"] = _("Cơ quan này không giải quyết thủ tục đã chọn.")
    if not filing.receiving_agency.is_active or filing.receiving_agency.kind not in APPLICANT_AGENCY_KINDS:
        errors["receiving_agency"] = _("Nơi tiếp nhận không hợp lệ.")
    form = eform_class(version)(data=filing.form_data)
    cleaned: dict[str, Any] = {}
    if form.is_valid():
        cleaned = {key: jsonable(value) for key, value in form.cleaned_data.items()}
        too_many = {
            key: [_("Tối đa %(n)s.") % {"n": f"{fees.QUANTITY_MAX:,}".replace(",", ".")}]
            for key in fees.quantity_fields(version)
            if fees.quantity_of(cleaned.get(key)) > fees.QUANTITY_MAX
        }
        if too_many:
            errors["form"] = too_many
    else:
        errors["form"] = {key: [str(m) for m in messages] for key, messages in form.errors.items()}
    if not nfc(filing.applicant_name):
        errors["applicant_name"] = _("Vui lòng nhập họ và tên người nộp.")
    try:
        _clean_id_number(filing.applicant_id_number)
    except ApplicationError as error:
        errors["applicant_id_number"] = error.message
    if filing.filing_mode == FilingMode.ON_BEHALF:
        if not nfc(filing.principal_name) or not nfc(filing.authorisation_note):
            errors["principal"] = _("Nộp thay cần ghi họ tên người ủy quyền và giấy ủy quyền.")
        if filing.principal_id_number.strip():
            try:
                _clean_id_number(filing.principal_id_number)
            except ApplicationError as error:
                errors["principal_id_number"] = error.message
    elif filing.filing_mode == FilingMode.ASSISTED:
        if not nfc(filing.assisted_by):
            errors["assisted_by"] = _("Ghi họ tên thành viên tổ công nghệ số cộng đồng đã hỗ trợ.")
    elif filing.filing_mode != FilingMode.SELF:
        errors["filing_mode"] = _("Hình thức nộp không hợp lệ.")
    if filing.delivery not in Delivery.values:
        errors["delivery"] = _("Cách nhận kết quả không hợp lệ.")
    given = {a.required_document_id for a in filing.attachments if a.required_document_id}
    documents = list(version.documents.all())
    made = declaration_document(version) if require_online else None
    if made is not None and made.pk in given:
        errors["declaration"] = _(
            "“%(name)s” được lập từ tờ khai điện tử khi nộp hồ sơ; không gửi tệp cho giấy tờ này."
        ) % {"name": made.name}
    missing = [
        d.name for d in documents if not d.is_optional and not d.replaceable_by and d.pk not in given and d != made
    ]
    if missing:
        errors["documents"] = _("Còn thiếu giấy tờ bắt buộc: %(names)s.") % {"names": "; ".join(missing)}
    known = {d.pk for d in documents}
    if any(a.required_document_id and a.required_document_id not in known for a in filing.attachments):
        errors["attachments"] = _("Có giấy tờ không thuộc thủ tục này.")
    if errors:
        raise ValidationFailed(_("Hồ sơ chưa hợp lệ, vui lòng sửa các mục được đánh dấu."), extra={"errors": errors})
    return cleaned, missing


def declaration_document(version: ProcedureVersion) -> Any:
    """The document filed online as the declaration made from the e-form (None if the version has none)."""
    if not version.form_fields.exists():
        return None
    return next((d for d in version.documents.all() if d.is_declaration), None)


def _declaration(
    dossier: Dossier, *, document: Any, applicant: User, method: str, at: dt.datetime
) -> tuple[_CheckedAttachment, Any, Any]:
    """The declaration PDF made from the dossier's e-form, signed with the applicant's certificate when they hold one.

    Returns what to store with the other papers, the certificate it was signed with (or None) and the
    confirmation printed on it. A signing service that fails leaves the confirmation as the evidence.
    """
    certificate = signing_selectors.certificate_of_user(applicant)
    confirmation = declaration.Confirmation(
        method_label=str(AuthMethod(method).label),
        at=at,
        ip_address=current_request.get().ip_address,
        signed=certificate is not None,
    )
    pdf = declaration.declaration_pdf(dossier=dossier, document=document, confirmation=confirmation)
    if certificate is not None:
        try:
            pdf = pdf_sign(
                pdf=pdf,
                certificate=certificate,
                reason=_("Người khai ký tờ khai"),
                location=dossier.receiving_agency.name,
                placement="signature",
            )
        except ApplicationError as error:
            logger.warning("Declaration of %s not signed with certificate %s: %s", dossier.code, certificate.pk, error)
            certificate = None
            confirmation = declaration.Confirmation(
                method_label=confirmation.method_label, at=at, ip_address=confirmation.ip_address, signed=False
            )
            pdf = declaration.declaration_pdf(dossier=dossier, document=document, confirmation=confirmation)
    digest = hashlib.sha256(pdf).hexdigest()
    checked = CheckedUpload(
        kind="pdf", size=len(pdf), sha256=digest, original_name="to-khai.pdf", extension="pdf", content=pdf
    )
    item = _CheckedAttachment(document, document.name, DossierFile.Source.DECLARATION, checked=checked)
    return item, certificate, confirmation


def _clean_id_number(value: str) -> str:
    text = (value or "").strip()
    if len(text) == 12:
        return validate_citizen_id(text)
    return validate_tax_code(text)


def _applicant_is_the_account(filing: Filing, account: User) -> None:
    """Online, whatever the filing mode, the applicant (người nộp) is the account holder.

    Someone filing for another person does it as a proxy: the principal and the authorisation
    are written as such (``FilingMode.ON_BEHALF``), never as the applicant. A name or number that
    contradicts the account is refused, not silently replaced, so the caller learns the rule.
    """
    name = account.full_name
    number = account.citizen_id or account.tax_code or ""
    given_name = " ".join(nfc(filing.applicant_name).split())
    given_number = (filing.applicant_id_number or "").strip()
    if (given_name and fold(given_name) != fold(name)) or (given_number and given_number != number):
        raise ValidationFailed(
            _("Hồ sơ chưa hợp lệ, vui lòng sửa các mục được đánh dấu."),
            extra={
                "errors": {
                    "applicant": _(
                        "Người nộp hồ sơ trực tuyến là chủ tài khoản (%(name)s, %(number)s). Để nộp cho người "
                        "khác, chọn hình thức “Nộp thay theo ủy quyền” và ghi người ủy quyền, giấy ủy quyền."
                    )
                    % {"name": name, "number": number}
                }
            },
        )
    filing.applicant_name = name
    filing.applicant_id_number = number
    filing.applicant_address = nfc(filing.applicant_address) or account.address or ""


def _fingerprint(filing: Filing) -> str:
    """A digest of everything filed (files by content), to tell a retry from another request reusing its key."""
    files = []
    for attachment in filing.attachments:
        digest = ""
        if attachment.upload is not None:
            attachment.upload.seek(0)
            digest = hashlib.sha256(attachment.upload.read()).hexdigest()
            attachment.upload.seek(0)
        files.append([attachment.required_document_id, attachment.name, attachment.stored_paper_id, digest])
    described = {
        "version": filing.version.pk,
        "receiving": filing.receiving_agency.pk,
        "deciding": filing.deciding_agency.pk,
        "form": jsonable(filing.form_data),
        "files": files,
        **{
            name: jsonable(getattr(filing, name))
            for name in (
                "applicant_name",
                "applicant_id_number",
                "applicant_address",
                "applicant_phone",
                "applicant_email",
                "filing_mode",
                "principal_name",
                "principal_id_number",
                "authorisation_note",
                "assisted_by",
                "delivery",
                "sets_count",
            )
        },
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _claim(filing: Filing, *, owner: User) -> SubmissionKey | None:
    """Take the submission's key before anything else is written, or raise ``AlreadyFiled`` with its dossier.

    A concurrent request holding the same key makes the insert wait for that request's transaction:
    once it commits, the unique constraint refuses this one and the committed dossier is found; if it
    rolled back (a refused filing), this request takes the key and files.
    """
    key = filing.idempotency_key
    if not key:
        return None
    if not SUBMISSION_KEY_RE.match(key):
        raise ValidationFailed(
            _("Khoá nộp một lần (Idempotency-Key) gồm 1–100 ký tự ASCII nhìn thấy được, không có dấu cách."),
            code="idempotency_key_invalid",
        )
    fingerprint = _fingerprint(filing)
    try:
        with transaction.atomic():
            return SubmissionKey.objects.create(owner=owner, key=key, fingerprint=fingerprint)
    except IntegrityError:
        pass
    existing = SubmissionKey.objects.select_related("dossier").get(owner=owner, key=key)
    if existing.fingerprint != fingerprint or existing.dossier is None:
        raise ValidationFailed(
            _("Khoá nộp một lần này đã dùng cho một hồ sơ khác; mỗi lần nộp cần một khoá mới."),
            code="idempotency_key_reused",
        )
    raise AlreadyFiled(existing.dossier)


def _bind(claim: SubmissionKey | None, dossier: Dossier) -> None:
    if claim is not None:
        claim.dossier = dossier
        claim.save(update_fields=["dossier"])


def _new_dossier(filing: Filing, *, channel: int, applicant: User | None, filed_by: Any, at: dt.datetime) -> Dossier:
    version = filing.version
    code = dossier_code_new(agency=filing.deciding_agency, at=at)
    dossier = Dossier(
        code=code,
        procedure=version.procedure,
        version=version,
        status=S.SUBMITTED,
        channel=channel,
        applicant=applicant,
        applicant_name=nfc(filing.applicant_name),
        applicant_id_number=filing.applicant_id_number.strip(),
        applicant_address=nfc(filing.applicant_address),
        applicant_phone=filing.applicant_phone.strip(),
        applicant_email=filing.applicant_email.strip(),
        filing_mode=filing.filing_mode,
        principal_name=nfc(filing.principal_name),
        principal_id_number=filing.principal_id_number.strip(),
        authorisation_note=nfc(filing.authorisation_note),
        assisted_by=nfc(filing.assisted_by),
        filed_by=filed_by if getattr(filed_by, "is_authenticated", False) else None,
        request_summary=version.name[:500],
        sets_count=max(1, filing.sets_count),
        receiving_agency=filing.receiving_agency,
        deciding_agency=filing.deciding_agency,
        current_agency=filing.receiving_agency,
        current_role=Role.ONE_STOP_OFFICER,
        submitted_at=at,
        statutory_hours=clock.statutory_hours(version),
        delivery=filing.delivery,
        fee_total=fees.fee_total(version, filing.form_data),
    )
    dossier.search_text = dossier_search_text(dossier)
    dossier.save()
    return dossier


def dossier_search_text(dossier: Dossier) -> str:
    parts = [dossier.code.lower(), dossier.applicant_id_number, fold(dossier.applicant_name)]
    if dossier.principal_name:
        parts += [fold(dossier.principal_name), dossier.principal_id_number]
    return " ".join(p for p in parts if p)


@transaction.atomic
def dossier_submit_online(*, applicant: User, filing: Filing, authenticated_by: str = AuthMethod.UNKNOWN) -> Dossier:
    """A citizen (or business) files online; the dossier waits for the one-stop desk.

    ``authenticated_by`` (an ``AuthMethod``) is how the applicant logged in: it is recorded with their
    confirmation of the declaration made from the e-form.
    """
    if not applicant.is_authenticated or applicant.is_official:
        raise NotFoundOrForbidden(_("Chỉ công dân, tổ chức đã đăng nhập mới nộp hồ sơ trực tuyến."))
    if authenticated_by not in AuthMethod.values:
        raise ValidationFailed(_("Cách xác thực người nộp không hợp lệ."))
    _applicant_is_the_account(filing, applicant)
    claim = _claim(filing, owner=applicant)
    cleaned, _missing = _validate_filing(filing, require_online=True)
    # Every upload is checked before the dossier code is taken and before any file is written.
    prepared = _check_attachments(filing.version, filing.attachments, owner=applicant)
    filing.form_data = cleaned
    now = timezone.now()
    dossier = _new_dossier(filing, channel=Channel.ONLINE, applicant=applicant, filed_by=applicant, at=now)
    _bind(claim, dossier)
    dossier.form_data = cleaned
    _save(dossier, "form_data")
    document = declaration_document(filing.version)
    made: tuple[_CheckedAttachment, Any, Any] | None = None
    if document is not None:
        made = _declaration(dossier, document=document, applicant=applicant, method=authenticated_by, at=now)
        prepared.append(made[0])
    _store_attachments(dossier, prepared, uploader=applicant)
    data: dict[str, Any] = {}
    if made is not None:
        item, certificate, confirmation = made
        assert item.checked is not None
        DeclarationConfirmation.objects.create(
            dossier=dossier,
            file=dossier.files.get(source=DossierFile.Source.DECLARATION),
            confirmed_by=applicant,
            method=authenticated_by,
            confirmed_at=now,
            ip_address=confirmation.ip_address,
            sha256=item.checked.sha256,
            certificate=certificate,
        )
        data["declaration"] = {
            "sha256": item.checked.sha256,
            "method": authenticated_by,
            "ip_address": confirmation.ip_address,
            "certificate": certificate.serial if certificate is not None else "",
        }
    _event(dossier, action="submit", actor=applicant, from_status="", at=now, data=data)
    return dossier


@transaction.atomic
def dossier_receive_at_counter(
    *, officer: User, filing: Filing, applicant: User | None = None, channel: int = Channel.IN_PERSON
) -> Dossier:
    """A paper dossier entered and scanned at the counter: received and accepted at once."""
    if not may_receive_at(officer, filing.receiving_agency.pk):
        raise NotFoundOrForbidden(_("Bạn không tiếp nhận hồ sơ tại nơi này."))
    if channel not in (Channel.IN_PERSON, Channel.POST):
        raise ValidationFailed(_("Kênh tiếp nhận không hợp lệ."))
    claim = _claim(filing, owner=officer)
    cleaned, _missing = _validate_filing(filing, require_online=False)
    if not _process(filing.version):
        raise ValidationFailed(_("Thủ tục chưa có quy trình nội bộ; không thể tiếp nhận."))
    prepared = _check_attachments(filing.version, filing.attachments, owner=applicant)
    filing.form_data = cleaned
    now = timezone.now()
    dossier = _new_dossier(filing, channel=channel, applicant=applicant, filed_by=officer, at=now)
    _bind(claim, dossier)
    dossier.form_data = cleaned
    dossier.received_by = officer
    _save(dossier, "form_data", "received_by")
    _store_attachments(dossier, prepared, uploader=officer)
    _event(dossier, action="receive", actor=officer, from_status="", at=now)
    _accept(dossier, actor=officer, at=now)
    return dossier


@transaction.atomic
def stored_paper_add(*, owner: User, name: str, upload: Any) -> StoredPaper:
    """A paper the citizen keeps in their own store, to reuse in later dossiers."""
    name = _required_text(name, _("Đặt tên cho giấy tờ."))
    checked = check_upload(upload, allowed=ATTACHMENT_TYPES, max_bytes=settings.CQS_ATTACHMENT_MAX_BYTES, label=name)
    upload.seek(0)
    paper = StoredPaper(owner=owner, name=name, kind=checked.kind, size=checked.size, sha256=checked.sha256)
    paper.file.save(f"{checked.sha256[:16]}.{checked.extension}", ContentFile(upload.read()), save=False)
    paper.save()
    audit_record(actor=owner, action="stored_paper.add", obj=paper, after={"name": name, "sha256": checked.sha256})
    return paper
