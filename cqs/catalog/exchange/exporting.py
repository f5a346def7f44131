"""Exporting the catalog in the exchange format: the version each procedure shows, as JSON or a workbook."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.db.models import Q

from cqs.catalog.exchange.format import (
    AGENCY_GROUP_PREFIX,
    DECISION_COLUMNS,
    FORMAT,
    ITEM_COLUMNS,
    ITEM_SHEETS,
    PROCEDURE_COLUMNS,
    SHEET_FIELDS,
    SHEET_PROCEDURES,
)
from cqs.catalog.models import Field, Procedure, ProcedureVersion


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
