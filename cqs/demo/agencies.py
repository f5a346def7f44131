"""The demo agencies of Nghệ An (province code 40 in ``vietnam-provinces``) and their electronic ID codes.

Electronic ID codes (mã định danh điện tử) follow the shape ``ZZZ.YY.XX.H40`` of the national
coding standard, where ``H40`` is Nghệ An:

* ``000.00.00.H40`` — the provincial People's Committee (level 1);
* ``000.00.NN.H40`` — provincial bodies under it (level 2): the provincial Public Administrative
  Service Centre and the departments, ``NN`` as listed in ``PROVINCIAL_AGENCIES``;
* ``000.YY.XX.H40`` — the People's Committee of the n-th commune of the province, communes taken
  in the order of their official code (``vietnam-provinces``), ``YY = 40 + (n − 1) // 99`` and
  ``XX = (n − 1) % 99 + 1``: the first commune is ``000.40.01.H40``, the 99th ``000.40.99.H40``,
  the 100th ``000.41.01.H40``;
* ``001.YY.XX.H40`` — the Public Administrative Service Centre of that commune.

These are demo codes in the real shape; an installation replaces them with the codes the
province was actually issued (the agency admin screens and code aliases allow it).
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE_CODE = 40
PROVINCE_SUFFIX = "H40"


@dataclass(frozen=True)
class AgencySpec:
    electronic_code: str
    name: str
    short_name: str
    kind: str
    parent: str | None = None
    address: str = ""


PROVINCIAL_COMMITTEE = "000.00.00.H40"
PROVINCIAL_SERVICE_CENTRE = "000.00.01.H40"
HOME_AFFAIRS = "000.00.10.H40"
JUSTICE = "000.00.11.H40"
FINANCE = "000.00.12.H40"
CONSTRUCTION = "000.00.13.H40"
AGRICULTURE_ENVIRONMENT = "000.00.14.H40"
HEALTH = "000.00.15.H40"
PUBLIC_SECURITY = "000.00.18.H40"

PROVINCIAL_AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec(
        PROVINCIAL_COMMITTEE,
        "Ủy ban nhân dân tỉnh Nghệ An",
        "UBND tỉnh Nghệ An",
        "provincial_committee",
        address="Số 03 đường Trường Thi, phường Trường Vinh, tỉnh Nghệ An",
    ),
    AgencySpec(
        PROVINCIAL_SERVICE_CENTRE,
        "Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
        "TTPVHCC tỉnh",
        "provincial_service_centre",
        parent=PROVINCIAL_COMMITTEE,
    ),
    AgencySpec(HOME_AFFAIRS, "Sở Nội vụ tỉnh Nghệ An", "Sở Nội vụ", "department", parent=PROVINCIAL_COMMITTEE),
    AgencySpec(JUSTICE, "Sở Tư pháp tỉnh Nghệ An", "Sở Tư pháp", "department", parent=PROVINCIAL_COMMITTEE),
    AgencySpec(FINANCE, "Sở Tài chính tỉnh Nghệ An", "Sở Tài chính", "department", parent=PROVINCIAL_COMMITTEE),
    AgencySpec(CONSTRUCTION, "Sở Xây dựng tỉnh Nghệ An", "Sở Xây dựng", "department", parent=PROVINCIAL_COMMITTEE),
    AgencySpec(
        AGRICULTURE_ENVIRONMENT,
        "Sở Nông nghiệp và Môi trường tỉnh Nghệ An",
        "Sở NN&MT",
        "department",
        parent=PROVINCIAL_COMMITTEE,
    ),
    AgencySpec(HEALTH, "Sở Y tế tỉnh Nghệ An", "Sở Y tế", "department", parent=PROVINCIAL_COMMITTEE),
    AgencySpec(PUBLIC_SECURITY, "Công an tỉnh Nghệ An", "Công an tỉnh", "other"),
)

# Communes that also get their own Public Administrative Service Centre in the demo (by name).
COMMUNES_WITH_SERVICE_CENTRE: tuple[str, ...] = (
    "Phường Trường Vinh",
    "Phường Thành Vinh",
    "Phường Vinh Hưng",
    "Phường Cửa Lò",
    "Xã Diễn Châu",
    "Xã Con Cuông",
)

# The commune where the demo officials work (its committee receives and decides their dossiers).
HOME_COMMUNE = "Phường Trường Vinh"


def commune_electronic_code(position: int, *, prefix: str = "000") -> str:
    """The electronic ID code of the ``position``-th commune (1-based, by official code)."""
    if position < 1:
        raise ValueError("position starts at 1")
    group, index = divmod(position - 1, 99)
    return f"{prefix}.{40 + group:02d}.{index + 1:02d}.{PROVINCE_SUFFIX}"


def commune_committee_name(unit_name: str) -> tuple[str, str]:
    """("Ủy ban nhân dân phường Trường Vinh", "UBND phường Trường Vinh") from "Phường Trường Vinh"."""
    kind, _, rest = unit_name.partition(" ")
    local = f"{kind.lower()} {rest}".strip()
    return f"Ủy ban nhân dân {local}", f"UBND {local}"


def commune_centre_name(unit_name: str) -> tuple[str, str]:
    kind, _, rest = unit_name.partition(" ")
    local = f"{kind.lower()} {rest}".strip()
    return f"Trung tâm Phục vụ hành chính công {local}", f"TTPVHCC {local}"
