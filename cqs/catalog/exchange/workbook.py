"""Reading a workbook of the exchange format into the JSON shape, with the cell each value came from."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext as _

from cqs.catalog.exchange.format import (
    DECISION_COLUMNS,
    FORMAT,
    ITEM_COLUMNS,
    ITEM_SHEETS,
    LIST_KEYS,
    PROCEDURE_COLUMNS,
    SHEET_FIELDS,
    SHEET_PROCEDURES,
    Path,
    import_limit,
    json_place,
)
from cqs.core.errors import ValidationFailed
from cqs.core.text import nfc


def _cell_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, str):
        return nfc(value) if "\n" not in value else value.strip()
    return value


def workbook_read(content: bytes) -> tuple[dict[str, Any], Callable[[Path], str], list[tuple[Path, str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    not_xlsx = ValidationFailed(_("Tệp không phải bảng tính Excel (.xlsx) hợp lệ."), code="not_xlsx")
    if not content.startswith(b"PK\x03\x04"):
        raise not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > 20 * import_limit():
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
