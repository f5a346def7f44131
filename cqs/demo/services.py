"""Demo data for Nghệ An: units, agencies, the procedure catalog, one account per role.

``demo_seed`` is idempotent: it only creates what is missing, so a second run finds
everything in place and ends in about a second. Everything goes through the domain
services (``units``, ``accounts``, ``catalog``), as a real installation would.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts.models import Role, User
from cqs.accounts.selectors import totp_confirmed_device
from cqs.accounts.services import (
    business_register,
    citizen_register,
    identity_verify_at_counter,
    official_create,
    totp_activation_issue,
    totp_enrol_confirm,
    totp_enrol_start,
)
from cqs.catalog.exchange import catalog_import_json
from cqs.catalog.models import Procedure
from cqs.demo import agencies as data
from cqs.demo.accounts import (
    BUSINESS,
    CITIZENS,
    DEMO_PASSWORD,
    DEMO_TOTP_KEY_HEX,
    DEMO_TOTP_SECRET_BASE32,
    OFFICIALS,
)
from cqs.demo.certificates import demo_certificates
from cqs.demo.clock import at
from cqs.demo.documents import demo_document_setup, demo_documents_seed
from cqs.demo.dossier_people import demo_dossier_officials
from cqs.demo.dossiers import demo_dossiers_seed
from cqs.units.models import Agency
from cqs.units.selectors import communes_of, province_get
from cqs.units.services import agency_create, units_load_from_package

CATALOG_PATH = Path(__file__).resolve().parent / "data" / "nghe_an_procedures.json"


@dataclass(frozen=True)
class DemoAccount:
    role: str  # a Role value, or "citizen" / "business"
    label: str
    username: str
    password: str
    full_name: str
    agency: str = ""
    totp: bool = False


@dataclass
class DemoAccounts:
    accounts: list[DemoAccount] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    totp_secret: str = DEMO_TOTP_SECRET_BASE32

    @property
    def created_anything(self) -> bool:
        return any(self.created.values())


def _seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


class _Progress:
    def __init__(self, stdout: TextIO | Any, total: int) -> None:
        self.stdout = stdout
        self.total = total
        self.step = 0

    def run(self, label: str, work: Callable[[], str]) -> None:
        self.step += 1
        started = time.monotonic()
        outcome = work()
        elapsed = _seconds(time.monotonic() - started)
        self.stdout.write(f"[{self.step}/{self.total}] {label}… {outcome} ({elapsed} s)\n")


# ---------------------------------------------------------------- steps


def demo_units() -> int:
    """Every province and commune of Vietnam (the communes of Nghệ An are what the demo uses)."""
    provinces, communes = units_load_from_package()
    return provinces + communes


def demo_agencies() -> int:
    """The provincial agencies and one People's Committee per commune of Nghệ An; returns how many were created."""
    province = province_get(code=data.PROVINCE_CODE)
    existing: dict[str, Agency] = {a.electronic_code: a for a in Agency.objects.all()}
    created = 0

    def ensure(spec: data.AgencySpec, unit: Any) -> Agency:
        nonlocal created
        found = existing.get(spec.electronic_code)
        if found is not None:
            return found
        parent = existing.get(spec.parent) if spec.parent else None
        agency = agency_create(
            electronic_code=spec.electronic_code,
            name=spec.name,
            short_name=spec.short_name,
            kind=spec.kind,
            unit=unit,
            parent=parent,
            address=spec.address,
            actor=None,
        )
        existing[agency.electronic_code] = agency
        created += 1
        return agency

    for spec in data.PROVINCIAL_AGENCIES:
        ensure(spec, province)
    communes = sorted(communes_of(province=province), key=lambda unit: int(unit.code))
    for position, commune in enumerate(communes, start=1):
        name, short = data.commune_committee_name(commune.name)
        committee = ensure(
            data.AgencySpec(data.commune_electronic_code(position), name, short, "commune_committee"), commune
        )
        if commune.name in data.COMMUNES_WITH_SERVICE_CENTRE:
            name, short = data.commune_centre_name(commune.name)
            ensure(
                data.AgencySpec(
                    data.commune_electronic_code(position, prefix="001"),
                    name,
                    short,
                    "commune_service_centre",
                    parent=committee.electronic_code,
                ),
                commune,
            )
    return created


def demo_catalog_payload() -> dict[str, Any]:
    with CATALOG_PATH.open(encoding="utf-8") as handle:
        payload: dict[str, Any] = json.load(handle)
    return payload


def demo_catalog() -> tuple[int, int]:
    """Import and publish the procedures of the demo catalog not yet in the database.

    Returns ``(imported, already_present)``. Procedures already present are never
    re-imported (an import of an existing code would add a new draft version).
    """
    payload = demo_catalog_payload()
    codes = [p["code"] for p in payload["procedures"]]
    present = set(Procedure.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = [p for p in payload["procedures"] if p["code"] not in present]
    if missing:
        catalog_import_json(payload={**payload, "procedures": missing}, actor=None, publish=True)
    return len(missing), len(present)


def _home_committee() -> Agency:
    province = province_get(code=data.PROVINCE_CODE)
    commune = communes_of(province=province).get(name=data.HOME_COMMUNE)
    return Agency.objects.get(unit=commune, kind=Agency.Kind.COMMUNE_COMMITTEE)


def _totp_enable(user: User) -> bool:
    """Give ``user`` a confirmed TOTP device with the demo secret; False if one is already confirmed.

    Goes the way a real official does: an activation code (issued by the system here), enrolment,
    confirmation with a code from the app.
    """
    if totp_confirmed_device(user=user) is not None:
        return False
    activation = totp_activation_issue(user=user, actor=None)
    device = totp_enrol_start(user=user, activation_code=activation.raw)
    TOTPDevice.objects.filter(pk=device.pk).update(key=DEMO_TOTP_KEY_HEX)
    device.refresh_from_db()
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    totp_enrol_confirm(user=user, device_id=device.pk, token=f"{code:0{device.digits}d}")
    # Confirming consumed the current code; let the demo user log in with it right away.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    return True


def _verify_at_counter(user: User, officer: User, document: str) -> None:
    if not user.identity_verified:
        identity_verify_at_counter(user=user, actor=officer, document=document)


def demo_accounts() -> tuple[DemoAccounts, int]:
    """One official per role, two citizens and one business; returns (accounts, how many were created)."""
    home = _home_committee()
    agencies = {a.electronic_code: a for a in Agency.objects.filter(electronic_code__in=[o.agency for o in OFFICIALS])}
    result = DemoAccounts()
    created = 0
    for spec in OFFICIALS:
        agency = home if spec.agency == "home" else agencies[spec.agency]
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = official_create(
                username=spec.username,
                password=DEMO_PASSWORD,
                full_name=spec.full_name,
                email=spec.email,
                agency=agency,
                roles=[str(spec.role)],
                actor=None,
            )
            created += 1
        result.accounts.append(
            DemoAccount(
                role=str(spec.role),
                label=str(Role(spec.role).label),
                username=spec.username,
                password=DEMO_PASSWORD,
                full_name=spec.full_name,
                agency=agency.name,
                totp=True,
            )
        )
    officer = User.objects.get(username=next(o.username for o in OFFICIALS if o.role == Role.ONE_STOP_OFFICER))
    for citizen in CITIZENS:
        person = User.objects.filter(username=citizen.citizen_id).first()
        if person is None:
            person = citizen_register(
                citizen_id=citizen.citizen_id,
                full_name=citizen.full_name,
                password=DEMO_PASSWORD,
                email=citizen.email,
                phone=citizen.phone,
                date_of_birth=citizen.date_of_birth,
                address=citizen.address,
            )
            created += 1
        # The demo citizens showed their card at the counter once: their accounts are verified.
        _verify_at_counter(person, officer, "Thẻ CCCD gắn chip (dữ liệu mẫu)")
        result.accounts.append(
            DemoAccount(
                role=str(User.Kind.CITIZEN),
                label=str(User.Kind.CITIZEN.label),
                username=citizen.citizen_id,
                password=DEMO_PASSWORD,
                full_name=citizen.full_name,
            )
        )
    business = User.objects.filter(username=BUSINESS["tax_code"]).first()
    if business is None:
        business = business_register(
            tax_code=BUSINESS["tax_code"],
            full_name=BUSINESS["full_name"],
            password=DEMO_PASSWORD,
            email=BUSINESS["email"],
            phone=BUSINESS["phone"],
            address=BUSINESS["address"],
        )
        created += 1
    _verify_at_counter(business, officer, "Giấy chứng nhận đăng ký doanh nghiệp (dữ liệu mẫu)")
    result.accounts.append(
        DemoAccount(
            role=str(User.Kind.BUSINESS),
            label=str(User.Kind.BUSINESS.label),
            username=BUSINESS["tax_code"],
            password=DEMO_PASSWORD,
            full_name=BUSINESS["full_name"],
        )
    )
    return result, created


def demo_totp() -> int:
    """Confirmed TOTP devices with the demo secret for every official of the demo; returns how many were enabled."""
    return sum(_totp_enable(user) for user in User.objects.filter(kind=User.Kind.OFFICIAL, is_active=True))


# ---------------------------------------------------------------- entry point


def demo_seed(*, stdout: TextIO | Any) -> DemoAccounts:
    """Load the Nghệ An demo, creating only what is missing; prints one progress line per step."""
    progress = _Progress(stdout, total=8)
    counts: dict[str, int] = {}

    def units() -> str:
        counts["units"] = demo_units()
        return f"thêm {counts['units']} đơn vị" if counts["units"] else "đã có sẵn"

    def agencies() -> str:
        counts["agencies"] = demo_agencies()
        return f"thêm {counts['agencies']} cơ quan" if counts["agencies"] else "đã có sẵn"

    def catalog() -> str:
        imported, present = demo_catalog()
        counts["procedures"] = imported
        return f"thêm {imported} thủ tục" if imported else f"đã có sẵn {present} thủ tục"

    accounts_holder: list[DemoAccounts] = []

    def accounts() -> str:
        found, created = demo_accounts()
        accounts_holder.append(found)
        counts["accounts"] = created
        return f"thêm {created} tài khoản" if created else "đã có sẵn"

    def second_factor() -> str:
        counts["totp"] = demo_totp()
        return f"bật cho {counts['totp']} cán bộ" if counts["totp"] else "đã bật"

    total = len(demo_catalog_payload()["procedures"])
    progress.run("Nạp đơn vị hành chính (34 tỉnh, thành phố và các xã, phường)", units)
    progress.run("Tạo cơ quan của tỉnh Nghệ An và UBND các xã, phường", agencies)
    progress.run(f"Nạp {total} thủ tục hành chính", catalog)
    progress.run("Tạo tài khoản mẫu cho từng vai trò", accounts)

    def officials() -> str:
        _actors, _places, counts["officials"] = demo_dossier_officials()
        # Valid since before the demo's history, so the results and documents of the past months are signed "then".
        with at(timezone.now() - dt.timedelta(days=400)):
            counts["certificates"] = demo_certificates()
        if not counts["officials"] and not counts["certificates"]:
            return "đã có sẵn"
        return f"thêm {counts['officials']} cán bộ, {counts['certificates']} chứng thư số"

    progress.run(
        "Tạo cán bộ của các cơ quan giải quyết hồ sơ mẫu, CA thử nghiệm, chứng thư số của cơ quan (con dấu) "
        "và của lãnh đạo (chữ ký)",
        officials,
    )

    def dossiers() -> str:
        counts["dossiers"] = demo_dossiers_seed(stdout=stdout)
        return f"thêm {counts['dossiers']} hồ sơ" if counts["dossiers"] else "đã có sẵn"

    progress.run(
        "Tạo hồ sơ mẫu của 12 tháng qua (qua các nghiệp vụ thật; kết quả điện tử ký số khi phê duyệt)", dossiers
    )

    def documents() -> str:
        home, province = _home_committee(), Agency.objects.get(electronic_code=data.PROVINCIAL_COMMITTEE)
        counts["document_setup"] = demo_document_setup(home=home, province=province)
        incoming, outgoing = demo_documents_seed(home=home, province=province)
        counts["documents"] = incoming + outgoing
        return f"thêm {incoming} văn bản đến, {outgoing} văn bản đi" if counts["documents"] else "đã có sẵn"

    progress.run("Tạo văn bản đến, văn bản đi mẫu của 3 tháng qua (qua các nghiệp vụ thật)", documents)
    progress.run("Bật xác thực hai lớp (TOTP) cho mọi cán bộ của dữ liệu mẫu", second_factor)
    result = accounts_holder[0]
    result.created = counts
    return result
