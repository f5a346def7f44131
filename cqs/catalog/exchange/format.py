"""The shape of the catalog exchange format (docs/catalog-format.md): its keys, the workbook's sheets and
columns, the agency groups, how a place in the file is named, and how large an import may be."""

from __future__ import annotations

from django.conf import settings

from cqs.catalog.models import VERSION_CONTENT_FIELDS, Fee, FormField, ProcedureVersion, ProcessStep, RequiredDocument
from cqs.units.models import Agency

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


def json_place(path: Path) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def import_limit() -> int:
    return int(getattr(settings, "CATALOG_IMPORT_MAX_BYTES", 20 * 1024 * 1024))
