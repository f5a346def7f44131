"""Writes to the procedure catalog: procedures, their versions and the publication lifecycle.

A version moves draft → checked → published → superseded. Only draft and checked versions
are edited (editing a checked one sends it back to draft); a published version is frozen
because dossiers refer to it. Publishing with a future effective date leaves the version
waiting; ``catalog_activate_due`` (run by publishing, by the daily job and by the ``catalog_activate`` command)
makes it current when its date comes.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.catalog import validation
from cqs.catalog.models import (
    VERSION_CONTENT_FIELDS,
    Fee,
    Field,
    FormField,
    Procedure,
    ProcedureVersion,
    ProcessStep,
    RequiredDocument,
)
from cqs.catalog.search import catalog_changed, procedures_refresh
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.core.text import fold, nfc
from cqs.core.uploads import DOC, DOCX, ODT, PDF, check_upload
from cqs.units.models import Agency

Status = ProcedureVersion.Status
EDITABLE = (Status.DRAFT, Status.CHECKED)

# The lifecycle: which status each action may start from.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "edit": (Status.DRAFT, Status.CHECKED),
    "check": (Status.DRAFT,),
    "publish": (Status.CHECKED,),
    "discard": (Status.DRAFT, Status.CHECKED),
    "template": (Status.DRAFT, Status.CHECKED),
}

VERSION_FIELDS = [
    "name",
    "field",
    "level",
    "agency_kinds",
    *VERSION_CONTENT_FIELDS,
    "online_level",
    "result_type",
    "result_template",
    "fee_note",
]


def _status_label(status: str) -> str:
    return str(Status(status).label)


def _errors(problems: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Problems as the API and pages show them: where (empty for a single form), field, message."""
    return [{"where": "", "field": key, "message": message} for key, message in problems]


def _lock_version(version: ProcedureVersion) -> ProcedureVersion:
    locked = ProcedureVersion.objects.select_for_update().filter(pk=version.pk).first()
    if locked is None:
        raise NotFoundOrForbidden(_("Không tìm thấy phiên bản thủ tục."))
    return locked


def _guard(version: ProcedureVersion, action: str) -> None:
    if version.status in TRANSITIONS[action]:
        return
    if action == "edit":
        raise InvalidTransition(_("Phiên bản đã công bố không được sửa; hãy tạo phiên bản mới."))
    messages = {
        "check": _("Chỉ kiểm tra được phiên bản dự thảo; phiên bản này đang ở trạng thái “%(status)s”."),
        "publish": _("Chỉ công bố được phiên bản đã kiểm tra; phiên bản này đang ở trạng thái “%(status)s”."),
        "discard": _("Chỉ huỷ được phiên bản chưa công bố; phiên bản này đang ở trạng thái “%(status)s”."),
        "template": _(
            "Chỉ thay đổi được tệp mẫu của phiên bản dự thảo hoặc đã kiểm tra; "
            "phiên bản này đang ở trạng thái “%(status)s”."
        ),
    }
    raise InvalidTransition(messages[action] % {"status": _status_label(version.status)})


def _back_to_draft(version: ProcedureVersion) -> None:
    if version.status == Status.CHECKED:
        version.status = Status.DRAFT
        version.save(update_fields=["status", "updated_at"])


# ---------------------------------------------------------------- fields


@transaction.atomic
def field_create(*, code: str, name: str, actor: Any) -> Field:
    code, name = nfc(code or ""), nfc(name or "")
    problems: list[tuple[str, str]] = []
    if not validation.FIELD_CODE_RE.match(code):
        problems.append(
            (
                "code",
                _("Mã lĩnh vực “%(code)s” chỉ gồm chữ không dấu, số, dấu chấm, gạch (tối đa 40 ký tự).")
                % {"code": code},
            )
        )
    elif Field.objects.filter(code=code).exists():
        problems.append(("code", _("Đã có lĩnh vực mã %(code)s.") % {"code": code}))
    if not name:
        problems.append(("name", _("Tên lĩnh vực không được để trống.")))
    elif len(name) > 200:
        problems.append(("name", _("Tên lĩnh vực dài quá 200 ký tự.")))
    if problems:
        raise ValidationFailed(problems[0][1], extra={"errors": _errors(problems)})
    field = Field.objects.create(code=code, name=name, search_name=fold(name))
    audit_record(actor=actor, action="field.create", obj=field, after=snapshot(field))
    return field


# ---------------------------------------------------------------- procedures and versions


@transaction.atomic
def procedure_create(
    *, code: str, name: str, field: Field, level: str, online_level: str, actor: Any
) -> tuple[Procedure, ProcedureVersion]:
    """A new procedure with an empty draft version 1."""
    code = (code or "").strip()
    problems: list[tuple[str, str]] = []
    if not validation.PROCEDURE_CODE_RE.match(code):
        problems.append(
            ("code", _("Mã thủ tục “%(code)s” không đúng định dạng mã quốc gia (ví dụ 1.001193).") % {"code": code})
        )
    elif Procedure.objects.filter(code=code).exists():
        problems.append(("code", _("Đã có thủ tục mã %(code)s.") % {"code": code}))
    scalars, scalar_problems = validation.clean_version_scalars(
        {"name": name, "level": level, "online_level": online_level}, partial=True
    )
    problems.extend(scalar_problems)
    if field is None or not isinstance(field, Field) or field.pk is None:
        problems.append(("field", _("Cần chọn lĩnh vực.")))
    if problems:
        raise ValidationFailed(problems[0][1], extra={"errors": _errors(problems)})
    procedure = Procedure.objects.create(code=code)
    version = ProcedureVersion.objects.create(procedure=procedure, number=1, field=field, **scalars)
    procedures_refresh([procedure.pk])
    audit_record(actor=actor, action="procedure.create", obj=procedure, after={"code": code, **snapshot(version)})
    procedure.refresh_from_db()
    return procedure, version


def _copy_children(source: ProcedureVersion, target: ProcedureVersion) -> None:
    models: tuple[Any, ...] = (RequiredDocument, Fee, FormField, ProcessStep)
    for model in models:
        rows = list(model.objects.filter(version=source))
        for row in rows:
            row.pk = None
            row.version = target
        model.objects.bulk_create(rows)
    target.agencies.set(source.agencies.all())


@transaction.atomic
def version_create_draft(*, procedure: Procedure, actor: Any) -> ProcedureVersion:
    """A new draft copied from the procedure's latest version, with all its lists and agencies."""
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    open_version = procedure.versions.filter(status__in=EDITABLE).order_by("-number").first()
    if open_version is not None:
        raise InvalidTransition(
            _(
                "Thủ tục %(code)s đã có phiên bản %(n)d ở trạng thái “%(status)s”; "
                "hãy hoàn tất hoặc huỷ phiên bản đó trước."
            )
            % {"code": procedure.code, "n": open_version.number, "status": _status_label(open_version.status)}
        )
    latest = procedure.versions.order_by("-number").first()
    if latest is None:
        raise ValidationFailed(_("Thủ tục chưa có phiên bản nào để sao chép."))
    new = ProcedureVersion.objects.create(
        procedure=procedure,
        number=latest.number + 1,
        status=Status.DRAFT,
        **{name: copy.copy(getattr(latest, name)) for name in VERSION_FIELDS},
    )
    _copy_children(latest, new)
    audit_record(
        actor=actor,
        action="procedure_version.create_draft",
        obj=new,
        after={"copied_from": latest.pk, "number": new.number},
    )
    return new


@transaction.atomic
def version_update(*, version: ProcedureVersion, actor: Any, data: dict[str, Any]) -> ProcedureVersion:
    """Change scalar fields of a draft or checked version, ``agencies`` (a list of Agency) and
    ``agency_kinds`` (Agency.Kind values: every active agency of these kinds carries it out)."""
    version = _lock_version(version)
    _guard(version, "edit")
    allowed = {*validation.SCALAR_KEYS, "field", "agencies", "agency_kinds"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationFailed(_("Không sửa được thông tin: %(keys)s.") % {"keys": ", ".join(unknown)})
    scalars, problems = validation.clean_version_scalars(data, partial=True)
    if "field" in data and not (isinstance(data["field"], Field) and data["field"].pk):
        problems.append(("field", _("Cần chọn lĩnh vực.")))
    agencies: list[Agency] | None = None
    if "agencies" in data:
        agencies = list(data["agencies"] or [])
        if not all(isinstance(a, Agency) and a.pk for a in agencies):
            problems.append(("agencies", _("Cơ quan thực hiện không hợp lệ.")))
    agency_kinds: list[str] | None = None
    if "agency_kinds" in data:
        agency_kinds, kind_problems = validation.clean_agency_kinds(data["agency_kinds"])
        problems.extend(kind_problems)
    if problems:
        raise ValidationFailed(problems[0][1], extra={"errors": _errors(problems)})
    before = snapshot(version)
    before_agencies = sorted(version.agencies.values_list("pk", flat=True))
    for key, value in scalars.items():
        setattr(version, key, value)
    if "field" in data:
        version.field = data["field"]
    if agency_kinds is not None:
        version.agency_kinds = agency_kinds
    if version.status == Status.CHECKED:
        version.status = Status.DRAFT
    version.save()
    after = snapshot(version)
    if agencies is not None:
        version.agencies.set(agencies)
        before["agencies"] = before_agencies
        after["agencies"] = sorted(a.pk for a in agencies)
    audit_record(actor=actor, action="procedure_version.update", obj=version, before=before, after=after)
    return version


ITEM_NAMES = {
    "documents": "thành phần hồ sơ",
    "fees": "phí, lệ phí",
    "form_fields": "tờ khai điện tử",
    "process_steps": "quy trình nội bộ",
}


def _set_items(version: ProcedureVersion, actor: Any, kind: str, items: list[dict[str, Any]]) -> None:
    version = _lock_version(version)
    _guard(version, "edit")
    cleaned, problems = validation.clean_items(kind, items)
    if problems:
        errors = [
            {"where": _("Dòng %(n)d") % {"n": index + 1} if index is not None else "", "field": key, "message": message}
            for index, key, message in problems
        ]
        raise ValidationFailed(
            _("Chưa lưu được %(what)s: có %(n)d lỗi, xem từng dòng.") % {"what": _(ITEM_NAMES[kind]), "n": len(errors)},
            extra={"errors": errors},
        )
    model = {"documents": RequiredDocument, "fees": Fee, "form_fields": FormField, "process_steps": ProcessStep}[kind]
    before = list(model.objects.filter(version=version).values())  # type: ignore[attr-defined]
    rows = [model(version=version, position=position, **data) for position, data in enumerate(cleaned, start=1)]
    if kind == "documents":
        _keep_templates(version, rows)
    model.objects.filter(version=version).delete()  # type: ignore[attr-defined]
    model.objects.bulk_create(rows)  # type: ignore[attr-defined]
    _back_to_draft(version)
    audit_record(
        actor=actor,
        action=f"procedure_version.set_{kind}",
        obj=version,
        before=[{k: v for k, v in row.items() if k not in {"id", "version_id"}} for row in before],
        after=cleaned,
    )


@transaction.atomic
def version_set_documents(*, version: ProcedureVersion, actor: Any, items: list[dict[str, Any]]) -> None:
    _set_items(version, actor, "documents", items)


@transaction.atomic
def version_set_fees(*, version: ProcedureVersion, actor: Any, items: list[dict[str, Any]]) -> None:
    _set_items(version, actor, "fees", items)


@transaction.atomic
def version_set_form_fields(*, version: ProcedureVersion, actor: Any, items: list[dict[str, Any]]) -> None:
    _set_items(version, actor, "form_fields", items)


@transaction.atomic
def version_set_process_steps(*, version: ProcedureVersion, actor: Any, items: list[dict[str, Any]]) -> None:
    _set_items(version, actor, "process_steps", items)


TEMPLATE_FIELDS = ("template_file", "template_filename", "template_kind", "template_size", "template_sha256")
TEMPLATE_KINDS = {PDF, DOCX, ODT, DOC}


def _keep_templates(version: ProcedureVersion, rows: list[Any]) -> None:
    """A rewritten list keeps each template file on the document of the same name (the rows have no ids)."""
    by_name: dict[str, RequiredDocument] = {}
    for old in RequiredDocument.objects.filter(version=version).exclude(template_file=""):
        by_name.setdefault(nfc(old.name), old)
    for row in rows:
        key = nfc(row.name)
        if key in by_name:
            old = by_name.pop(key)
            for name in TEMPLATE_FIELDS:
                setattr(row, name, getattr(old, name))


def _template_state(document: RequiredDocument) -> dict[str, Any]:
    return {
        "file": document.template_file.name or "",
        "filename": document.template_filename,
        "kind": document.template_kind,
        "size": document.template_size,
        "sha256": document.template_sha256,
    }


def _lock_document(document: RequiredDocument) -> tuple[RequiredDocument, ProcedureVersion]:
    """The document and its version, both locked (the version first, as every list edit locks it)."""
    version = _lock_version(ProcedureVersion(pk=document.version_id))
    locked = RequiredDocument.objects.select_for_update().filter(pk=document.pk, version=version).first()
    if locked is None:
        raise NotFoundOrForbidden(_("Không tìm thấy thành phần hồ sơ."))
    return locked, version


@transaction.atomic
def document_template_attach(*, document: RequiredDocument, file: Any, actor: Any) -> RequiredDocument:
    """Give a document of a draft or checked version its template file (PDF, DOCX, ODT or DOC).

    The file is checked by content (``cqs.core.uploads.check_upload``) and stored once per content
    under ``catalog/templates/<sha256 prefix>/<ASCII name>``; a checked version goes back to draft.
    """
    document, version = _lock_document(document)
    _guard(version, "template")
    checked = check_upload(
        file, allowed=TEMPLATE_KINDS, max_bytes=settings.CQS_TEMPLATE_MAX_BYTES, label=_("mẫu đơn, tờ khai")
    )
    name = f"catalog/templates/{checked.sha256[:16]}/{checked.safe_name}"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(checked.content))
    before = _template_state(document)
    document.template_file.name = name
    document.template_filename = checked.filename
    document.template_kind = checked.kind
    document.template_size = checked.size
    document.template_sha256 = checked.sha256
    document.save(update_fields=list(TEMPLATE_FIELDS))
    _back_to_draft(version)
    audit_record(
        actor=actor,
        action="required_document.template_attach",
        obj=document,
        before=before,
        after={**_template_state(document), "version": version.pk},
    )
    return document


@transaction.atomic
def document_template_remove(*, document: RequiredDocument, actor: Any) -> RequiredDocument:
    """Take the template file off a document of a draft or checked version.

    The stored file stays: other versions may share it, and the audit log names it.
    """
    document, version = _lock_document(document)
    _guard(version, "template")
    if not document.template_file:
        raise ValidationFailed(_("Giấy tờ “%(name)s” chưa có tệp mẫu.") % {"name": document.name})
    before = _template_state(document)
    document.template_file.name = ""
    document.template_filename = ""
    document.template_kind = ""
    document.template_size = None
    document.template_sha256 = ""
    document.save(update_fields=list(TEMPLATE_FIELDS))
    _back_to_draft(version)
    audit_record(
        actor=actor,
        action="required_document.template_remove",
        obj=document,
        before=before,
        after={**_template_state(document), "version": version.pk},
    )
    return document


def _incomplete_error(missing: list[str]) -> ValidationFailed:
    return ValidationFailed(
        _("Thủ tục chưa đủ thành phần để công bố: %(missing)s.") % {"missing": ", ".join(missing)},
        code="incomplete",
        extra={"errors": [{"where": "", "field": "", "message": m} for m in missing], "missing": missing},
    )


@transaction.atomic
def version_check(*, version: ProcedureVersion, actor: Any) -> ProcedureVersion:
    """Draft → checked, only when every component is there."""
    from cqs.catalog.selectors import version_completeness

    version = _lock_version(version)
    _guard(version, "check")
    missing = version_completeness(version=version)
    if missing:
        raise _incomplete_error(missing)
    version.status = Status.CHECKED
    version.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="procedure_version.check",
        obj=version,
        before={"status": Status.DRAFT},
        after={"status": version.status},
    )
    return version


@transaction.atomic
def version_discard(*, version: ProcedureVersion, actor: Any) -> None:
    """Delete a version that was never published (a draft or a checked one)."""
    version = _lock_version(version)
    _guard(version, "discard")
    before = snapshot(version)
    procedure_id = version.procedure_id
    if not ProcedureVersion.objects.filter(procedure_id=procedure_id).exclude(pk=version.pk).exists():
        raise InvalidTransition(_("Không huỷ được phiên bản duy nhất của thủ tục."))
    audit_record(actor=actor, action="procedure_version.discard", obj=version, before=before)
    version.agencies.clear()
    version.delete()


@transaction.atomic
def version_publish(
    *, version: ProcedureVersion, actor: Any, decision_number: str, decision_date: dt.date, effective_from: dt.date
) -> ProcedureVersion:
    """Checked → published by a decision; in force now or waiting for its effective date."""
    from cqs.catalog.selectors import version_completeness

    version = _lock_version(version)
    _guard(version, "publish")
    today = timezone.localdate()
    problems = validation.check_decision(
        number=decision_number,
        decision_date=validation.parse_date(decision_date),
        effective_from=validation.parse_date(effective_from),
        today=today,
    )
    if problems:
        raise ValidationFailed(problems[0][1], extra={"errors": _errors(problems)})
    missing = version_completeness(version=version)
    if missing:
        raise _incomplete_error(missing)
    version.status = Status.PUBLISHED
    version.decision_number = nfc(decision_number)
    version.decision_date = validation.parse_date(decision_date)
    version.effective_from = validation.parse_date(effective_from)
    version.published_at = timezone.now()
    version.save()
    audit_record(
        actor=actor,
        action="procedure_version.publish",
        obj=version,
        before={"status": Status.CHECKED},
        after=snapshot(version, ["status", "decision_number", "decision_date", "effective_from", "published_at"]),
    )
    _activate_due(procedure_ids=[version.procedure_id], today=today, actor=actor)
    version.refresh_from_db()
    return version


def _activate_due(*, procedure_ids: list[int] | None, today: dt.date, actor: Any) -> int:
    """Make the newest due published version of each procedure its current one."""
    due = ProcedureVersion.objects.filter(status=Status.PUBLISHED, effective_from__lte=today)
    if procedure_ids is not None:
        due = due.filter(procedure_id__in=procedure_ids)
    candidates = due.values("procedure_id").annotate(newest=Max("number")).values_list("procedure_id", "newest")
    changed: list[int] = []
    for procedure_id, newest in candidates:
        procedure = Procedure.objects.select_for_update().get(pk=procedure_id)
        current = (
            ProcedureVersion.objects.filter(pk=procedure.current_version_id).first()
            if procedure.current_version_id
            else None
        )
        if current is not None and current.number >= newest:
            # An older version whose date came after a newer one took over: it never applies.
            stale = ProcedureVersion.objects.filter(
                procedure_id=procedure_id, status=Status.PUBLISHED, number__lt=current.number
            ).exclude(pk=current.pk)
            for old in stale.filter(effective_from__lte=today):
                old.status, old.effective_until = Status.SUPERSEDED, old.effective_from
                old.save(update_fields=["status", "effective_until", "updated_at"])
                audit_record(
                    actor=actor, action="procedure_version.supersede", obj=old, after={"replaced_by": current.pk}
                )
            continue
        new = ProcedureVersion.objects.select_for_update().get(procedure_id=procedure_id, number=newest)
        older = ProcedureVersion.objects.select_for_update().filter(
            procedure_id=procedure_id, status=Status.PUBLISHED, number__lt=new.number
        )
        for old in older:
            old.status, old.effective_until = Status.SUPERSEDED, new.effective_from
            old.save(update_fields=["status", "effective_until", "updated_at"])
            audit_record(
                actor=actor,
                action="procedure_version.supersede",
                obj=old,
                before={"status": Status.PUBLISHED},
                after={"status": Status.SUPERSEDED, "effective_until": new.effective_from, "replaced_by": new.pk},
            )
        procedure.current_version = new
        procedure.save(update_fields=["current_version", "updated_at"])
        audit_record(
            actor=actor,
            action="procedure.activate_version",
            obj=procedure,
            before={"current_version": current.pk if current else None},
            after={"current_version": new.pk, "number": new.number, "effective_from": new.effective_from},
        )
        changed.append(procedure_id)
    procedures_refresh(changed)
    return len(changed)


@transaction.atomic
def catalog_activate_due(*, today: dt.date | None = None) -> int:
    """Bring into force every published version whose effective date has come; returns how many."""
    return _activate_due(procedure_ids=None, today=today or timezone.localdate(), actor=None)


@transaction.atomic
def procedure_unpublish(*, procedure: Procedure, actor: Any, reason: str) -> Procedure:
    """Withdraw a procedure from the portal (its versions and dossiers stay as they are)."""
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    reason = nfc(reason or "")
    if not reason:
        raise ValidationFailed(_("Cần nêu lý do ngừng công bố thủ tục."))
    if not procedure.is_published:
        raise InvalidTransition(_("Thủ tục %(code)s đang không được công bố.") % {"code": procedure.code})
    procedure.is_published = False
    procedure.save(update_fields=["is_published", "updated_at"])
    catalog_changed()
    audit_record(
        actor=actor,
        action="procedure.unpublish",
        obj=procedure,
        before={"is_published": True},
        after={"is_published": False, "reason": reason},
    )
    return procedure
