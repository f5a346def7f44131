"""The demo dossiers' people: one official per role at each agency they pass through, and the citizens who file."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from cqs.accounts.models import Role, User
from cqs.accounts.services import citizen_vneid_resolve, official_create
from cqs.demo import agencies as data
from cqs.demo import people
from cqs.demo.accounts import CITIZENS, DEMO_PASSWORD
from cqs.units.models import Agency
from cqs.units.selectors import communes_of, province_get

CITIZEN_COUNT = 200
# Communes whose committees receive demo dossiers, with their share of the commune dossiers.
COMMUNES: tuple[tuple[str, str, float], ...] = (
    (data.HOME_COMMUNE, "truongvinh", 0.76),
    ("Phường Thành Vinh", "thanhvinh", 0.13),
    ("Xã Diễn Châu", "dienchau", 0.11),
)

OFFICIAL_NAMES = (
    "Đặng Thị Hoa", "Nguyễn Văn Quyết", "Hồ Thị Thanh", "Lê Minh Tuấn", "Phan Thị Ngọc", "Trần Quốc Việt",
    "Võ Thị Hồng", "Bùi Đức Anh", "Thái Thị Mỹ", "Ngô Văn Sỹ", "Đinh Thị Quế", "Cao Văn Bảo",
    "Lương Thị Thúy", "Hoàng Văn Kiên", "Dương Thị Lý", "Chu Văn Lợi",
)  # fmt: skip


@dataclass
class Actors:
    by_agency: dict[int, dict[str, User]] = field(default_factory=dict)

    def get(self, agency: Agency | int, role: str) -> User:
        key = agency if isinstance(agency, int) else agency.pk
        return self.by_agency[key][role]


def ensure_official(username: str, agency: Agency, role: str, index: int) -> tuple[User, bool]:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    user = official_create(
        username=username,
        password=DEMO_PASSWORD,
        full_name=OFFICIAL_NAMES[index % len(OFFICIAL_NAMES)],
        email=f"{username}@nghean.gov.vn",
        agency=agency,
        roles=[role],
        actor=None,
    )
    return user, True


def commune_committee(name: str) -> Agency:
    commune = communes_of(province=province_get(code=data.PROVINCE_CODE)).get(name=name)
    return Agency.objects.get(unit=commune, kind=Agency.Kind.COMMUNE_COMMITTEE)


# The provincial agencies that decide procedures of the demo catalogue, with the slug of their officials' names
# (``chuyenvien.snnmt``, ``lanhdao.snnmt``, ``vanthu.snnmt``…): every step of every demo procedure has its person.
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    (data.AGRICULTURE_ENVIRONMENT, "snnmt"),
    (data.PUBLIC_SECURITY, "congan"),
    (data.CONSTRUCTION, "sxd"),
    (data.HOME_AFFAIRS, "snv"),
    (data.JUSTICE, "stp"),
    (data.FINANCE, "stc"),
    (data.HEALTH, "syt"),
)


def demo_dossier_officials() -> tuple[Actors, dict[str, Agency], int]:
    """The demo officials of the home commune, one per role at the two other communes of the demo dossiers, the
    provincial service centre's one-stop officer, and a specialist, a leader and a clerk at every provincial
    agency deciding a procedure of the demo catalogue."""
    actors = Actors()
    places: dict[str, Agency] = {}
    created = 0
    index = 0
    roles = (Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK)
    prefixes = {
        Role.ONE_STOP_OFFICER: "motcua",
        Role.SPECIALIST: "chuyenvien",
        Role.LEADER: "lanhdao",
        Role.CLERK: "vanthu",
    }
    for commune, slug, _share in COMMUNES:
        agency = commune_committee(commune)
        places[slug] = agency
        for role in roles:
            username = prefixes[role] if slug == "truongvinh" else f"{prefixes[role]}.{slug}"
            user, new = ensure_official(username, agency, role, index)
            index += 1
            created += new
            actors.by_agency.setdefault(agency.pk, {})[role] = user
    by_code = {a.electronic_code: a for a in Agency.objects.filter(electronic_code__startswith="000.00.")}
    places["tinh"] = by_code[data.PROVINCIAL_SERVICE_CENTRE]
    user, new = ensure_official("motcua.tinh", by_code[data.PROVINCIAL_SERVICE_CENTRE], Role.ONE_STOP_OFFICER, index)
    created += new
    actors.by_agency.setdefault(by_code[data.PROVINCIAL_SERVICE_CENTRE].pk, {})[Role.ONE_STOP_OFFICER] = user
    for code, slug in DEPARTMENTS:
        agency = by_code[code]
        places[slug] = agency
        for role in roles[1:]:
            index += 1
            user, new = ensure_official(f"{prefixes[role]}.{slug}", agency, role, index)
            created += new
            actors.by_agency.setdefault(agency.pk, {})[role] = user
    return actors, places, created


def demo_citizen_people(rng: random.Random, today: dt.date) -> list[people.Person]:
    taken = {c.citizen_id for c in CITIZENS}
    return [people.person(rng, today=today, taken=taken) for _ in range(CITIZEN_COUNT)]


def demo_citizens(persons: list[people.Person]) -> tuple[dict[str, User], int]:
    """The generated citizens, as accounts created by signing in with VNeID (no password to hash)."""
    existing = {str(u.citizen_id): u for u in User.objects.filter(citizen_id__in=[p.citizen_id for p in persons])}
    created = 0
    for index, person in enumerate(persons):
        if person.citizen_id in existing:
            continue
        claims = {
            "citizen_id": person.citizen_id,
            "name": person.full_name,
            "phone_number": person.phone,
            "birthdate": person.date_of_birth.isoformat(),
            "email": f"congdan{index + 1:03d}@example.vn" if index % 2 == 0 else "",
        }
        existing[person.citizen_id] = citizen_vneid_resolve(
            subject=f"demo-vneid-{person.citizen_id}", claims=claims, identifier_claim="citizen_id"
        ).user
        created += 1
    return existing, created
