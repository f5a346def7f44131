"""What a dossier pays: each fee of its version, once or multiplied by what the applicant asked in the e-form.

A fee with ``quantity_field`` (e.g. "Phí cấp bản sao, 8.000 đồng/bản" with the e-form's number of
copies) costs its amount times the number written in that integer field; nothing written, or 0,
costs nothing. A fee without it is due once. The portal shows these lines before filing and the
dossier stores their total, so both follow what was actually asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cqs.catalog.models import ProcedureVersion

QUANTITY_MAX = 10_000  # copies, pages, certificates asked in one dossier


@dataclass(frozen=True)
class FeeDue:
    name: str
    unit_amount: int
    quantity: int | None  # None: due once
    unit_label: str  # the e-form field's label the quantity comes from
    total: int


def quantity_of(value: Any) -> int:
    """The number written in an integer e-form field (cleaned or as typed); anything else counts as 0."""
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int):
        return max(0, value)
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) <= 9 else 0


def fees_due(version: ProcedureVersion, form_data: Mapping[str, Any]) -> list[FeeDue]:
    labels = {row.key: row.label for row in version.form_fields.all()}
    lines = []
    for fee in version.fees.all():
        if fee.quantity_field:
            quantity = quantity_of(form_data.get(fee.quantity_field))
            label = labels.get(fee.quantity_field, fee.quantity_field)
            lines.append(FeeDue(fee.name, fee.amount, quantity, label, fee.amount * quantity))
        else:
            lines.append(FeeDue(fee.name, fee.amount, None, "", fee.amount))
    return lines


def fee_total(version: ProcedureVersion, form_data: Mapping[str, Any]) -> int:
    return sum(line.total for line in fees_due(version, form_data))


def quantity_fields(version: ProcedureVersion) -> set[str]:
    """The e-form keys some fee is multiplied by."""
    return {fee.quantity_field for fee in version.fees.all() if fee.quantity_field}
