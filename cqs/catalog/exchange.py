"""Import and export of the catalog in the exchange format of docs/catalog-format.md (JSON, XLSX).

An import is all or nothing: everything is validated first and every problem is reported with
its place (``procedures[3].documents[1].name`` in JSON, ``Giấy tờ!B7`` in a workbook); only a
clean file is written, in a few bulk statements, with one audit event for the whole import.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
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
from cqs.catalog.search import procedures_refresh
from cqs.core.audit import audit_record
from cqs.core.errors import ValidationFailed
from cqs.core.text import fold, nfc
from cqs.units.models import Agency, AgencyCodeAlias

FORMAT = "cqs-catalog/1"
MAX_ERRORS = 2000
Status = ProcedureVersion.Status
Path = tuple[str | int, ...]

PROCEDURE_KEYS = (
    "code",
    "name",
    "field",
    "level",
    "agencies",
    *VERSION_CONTENT_FIELDS,
    "online_level",
    "result_type",
    "result_template",
    "fee_note",
    "decision",
    "change_note",
    "documents",
    "fees",
    "form_fields",
    "process_steps",
)
LIST_KEYS = ("documents", "fees", "form_fields", "process_steps")
ITEM_MODELS = {"documents": RequiredDocument, "fees": Fee, "form_fields": FormField, "process_steps": ProcessStep}

# Workbook layout: sheet names and columns (header row = JSON key names).
SHEET_PROCEDURES = "Thủ tục"
SHEET_FIELDS = "Lĩnh vực"
ITEM_SHEETS = {"documents": "Giấy tờ", "fees": "Phí", "form_fields": "Tờ khai", "process_steps": "Quy trình"}
PROCEDURE_COLUMNS = (
    "code",
    "name",
    "field",
    "level",
    "agencies",
    *VERSION_CONTENT_FIELDS,
    "online_level",
    "result_type",
    "fee_note",
    "decision_number",
    "decision_date",
    "effective_from",
    "change_note",
    "result_template",  # last: the columns of workbooks made before it keep their letters
)
ITEM_COLUMNS = {
    # New columns go last: the columns of workbooks made before them keep their letters.
    "documents": ("name", "originals", "copies", "optional", "template_name", "replaceable_by", "note", "declaration"),
    "fees": ("name", "amount", "note", "quantity_field"),
    "form_fields": ("key", "label", "type", "required", "choices", "help_text", "prefill"),
    "process_steps": ("name", "role", "unit_kind", "duration_hours"),
}
DECISION_COLUMNS = {"decision_number": "number", "decision_date": "date", "effective_from": "effective_from"}
# "*commune_committee" etc.: every active agency of that kind, stored as the kind (never expanded).
AGENCY_GROUP_PREFIX = "*"
AGENCY_GROUPS = {f"{AGENCY_GROUP_PREFIX}{kind}": kind for kind in Agency.Kind.values}


@dataclass
class ImportResult:
    procedures_created: int = 0
    versions_created: int = 0
    fields_created: int = 0
    versions_published: int = 0
    versions_waiting: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def json_place(path: Path) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass
class _Plan:
    code: str
    procedure_id: int | None
    number: int
    field_code: str
    scalars: dict[str, Any]
    agency_ids: list[int]
    agency_kinds: list[str]
    decision: dict[str, Any] | None
    items: dict[str, list[dict[str, Any]]]


@dataclass
class _Collector:
    locate: Callable[[Path], str]
    errors: list[dict[str, str]] = field(default_factory=list)
    total: int = 0

    def add(self, path: Path, message: str) -> None:
        self.total += 1
        if len(self.errors) < MAX_ERRORS:
            where = self.locate(path)
            key = path[-1] if path and isinstance(path[-1], str) else ""
            self.errors.append({"where": where, "field": key, "message": message})

    def raise_if_any(self) -> None:
        if not self.total:
            return
        message = _("Tệp nhập có %(n)d lỗi; danh mục chưa thay đổi gì.") % {"n": self.total}
        if self.total > len(self.errors):
            message += " " + _("Chỉ liệt kê %(shown)d lỗi đầu tiên.") % {"shown": len(self.errors)}
        raise ValidationFailed(message, extra={"errors": self.errors, "total": self.total})


# ---------------------------------------------------------------- import


def _limit() -> int:
    return int(getattr(settings, "CATALOG_IMPORT_MAX_BYTES", 20 * 1024 * 1024))


def _too_large() -> ValidationFailed:
    return ValidationFailed(
        _("Tệp quá lớn: tối đa %(mb)s MB.") % {"mb": f"{_limit() / 1024 / 1024:g}".replace(".", ",")}, code="too_large"
    )


def catalog_import_json(*, payload: bytes | str | dict[str, Any], actor: Any, publish: bool = False) -> ImportResult:
    """Import a JSON document of the exchange format (bytes, text or already parsed)."""
    if isinstance(payload, bytes | bytearray | str):
        raw = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
        if len(raw) > _limit():
            raise _too_large()
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as error:
            raise ValidationFailed(_("Tệp không phải văn bản UTF-8 nên không đọc được như JSON.")) from error
        except (json.JSONDecodeError, RecursionError) as error:
            where = f" (dòng {error.lineno}, cột {error.colno})" if isinstance(error, json.JSONDecodeError) else ""
            raise ValidationFailed(_("Tệp không phải JSON hợp lệ%(where)s.") % {"where": where}) from error
    else:
        data = payload
    return _import(data, actor=actor, publish=publish, locate=json_place)


def catalog_import_xlsx(*, file: BinaryIO, actor: Any, publish: bool = False) -> ImportResult:
    """Import a workbook of the exchange format; the content is checked, never the file name."""
    content = file.read(_limit() + 1)
    if isinstance(content, str):
        content = content.encode("utf-8")
    if len(content) > _limit():
        raise _too_large()
    data, locate, problems = _read_workbook(content)
    return _import(data, actor=actor, publish=publish, locate=locate, early=problems)


def _import(
    data: Any,
    *,
    actor: Any,
    publish: bool,
    locate: Callable[[Path], str],
    early: Iterable[tuple[Path, str]] = (),
) -> ImportResult:
    errors = _Collector(locate)
    for path, message in early:
        errors.add(path, message)
    if not isinstance(data, Mapping):
        errors.add((), _("Nội dung phải là một đối tượng JSON có “fields” và “procedures”."))
        errors.raise_if_any()
        return ImportResult()
    for key in data:
        if key not in {"format", "fields", "procedures"}:
            errors.add((str(key),), _("Không có thông tin “%(key)s” trong định dạng danh mục.") % {"key": key})
    if data.get("format", FORMAT) != FORMAT:
        errors.add(
            ("format",),
            _("Định dạng “%(f)s” không được hỗ trợ; cần “%(ok)s”.") % {"f": data.get("format"), "ok": FORMAT},
        )
    raw_fields = data.get("fields") or []
    raw_procedures = data.get("procedures")
    if not isinstance(raw_fields, list):
        errors.add(("fields",), _("“fields” phải là một danh sách."))
        raw_fields = []
    if not isinstance(raw_procedures, list):
        errors.add(("procedures",), _("“procedures” phải là một danh sách thủ tục."))
        raw_procedures = []

    # Fields: existing ones are kept as they are; new codes are created.
    existing_fields = dict(Field.objects.values_list("code", "id"))
    new_fields: dict[str, str] = {}
    for index, raw in enumerate(raw_fields):
        if not isinstance(raw, Mapping):
            errors.add(("fields", index), _("Mỗi lĩnh vực phải có “code” và “name”."))
            continue
        c = validation.Cleaner(raw)
        c.unknown(("code", "name"))
        code = c.text("code", _("Mã lĩnh vực"), required=True, max_length=40)
        name = c.text("name", _("Tên lĩnh vực"), required=True, max_length=200)
        if code and not validation.FIELD_CODE_RE.match(code):
            c.fail("code", _("Mã lĩnh vực “%(code)s” chỉ gồm chữ không dấu, số, dấu chấm, gạch.") % {"code": code})
        elif code in new_fields:
            c.fail("code", _("Mã lĩnh vực %(code)s bị lặp trong tệp.") % {"code": code})
        for key, message in c.problems:
            errors.add(("fields", index, key), message)
        if code and not c.problems and code not in existing_fields:
            new_fields[code] = name
        elif code and code in existing_fields:
            new_fields.setdefault(code, "")  # known; remembered to detect repeats only
    field_codes = set(existing_fields) | set(new_fields)
    new_fields = {code: name for code, name in new_fields.items() if code not in existing_fields}

    codes = [str(p["code"]) for p in raw_procedures if isinstance(p, Mapping) and isinstance(p.get("code"), str)]
    existing = {
        row["code"]: row
        for row in Procedure.objects.filter(code__in=[c.strip() for c in codes])
        .annotate(latest=Max("versions__number"))
        .values("id", "code", "latest", "current_version_id")
    }
    open_versions = dict(
        ProcedureVersion.objects.filter(
            procedure__code__in=list(existing), status__in=(Status.DRAFT, Status.CHECKED)
        ).values_list("procedure__code", "number")
    )
    agencies = _AgencyResolver()
    today = timezone.localdate()
    plans: list[_Plan] = []
    seen_codes: dict[str, int] = {}
    for index, raw in enumerate(raw_procedures):
        place: Path = ("procedures", index)
        if not isinstance(raw, Mapping):
            errors.add(place, _("Mỗi thủ tục phải là một đối tượng."))
            continue
        plan = _plan_procedure(
            raw,
            place,
            errors,
            field_codes=field_codes,
            existing=existing,
            open_versions=open_versions,
            agencies=agencies,
            seen_codes=seen_codes,
            index=index,
            publish=publish,
            today=today,
        )
        if plan is not None:
            plans.append(plan)
    errors.raise_if_any()
    return _write(plans, new_fields=new_fields, actor=actor, publish=publish, today=today)


class _AgencyResolver:
    def __init__(self) -> None:
        self.by_code: dict[str, int] = dict(Agency.objects.values_list("electronic_code", "id"))
        for alias, agency_id in AgencyCodeAlias.objects.values_list("code", "agency_id"):
            self.by_code.setdefault(alias, agency_id)

    def resolve(self, code: str) -> int | str | None:
        """An agency's id, a kind (for ``*kind``), or None when unknown."""
        if code in AGENCY_GROUPS:
            return AGENCY_GROUPS[code]
        return self.by_code.get(code)


def _plan_procedure(
    raw: Mapping[str, Any],
    place: Path,
    errors: _Collector,
    *,
    field_codes: set[str],
    existing: dict[str, dict[str, Any]],
    open_versions: dict[str, int],
    agencies: _AgencyResolver,
    seen_codes: dict[str, int],
    index: int,
    publish: bool,
    today: dt.date,
) -> _Plan | None:
    before = errors.total
    for key in raw:
        if key not in PROCEDURE_KEYS:
            errors.add((*place, str(key)), _("Không có thông tin “%(key)s” trong định dạng danh mục.") % {"key": key})
    code = raw.get("code")
    code = code.strip() if isinstance(code, str) else ""
    if not code:
        errors.add((*place, "code"), _("Mã thủ tục không được để trống."))
    elif not validation.PROCEDURE_CODE_RE.match(code):
        errors.add(
            (*place, "code"),
            _("Mã thủ tục “%(code)s” không đúng định dạng mã quốc gia (ví dụ 1.001193).") % {"code": code},
        )
    elif code in seen_codes:
        errors.add(
            (*place, "code"),
            _("Mã thủ tục %(code)s đã có ở thủ tục thứ %(n)d của tệp.") % {"code": code, "n": seen_codes[code] + 1},
        )
    else:
        seen_codes[code] = index
        if code in open_versions:
            errors.add(
                (*place, "code"),
                _(
                    "Thủ tục %(code)s đang có phiên bản %(n)d chưa công bố; "
                    "hãy công bố hoặc huỷ phiên bản đó trước khi nhập."
                )
                % {"code": code, "n": open_versions[code]},
            )
    scalars, problems = validation.clean_version_scalars(raw, partial=False)
    for key, message in problems:
        errors.add((*place, key), message)
    field_code = raw.get("field")
    field_code = field_code.strip() if isinstance(field_code, str) else ""
    if not field_code:
        errors.add((*place, "field"), _("Lĩnh vực không được để trống."))
    elif field_code not in field_codes:
        errors.add(
            (*place, "field"),
            _("Không có lĩnh vực mã “%(code)s” (trong danh mục hay trong tệp).") % {"code": field_code},
        )

    agency_ids: list[int] = []
    agency_kinds: list[str] = []
    raw_agencies = raw.get("agencies") or []
    if isinstance(raw_agencies, str):
        raw_agencies = [a for a in (x.strip() for x in raw_agencies.split(",")) if a]
    if not isinstance(raw_agencies, list):
        errors.add((*place, "agencies"), _("Cơ quan thực hiện phải là danh sách mã định danh."))
        raw_agencies = []
    for position, agency_code in enumerate(raw_agencies):
        found = agencies.resolve(agency_code.strip()) if isinstance(agency_code, str) else None
        if found is None:
            errors.add(
                (*place, "agencies", position),
                _("Không có cơ quan mã định danh “%(code)s”.") % {"code": agency_code},
            )
            continue
        if isinstance(found, str):
            if found not in agency_kinds:
                agency_kinds.append(found)
        elif found not in agency_ids:
            agency_ids.append(found)
    agency_kinds = [kind for kind in Agency.Kind.values if kind in agency_kinds]

    decision: dict[str, Any] | None = None
    raw_decision = raw.get("decision")
    if raw_decision not in (None, {}) and not isinstance(raw_decision, Mapping):
        errors.add((*place, "decision"), _("“decision” phải có number, date, effective_from."))
    elif isinstance(raw_decision, Mapping) and any(v not in (None, "") for v in raw_decision.values()):
        c = validation.Cleaner(raw_decision)
        c.unknown(("number", "date", "effective_from"))
        number = c.text("number", _("Số quyết định"), max_length=100)
        decision_date = c.date("date", _("Ngày quyết định"))
        effective_from = c.date("effective_from", _("Ngày có hiệu lực"))
        problems = list(c.problems)
        if not problems:
            problems = validation.check_decision(
                number=number, decision_date=decision_date, effective_from=effective_from, today=today
            )
        for key, message in problems:
            errors.add((*place, "decision", key), message)
        decision = {"decision_number": number, "decision_date": decision_date, "effective_from": effective_from}
    elif publish:
        errors.add((*place, "decision"), _("Cần quyết định công bố (số, ngày, ngày có hiệu lực) để công bố thủ tục."))

    items: dict[str, list[dict[str, Any]]] = {}
    for kind in LIST_KEYS:
        cleaned, item_problems = validation.clean_items(kind, raw.get(kind) or [])
        for item_index, key, message in item_problems:
            path: Path = (
                (*place, kind)
                if item_index is None
                else (*place, kind, item_index, key)
                if key
                else (*place, kind, item_index)
            )
            errors.add(path, message)
        items[kind] = cleaned

    if publish and errors.total == before:
        missing = validation.missing_components(
            name=scalars.get("name", ""),
            steps=scalars.get("steps", ""),
            method=scalars.get("method", ""),
            has_documents=bool(items["documents"]),
            processing_time=scalars.get("processing_time"),
            applicants=scalars.get("applicants", ""),
            has_agencies=bool(agency_ids or agency_kinds),
            has_process_steps=bool(items["process_steps"]),
            online_level=scalars.get("online_level", ""),
            form_fields=items["form_fields"],
            has_fees=bool(items["fees"]),
            fee_quantity_fields=[fee["quantity_field"] for fee in items["fees"] if fee["quantity_field"]],
            has_declaration=any(d["is_declaration"] for d in items["documents"]),
        )
        if missing:
            errors.add(
                place, _("Thủ tục chưa đủ thành phần để công bố: %(missing)s.") % {"missing": ", ".join(missing)}
            )
    if errors.total != before:
        return None
    known = existing.get(code)
    return _Plan(
        code=code,
        procedure_id=known["id"] if known else None,
        number=(known["latest"] or 0) + 1 if known else 1,
        field_code=field_code,
        scalars=scalars,
        agency_ids=agency_ids,
        agency_kinds=agency_kinds,
        decision=decision,
        items=items,
    )


@transaction.atomic
def _write(
    plans: list[_Plan], *, new_fields: dict[str, str], actor: Any, publish: bool, today: dt.date
) -> ImportResult:
    result = ImportResult()
    if new_fields:
        Field.objects.bulk_create(
            [Field(code=code, name=name, search_name=fold(name)) for code, name in new_fields.items()], batch_size=1000
        )
        result.fields_created = len(new_fields)
    field_ids = dict(Field.objects.values_list("code", "id"))

    fresh = [plan for plan in plans if plan.procedure_id is None]
    created = Procedure.objects.bulk_create([Procedure(code=plan.code) for plan in fresh], batch_size=1000)
    for plan, procedure in zip(fresh, created, strict=True):
        plan.procedure_id = procedure.pk
    result.procedures_created = len(created)

    now = timezone.now()
    versions = []
    for plan in plans:
        assert plan.procedure_id is not None
        version = ProcedureVersion(
            procedure_id=plan.procedure_id,
            number=plan.number,
            status=Status.PUBLISHED if publish else Status.DRAFT,
            field_id=field_ids[plan.field_code],
            agency_kinds=plan.agency_kinds,
            **plan.scalars,
            **(plan.decision or {}),
        )
        if publish:
            version.published_at = now
        versions.append(version)
    ProcedureVersion.objects.bulk_create(versions, batch_size=1000)
    result.versions_created = len(versions)

    through = ProcedureVersion.agencies.through
    through.objects.bulk_create(
        [
            through(procedureversion_id=version.pk, agency_id=agency_id)
            for plan, version in zip(plans, versions, strict=True)
            for agency_id in plan.agency_ids
        ],
        batch_size=5000,
    )
    for kind, model in ITEM_MODELS.items():
        model.objects.bulk_create(  # type: ignore[attr-defined]
            [
                model(version_id=version.pk, position=position, **data)
                for plan, version in zip(plans, versions, strict=True)
                for position, data in enumerate(plan.items[kind], start=1)
            ],
            batch_size=2000,
        )

    refresh = {plan.procedure_id for plan in fresh}
    if publish:
        due = [version for version in versions if version.effective_from and version.effective_from <= today]
        result.versions_published = len(due)
        result.versions_waiting = len(versions) - len(due)
        due_ids = [v.procedure_id for v in due]
        # The version in force until now ends the day the new one starts.
        by_date: dict[dt.date, list[int]] = defaultdict(list)
        for version in due:
            assert version.effective_from is not None
            by_date[version.effective_from].append(version.procedure_id)
        new_ids = [v.pk for v in versions]
        for start, procedure_ids in by_date.items():
            ProcedureVersion.objects.filter(procedure_id__in=procedure_ids, status=Status.PUBLISHED).exclude(
                pk__in=new_ids
            ).update(status=Status.SUPERSEDED, effective_until=start, updated_at=now)
        Procedure.objects.bulk_update(
            [Procedure(pk=v.procedure_id, current_version_id=v.pk) for v in due], ["current_version"], batch_size=1000
        )
        refresh.update(due_ids)
    procedures_refresh(pk for pk in refresh if pk is not None)
    audit_record(
        actor=actor,
        action="catalog.import",
        object_type="catalog.procedure",
        object_id="",
        after={**result.as_dict(), "publish": publish, "codes": len(plans)},
    )
    return result


# ---------------------------------------------------------------- export


def _export_versions(codes: list[str] | None) -> list[ProcedureVersion]:
    """The version each procedure shows: the current one, else the newest."""
    procedures = Procedure.objects.all()
    if codes is not None:
        procedures = procedures.filter(code__in=codes)
    pairs = list(procedures.values_list("id", "current_version_id"))
    current_ids = [cv for _pk, cv in pairs if cv]
    without = [pk for pk, cv in pairs if not cv]
    latest_ids = list(
        ProcedureVersion.objects.filter(procedure_id__in=without)
        .order_by("procedure_id", "-number")
        .distinct("procedure_id")
        .values_list("id", flat=True)
    )
    return list(
        ProcedureVersion.objects.filter(Q(pk__in=current_ids) | Q(pk__in=latest_ids))
        .select_related("procedure", "field")
        .prefetch_related("agencies", "documents", "fees", "form_fields", "process_steps")
        .order_by("procedure__code")
    )


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def version_exchange_dict(version: ProcedureVersion) -> dict[str, Any]:
    """A version in the exchange format (docs/catalog-format.md); the API detail builds on it."""
    decision = None
    if version.decision_number or version.decision_date or version.effective_from:
        decision = {
            "number": version.decision_number,
            "date": version.decision_date.isoformat() if version.decision_date else None,
            "effective_from": version.effective_from.isoformat() if version.effective_from else None,
        }
    return {
        "code": version.procedure.code,
        "name": version.name,
        "field": version.field.code,
        "level": version.level,
        "agencies": [
            *(f"{AGENCY_GROUP_PREFIX}{kind}" for kind in version.agency_kinds or []),
            *sorted(a.electronic_code for a in version.agencies.all()),
        ],
        "deciding_authority": version.deciding_authority,
        "steps": version.steps,
        "method": version.method,
        "applicants": version.applicants,
        "conditions": version.conditions,
        "legal_basis": version.legal_basis,
        "processing_time": _number(version.processing_time),
        "processing_time_unit": version.processing_time_unit,
        "processing_time_note": version.processing_time_note,
        "afternoon_cutoff": version.afternoon_cutoff.strftime("%H:%M") if version.afternoon_cutoff else None,
        "online_level": version.online_level,
        "result_type": version.result_type,
        "result_template": version.result_template,
        "fee_note": version.fee_note,
        "decision": decision,
        "change_note": version.change_note,
        "documents": [
            {
                "name": d.name,
                "originals": d.originals,
                "copies": d.copies,
                "optional": d.is_optional,
                "template_name": d.template_name,
                "replaceable_by": d.replaceable_by,
                "declaration": d.is_declaration,
                "note": d.note,
            }
            for d in version.documents.all()
        ],
        "fees": [
            {"name": f.name, "amount": f.amount, "quantity_field": f.quantity_field, "note": f.note}
            for f in version.fees.all()
        ],
        "form_fields": [
            {
                "key": f.key,
                "label": f.label,
                "type": f.type,
                "required": f.required,
                "choices": list(f.choices or []),
                "help_text": f.help_text,
                "prefill": f.prefill,
            }
            for f in version.form_fields.all()
        ],
        "process_steps": [
            {"name": s.name, "role": s.role, "unit_kind": s.unit_kind, "duration_hours": _number(s.duration_hours)}
            for s in version.process_steps.all()
        ],
    }


def catalog_export_json(*, codes: list[str] | None = None) -> dict[str, Any]:
    """The catalog (or the given procedures) in the exchange format; import reads it back."""
    versions = _export_versions(codes)
    field_ids = {v.field_id for v in versions}
    fields = Field.objects.all() if codes is None else Field.objects.filter(pk__in=field_ids)
    return {
        "format": FORMAT,
        "fields": [{"code": f.code, "name": f.name} for f in fields.order_by("code")],
        "procedures": [version_exchange_dict(v) for v in versions],
    }


def catalog_export_xlsx(*, codes: list[str] | None = None) -> bytes:
    """The same content as a workbook (sheets Thủ tục, Giấy tờ, Phí, Tờ khai, Quy trình, Lĩnh vực)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = catalog_export_json(codes=codes)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_PROCEDURES
    sheet.append(list(PROCEDURE_COLUMNS))
    for procedure in data["procedures"]:
        decision = procedure.get("decision") or {}
        row: list[Any] = []
        for column in PROCEDURE_COLUMNS:
            if column in DECISION_COLUMNS:
                value = decision.get(DECISION_COLUMNS[column])
                row.append(dt.date.fromisoformat(value) if value and column != "decision_number" else value)
            elif column == "agencies":
                row.append(", ".join(procedure["agencies"]))
            else:
                row.append(procedure[column])
        sheet.append(row)
    for kind, title in ITEM_SHEETS.items():
        item_sheet = workbook.create_sheet(title)
        item_sheet.append(["procedure_code", *ITEM_COLUMNS[kind]])
        for procedure in data["procedures"]:
            for item in procedure[kind]:
                values = [("; ".join(item[c]) if c == "choices" else item[c]) for c in ITEM_COLUMNS[kind]]
                item_sheet.append([procedure["code"], *values])
    field_sheet = workbook.create_sheet(SHEET_FIELDS)
    field_sheet.append(["code", "name"])
    for item in data["fields"]:
        field_sheet.append([item["code"], item["name"]])
    for ws in workbook.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for column_cells in ws.iter_cols(min_row=1, max_row=ws.max_row):
            for cell in column_cells:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "DD/MM/YYYY"
                elif isinstance(cell.value, str):
                    cell.number_format = "@"
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- reading a workbook


def _cell_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, str):
        return nfc(value) if "\n" not in value else value.strip()
    return value


def _read_workbook(content: bytes) -> tuple[dict[str, Any], Callable[[Path], str], list[tuple[Path, str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    not_xlsx = ValidationFailed(_("Tệp không phải bảng tính Excel (.xlsx) hợp lệ."), code="not_xlsx")
    if not content.startswith(b"PK\x03\x04"):
        raise not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > 20 * _limit():
                raise ValidationFailed(_("Bảng tính giải nén ra quá lớn."), code="too_large")
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except ValidationFailed:
        raise
    except Exception as error:  # openpyxl raises many kinds on a damaged or foreign file
        raise not_xlsx from error

    places: dict[Path, str] = {}
    problems: list[tuple[Path, str]] = []

    def locate(path: Path) -> str:
        probe = path
        while probe:
            if probe in places:
                return places[probe]
            probe = probe[:-1]
        return json_place(path)

    def rows_of(title: str, allowed: tuple[str, ...]) -> Iterable[tuple[int, dict[str, Any], dict[str, str]]]:
        if title not in workbook.sheetnames:
            return
        sheet = workbook[title]
        iterator = sheet.iter_rows(values_only=True)
        header = next(iterator, None)
        if header is None:
            return
        columns: dict[int, str] = {}
        for position, name in enumerate(header):
            if name is None or str(name).strip() == "":
                continue
            key = str(name).strip()
            if key not in allowed:
                problems.append(
                    (
                        (title, position),
                        _("%(cell)s: cột “%(key)s” không có trong định dạng danh mục.")
                        % {"cell": f"{title}!{get_column_letter(position + 1)}1", "key": key},
                    )
                )
                places[(title, position)] = f"{title}!{get_column_letter(position + 1)}1"
                continue
            columns[position] = key
        for row_number, values in enumerate(iterator, start=2):
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            record: dict[str, Any] = {}
            cells: dict[str, str] = {}
            for position, key in columns.items():
                value = values[position] if position < len(values) else None
                if value is not None:
                    record[key] = _cell_value(value)
                cells[key] = f"{title}!{get_column_letter(position + 1)}{row_number}"
            yield row_number, record, cells

    try:
        if SHEET_PROCEDURES not in workbook.sheetnames:
            raise ValidationFailed(
                _("Bảng tính thiếu sheet “%(sheet)s”.") % {"sheet": SHEET_PROCEDURES}, code="not_catalog"
            )
        fields: list[dict[str, Any]] = []
        for row_number, record, cells in rows_of(SHEET_FIELDS, ("code", "name")):
            index = len(fields)
            places[("fields", index)] = f"{SHEET_FIELDS}!A{row_number}"
            for key, cell in cells.items():
                places[("fields", index, key)] = cell
            fields.append(record)
        procedures: list[dict[str, Any]] = []
        by_code: dict[str, int] = {}
        for row_number, record, cells in rows_of(SHEET_PROCEDURES, PROCEDURE_COLUMNS):
            index = len(procedures)
            places[("procedures", index)] = f"{SHEET_PROCEDURES}!A{row_number}"
            for key, cell in cells.items():
                if key in DECISION_COLUMNS:
                    places[("procedures", index, "decision", DECISION_COLUMNS[key])] = cell
                places[("procedures", index, key)] = cell
            places[("procedures", index, "decision")] = cells.get("decision_number", places[("procedures", index)])
            code = record.get("code")
            if isinstance(code, int | float) and not isinstance(code, bool):
                problems.append(
                    (
                        ("procedures", index, "code"),
                        _("Ô mã thủ tục phải định dạng chữ (Text) để không mất số 0 cuối, ví dụ 2.000810."),
                    )
                )
                code = None
            procedure: dict[str, Any] = {
                key: value for key, value in record.items() if key not in DECISION_COLUMNS and key != "agencies"
            }
            if "agencies" in record:
                procedure["agencies"] = [a.strip() for a in str(record["agencies"]).split(",") if a.strip()]
                for position in range(len(procedure["agencies"])):
                    places[("procedures", index, "agencies", position)] = cells["agencies"]
            decision = {DECISION_COLUMNS[k]: record[k] for k in DECISION_COLUMNS if k in record}
            if decision:
                procedure["decision"] = decision
            for kind in LIST_KEYS:
                procedure[kind] = []
                places[("procedures", index, kind)] = ITEM_SHEETS[kind]
            procedures.append(procedure)
            if isinstance(code, str) and code.strip() not in by_code:
                by_code[code.strip()] = index
        for kind, title in ITEM_SHEETS.items():
            for row_number, record, cells in rows_of(title, ("procedure_code", *ITEM_COLUMNS[kind])):
                code = record.pop("procedure_code", None)
                code = str(code).strip() if code is not None else ""
                if code not in by_code:
                    problems.append(
                        (
                            (title, row_number),
                            _("Không có thủ tục mã “%(code)s” trong sheet %(sheet)s.")
                            % {"code": code, "sheet": SHEET_PROCEDURES},
                        )
                    )
                    places[(title, row_number)] = cells.get("procedure_code", f"{title}!A{row_number}")
                    continue
                owner = procedures[by_code[code]]
                item_index = len(owner[kind])
                base: Path = ("procedures", by_code[code], kind, item_index)
                places[base] = cells.get("procedure_code", f"{title}!A{row_number}")
                for key, cell in cells.items():
                    places[(*base, key)] = cell
                owner[kind].append(record)
    except ValidationFailed:
        raise
    except Exception as error:  # a damaged sheet discovered while reading
        raise not_xlsx from error
    finally:
        workbook.close()
    return {"format": FORMAT, "fields": fields, "procedures": procedures}, locate, problems
