"""How unit and agency codes are written: one place, so every app pads them the same way."""

from __future__ import annotations

import re

PROVINCE_CODE_WIDTH = 2
COMMUNE_CODE_WIDTH = 5

# Agency electronic ID code (mã định danh điện tử): groups of upper-case letters and digits
# separated by dots, e.g. 000.00.00.H40 (UBND tỉnh), 000.40.01.H40.
ELECTRONIC_CODE = re.compile(r"^[0-9A-Z]+(?:\.[0-9A-Z]+)+$")


def province_code(number: int | str) -> str:
    """The stored code of a province: two digits, e.g. 1 → "01", 40 → "40"."""
    return str(int(number)).zfill(PROVINCE_CODE_WIDTH)


def commune_code(number: int | str) -> str:
    """The stored code of a commune: five digits, e.g. 4 → "00004", 16681 → "16681"."""
    return str(int(number)).zfill(COMMUNE_CODE_WIDTH)
