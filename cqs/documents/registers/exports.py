"""The registers as files: the printable PDF (A4 landscape, WeasyPrint) and the spreadsheet (openpyxl, write-only).

Both are made from the rows of ``registers.selectors``, so they always agree with the page.
"""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cqs.core.errors import ValidationFailed
from cqs.documents.registers.selectors import (
    CLASSIFIED,
    INCOMING,
    RegisterQuery,
    columns,
    day_text,
    entries,
    period_label,
    rows,
)

PDF_MAX_ROWS = 2_000
XLSX_MAX_ROWS = 100_000


def _capped(query: RegisterQuery, limit: int) -> list[Any]:
    found = list(entries(query)[: limit + 1])
    if len(found) > limit:
        raise ValidationFailed(
            _("Sổ có hơn %(max)s dòng trong khoảng thời gian này; hãy chọn khoảng ngắn hơn.")
            % {"max": f"{limit:,}".replace(",", ".")}
        )
    return found


def register_html(query: RegisterQuery) -> str:
    """The printable register (A4 landscape) in Vietnamese."""
    documents = _capped(query, PDF_MAX_ROWS)
    with translation.override("vi"):
        return render_to_string(
            "documents/registers/print.html",
            {
                "query": query,
                "agency": query.agency,
                "title": query.title,
                "year": query.year,
                "period": period_label(query),
                "columns": columns(query.kind),
                "rows": rows(query, documents),
                "incoming": query.kind == INCOMING,
                "printed": day_text(timezone.localdate()),
            },
        )


def register_pdf(query: RegisterQuery) -> bytes:
    import weasyprint  # imported here: it takes a second to load, and only printing needs it

    result = weasyprint.HTML(string=register_html(query)).write_pdf()
    assert result is not None
    return bytes(result)


def register_xlsx(query: RegisterQuery) -> bytes:
    """The register as a spreadsheet: a heading (agency, title, period), the column names, one line per document."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    documents = _capped(query, XLSX_MAX_ROWS)
    with translation.override("vi"):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=str(query.year))
        bold = Font(bold=True)

        def strong(value: str) -> WriteOnlyCell:
            cell = WriteOnlyCell(sheet, value=value)
            cell.font = bold
            return cell

        sheet.append([strong(query.agency.name.upper())])
        sheet.append([strong(f"{query.title.upper()} — {_('NĂM')} {query.year}")])
        sheet.append([period_label(query)])
        sheet.append([strong(c) for c in columns(query.kind)])
        for row in rows(query, documents):
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
    return out.getvalue()


def export_name(query: RegisterQuery, extension: str) -> str:
    kind = "so-van-ban-den" if query.kind == INCOMING else "so-van-ban-di"
    suffix = "-mat" if query.register == CLASSIFIED else ""
    return f"{kind}{suffix}-{query.agency.electronic_code}-{query.year}.{extension}"
