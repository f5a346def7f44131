"""The demo's own people: the published password and TOTP secret, the officials of the home commune,
the two citizens and the business who sign in to the demo.

A leaf of ``cqs.demo``: plain data that every demo step and the benchmark read, importing no other
demo step.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from cqs.accounts.models import Role
from cqs.demo import agencies as data

# One password for every demo account: long enough for the password rules, easy to type.
DEMO_PASSWORD = "ChinhQuyenSo@2026"  # noqa: S105 (published demo password, refused in production)
# One TOTP secret for every demo official (20 bytes, as authenticator apps expect).
DEMO_TOTP_KEY = b"CQS-demo-NgheAn-2026"
DEMO_TOTP_KEY_HEX = DEMO_TOTP_KEY.hex()
DEMO_TOTP_SECRET_BASE32 = base64.b32encode(DEMO_TOTP_KEY).decode("ascii")


@dataclass(frozen=True)
class OfficialSpec:
    role: str
    username: str
    full_name: str
    email: str
    agency: str  # electronic code, or "home" for the home commune's People's Committee


OFFICIALS: tuple[OfficialSpec, ...] = (
    OfficialSpec(Role.ONE_STOP_OFFICER, "motcua", "Nguyễn Thị Hằng", "motcua.truongvinh@nghean.gov.vn", "home"),
    OfficialSpec(Role.SPECIALIST, "chuyenvien", "Trần Văn Minh", "tuphap.truongvinh@nghean.gov.vn", "home"),
    OfficialSpec(Role.SPECIALIST, "chanhvanphong", "Hồ Thị Lan", "vanphong.truongvinh@nghean.gov.vn", "home"),
    OfficialSpec(Role.LEADER, "lanhdao", "Lê Văn Thắng", "chutich.truongvinh@nghean.gov.vn", "home"),
    OfficialSpec(Role.CLERK, "vanthu", "Phạm Thị Thu", "vanthu.truongvinh@nghean.gov.vn", "home"),
    OfficialSpec(
        Role.CATALOG_MANAGER, "quanlytthc", "Hoàng Văn Đức", "kstthc@nghean.gov.vn", data.PROVINCIAL_COMMITTEE
    ),
    OfficialSpec(Role.ADMINISTRATOR, "quantri", "Võ Thị Mai", "quantri@nghean.gov.vn", data.PROVINCIAL_SERVICE_CENTRE),
)


@dataclass(frozen=True)
class CitizenSpec:
    citizen_id: str
    full_name: str
    email: str
    phone: str
    date_of_birth: dt.date
    address: str


# 040 = born in Nghệ An; 4th digit 1 = female born in the 1900s, 0 = male born in the 1900s.
CITIZENS: tuple[CitizenSpec, ...] = (
    CitizenSpec(
        "040190012345",
        "Nguyễn Thị Lan",
        "lan.nguyen@example.vn",
        "0912000001",
        dt.date(1990, 5, 12),
        "Khối 5, phường Trường Vinh, tỉnh Nghệ An",
    ),
    CitizenSpec(
        "040085654321",
        "Trần Văn Hùng",
        "hung.tran@example.vn",
        "0912000002",
        dt.date(1985, 9, 2),
        "Xóm 3, xã Diễn Châu, tỉnh Nghệ An",
    ),
)

# A valid 10-digit tax code (check digit 8) of a demo company in Vinh.
BUSINESS = {
    "tax_code": "2901234568",
    "full_name": "Công ty TNHH Thương mại và Dịch vụ Hồng Lam",
    "email": "lienhe@honglam.example.vn",
    "phone": "0912000003",
    "address": "Số 12 đường Lê Lợi, phường Thành Vinh, tỉnh Nghệ An",
}
