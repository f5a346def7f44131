"""Reading and checking an import (JSON or a workbook): every problem is collected with its place before
anything is written; a clean file becomes one ``Plan`` per procedure for ``writing.import_write``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.catalog import validation
from cqs.catalog.exchange.format import (
    AGENCY_GROUPS,
    FORMAT,
    LIST_KEYS,
    MAX_ERRORS,
    PROCEDURE_KEYS,
    Path,
    Status,
    import_limit,
    json_place,
)
from cqs.catalog.exchange.workbook import workbook_read
from cqs.catalog.exchange.writing import ImportResult, Plan, import_write
from cqs.catalog.models import Field, Procedure, ProcedureVersion
from cqs.core.errors import ValidationFailed
from cqs.units.models import Agency, AgencyCodeAlias


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


def _too_large() -> ValidationFailed:
    return ValidationFailed(
        _("Tệp quá lớn: tối đa %(mb)s MB.") % {"mb": f"{import_limit() / 1024 / 1024:g}".replace(".", ",")},
        code="too_large",
    )


def catalog_import_json(*, payload: bytes | str | dict[str, Any], actor: Any, publish: bool = False) -> ImportResult:
    """Import a JSON document of the exchange format (bytes, text or already parsed)."""
    if isinstance(payload, bytes | bytearray | str):
        raw = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
        if len(raw) > import_limit():
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
    content = file.read(import_limit() + 1)
    if isinstance(content, str):
        content = content.encode("utf-8")
    if len(content) > import_limit():
        raise _too_large()
    data, locate, problems = workbook_read(content)
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
    plans: list[Plan] = []
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
    return import_write(plans, new_fields=new_fields, actor=actor, publish=publish, today=today)


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
) -> Plan | None:
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
            process_roles=[step["role"] for step in items["process_steps"]],
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
    return Plan(
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
