"""A year of dossiers for the demo, made by the real services at the moments they happened.

About 1,500 dossiers over the last twelve months, mostly at UBND phường Trường Vinh (where the
demo officials work), some at two other communes and at the provincial service centre; online
and at the counter; in every state; about 95% of the finished ones on time; some rated.

How the past is made: every action is a call of the real service in ``cqs.dossiers.services``
inside ``cqs.demo.clock.at(moment)``, which makes ``timezone.now()`` return that moment. The
services therefore compute the due time on the working calendar, the step deadlines, the timing
(early / on time / late from ``finished_at`` against ``due_at``), event and audit times and the
upload folders themselves, exactly as they would have; nothing is shifted afterwards. The
actions of all dossiers run in one global time order, so dossier codes (daily sequences) and the
register rows of form 07 are numbered in the order things happened. Each service call commits
on its own, as in production (with ``synchronous_commit`` off for this connection: it is demo
data, and it makes the load several times faster).

Idempotent: the plan is drawn from a fixed seed; if dossiers of the demo's applicants already
exist, nothing is created.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from cqs.accounts.models import Role, User
from cqs.accounts.services import citizen_vneid_resolve, official_create
from cqs.catalog.models import FormField, OnlineLevel, Procedure, ProcedureVersion, ProcessStep
from cqs.core.calendar import HOURS_PER_DAY, WorkingCalendar
from cqs.core.errors import ApplicationError
from cqs.demo import agencies as data
from cqs.demo import people
from cqs.demo.clock import at
from cqs.dossiers import services
from cqs.dossiers.models import AuthMethod, Channel, Delivery, Dossier, DossierFile, FilingMode, Status
from cqs.units.models import Agency
from cqs.units.selectors import communes_of, province_get

SEED = 2026
CITIZEN_COUNT = 200

S = Status

# Share of each final state (REFERENCE §1 statuses; ~64% returned, a few of every other).
STATUS_WEIGHTS: tuple[tuple[str, float], ...] = (
    (S.RETURNED, 64),
    (S.FINISHED, 5),
    (S.PROCESSING, 8),
    (S.AWAITING_APPROVAL, 3),
    (S.TRANSFERRED, 2),
    (S.SUBMITTED, 4),
    (S.SUPPLEMENT_REQUESTED, 3),
    (S.PAYMENT_REQUESTED, 2),
    (S.WITHDRAWAL_REQUESTED, 1),
    (S.REFUSED, 3),
    (S.STOPPED, 2),
    (S.WITHDRAWN, 3),
)
OPEN_TARGETS = {
    S.SUBMITTED,
    S.PROCESSING,
    S.AWAITING_APPROVAL,
    S.TRANSFERRED,
    S.SUPPLEMENT_REQUESTED,
    S.PAYMENT_REQUESTED,
    S.WITHDRAWAL_REQUESTED,
    S.FINISHED,
}
LATE_SHARE = 0.035  # of finished dossiers (Hà Giang: 10,148 of 10,376 on time)

# Commune procedures (decided by the commune's People's Committee) and their weights.
COMMUNE_PROCEDURES: tuple[tuple[str, int], ...] = (
    ("1.001193", 20),  # khai sinh
    ("2.000815", 20),  # chứng thực bản sao
    ("1.004873", 12),  # xác nhận tình trạng hôn nhân
    ("1.000894", 6),  # kết hôn
    ("1.000656", 5),  # khai tử
    ("2.000720", 6),  # thành lập hộ kinh doanh
    ("1.009994", 5),  # giấy phép xây dựng nhà ở riêng lẻ
    ("1.012794", 6),  # đăng ký đất đai lần đầu
)
# Provincial procedures, received at the provincial service centre.
PROVINCIAL_PROCEDURES: tuple[tuple[str, int], ...] = (
    ("1.004222", 4),  # đăng ký tạm trú (Công an tỉnh)
    ("2.000488", 4),  # lý lịch tư pháp
    ("1.012830", 3),  # cung cấp thông tin đất đai (Sở NN&MT)
)
PROVINCIAL_SHARE = 0.12
# Communes whose committees receive demo dossiers, with their share of the commune dossiers.
COMMUNES: tuple[tuple[str, str, float], ...] = (
    (data.HOME_COMMUNE, "truongvinh", 0.76),
    ("Phường Thành Vinh", "thanhvinh", 0.13),
    ("Xã Diễn Châu", "dienchau", 0.11),
)
# Inter-agency hand-overs (liên thông): where a commune's dossier of this procedure goes.
TRANSFER_TO = {
    "1.012794": data.AGRICULTURE_ENVIRONMENT,
    "1.009994": data.CONSTRUCTION,
    "1.001193": data.PUBLIC_SECURITY,
}

OFFICIAL_NAMES = (
    "Đặng Thị Hoa", "Nguyễn Văn Quyết", "Hồ Thị Thanh", "Lê Minh Tuấn", "Phan Thị Ngọc", "Trần Quốc Việt",
    "Võ Thị Hồng", "Bùi Đức Anh", "Thái Thị Mỹ", "Ngô Văn Sỹ", "Đinh Thị Quế", "Cao Văn Bảo",
    "Lương Thị Thúy", "Hoàng Văn Kiên", "Dương Thị Lý", "Chu Văn Lợi",
)  # fmt: skip

REFUSE_REASONS = (
    "Thủ tục không thuộc thẩm quyền giải quyết của UBND phường; đề nghị nộp tại cơ quan có thẩm quyền.",
    "Người nộp không thuộc đối tượng được yêu cầu theo quy định.",
    "Hồ sơ đã được giải quyết trước đó (trùng hồ sơ).",
)
SUPPLEMENT = (
    (["Bản chụp Giấy chứng sinh rõ nét, đủ 2 mặt"], "Giấy tờ tải lên bị mờ, không đọc được nội dung."),
    (["Văn bản ủy quyền có chứng thực"], "Người nộp thay chưa có văn bản ủy quyền hợp lệ."),
    (["Trích lục bản đồ thửa đất", "Giấy tờ chứng minh nguồn gốc đất"], "Thiếu giấy tờ về nguồn gốc sử dụng đất."),
    (["Tờ khai có chữ ký của người yêu cầu"], "Tờ khai chưa ký."),
)
STOP_REASONS = (
    "Người yêu cầu không bổ sung hồ sơ theo thời hạn đã thông báo.",
    "Có tranh chấp về quyền sử dụng đất, đang được hòa giải tại cơ sở.",
    "Cơ quan có thẩm quyền có văn bản đề nghị tạm dừng để xác minh.",
)
WITHDRAW_REASONS = (
    "Tôi nộp nhầm thủ tục.",
    "Gia đình thay đổi kế hoạch, xin rút hồ sơ.",
    "Đã nộp lại hồ sơ khác đầy đủ hơn.",
)
RATING_COMMENTS = {
    5: ("Cán bộ hướng dẫn nhiệt tình, trả kết quả sớm.", "Nhanh, không phải đi lại nhiều lần.", ""),
    4: ("Thủ tục nhanh, chờ hơi lâu ở quầy.", ""),
    3: ("Phải bổ sung giấy tờ nhiều lần.", ""),
    2: ("Trả kết quả chậm so với hẹn.",),
    1: ("Chậm, không được báo trước.",),
}
RESULTS = {
    "1.001193": "Cấp Giấy khai sinh",
    "2.000815": "Chứng thực bản sao từ bản chính",
    "1.004873": "Cấp Giấy xác nhận tình trạng hôn nhân",
    "1.000894": "Cấp Giấy chứng nhận kết hôn",
    "1.000656": "Cấp Trích lục khai tử",
    "2.000720": "Cấp Giấy chứng nhận đăng ký hộ kinh doanh",
    "1.009994": "Cấp Giấy phép xây dựng",
    "1.012794": "Cấp Giấy chứng nhận quyền sử dụng đất",
    "1.004222": "Đăng ký tạm trú",
    "2.000488": "Cấp Phiếu lý lịch tư pháp",
    "1.012830": "Cung cấp thông tin, dữ liệu đất đai",
}


# ---------------------------------------------------------------- actors and agencies


@dataclass
class Office:
    """The agencies of one place and the officials acting there."""

    receiving: Agency
    officer: User


@dataclass
class Actors:
    by_agency: dict[int, dict[str, User]] = field(default_factory=dict)

    def get(self, agency: Agency | int, role: str) -> User:
        key = agency if isinstance(agency, int) else agency.pk
        return self.by_agency[key][role]


def _ensure_official(username: str, agency: Agency, role: str, index: int) -> tuple[User, bool]:
    from cqs.demo.services import DEMO_PASSWORD

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


def _commune_committee(name: str) -> Agency:
    commune = communes_of(province=province_get(code=data.PROVINCE_CODE)).get(name=name)
    return Agency.objects.get(unit=commune, kind=Agency.Kind.COMMUNE_COMMITTEE)


def demo_dossier_officials() -> tuple[Actors, dict[str, Agency], int]:
    """The demo officials of the home commune plus one per role at the other agencies of the demo dossiers."""
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
        agency = _commune_committee(commune)
        places[slug] = agency
        for role in roles:
            username = prefixes[role] if slug == "truongvinh" else f"{prefixes[role]}.{slug}"
            user, new = _ensure_official(username, agency, role, index)
            index += 1
            created += new
            actors.by_agency.setdefault(agency.pk, {})[role] = user
    by_code = {a.electronic_code: a for a in Agency.objects.filter(electronic_code__startswith="000.00.")}
    places["tinh"] = by_code[data.PROVINCIAL_SERVICE_CENTRE]
    user, new = _ensure_official("motcua.tinh", by_code[data.PROVINCIAL_SERVICE_CENTRE], Role.ONE_STOP_OFFICER, index)
    created += new
    actors.by_agency.setdefault(by_code[data.PROVINCIAL_SERVICE_CENTRE].pk, {})[Role.ONE_STOP_OFFICER] = user
    for code, slug in (
        (data.AGRICULTURE_ENVIRONMENT, "snnmt"),
        (data.PUBLIC_SECURITY, "congan"),
        (data.CONSTRUCTION, "sxd"),
    ):
        agency = by_code[code]
        places[slug] = agency
        for role in roles[1:]:
            index += 1
            user, new = _ensure_official(f"{prefixes[role]}.{slug}", agency, role, index)
            created += new
            actors.by_agency.setdefault(agency.pk, {})[role] = user
    return actors, places, created


def _demo_citizen_people(rng: random.Random, today: dt.date) -> list[people.Person]:
    from cqs.demo.services import CITIZENS

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
        )
        created += 1
    return existing, created


# ---------------------------------------------------------------- the plan of one dossier


@dataclass
class Plan:
    index: int
    target: str
    procedure: str
    version: ProcedureVersion
    receiving: Agency
    deciding: Agency
    online: bool
    person: people.Person
    applicant: User | None
    draws: list[float]
    late: bool = False
    supplement: bool = False
    payment: bool = False
    transfer_to: Agency | None = None
    send_back: bool = False
    withdraw_before_accept: bool = False
    rating: int | None = None
    by_post: bool = False
    filing_mode: str = FilingMode.SELF
    actions: list[tuple[dt.datetime, str]] = field(default_factory=list)
    dossier_id: int | None = None


class _Draws:
    """The plan's random numbers, consumed in order (so a re-schedule reuses the same ones)."""

    def __init__(self, values: list[float]) -> None:
        self._values = values
        self._next = 0

    def __call__(self, low: float = 0.0, high: float = 1.0) -> float:
        value = self._values[self._next % len(self._values)]
        self._next += 1
        return low + (high - low) * value


def _citizen_moment(previous: dt.datetime, draw: _Draws, *, min_days: int, max_days: int) -> dt.datetime:
    """When a citizen acts: some days later, between 06:30 and 22:00, always after ``previous``."""
    local = timezone.localtime(previous)
    day = local.date() + dt.timedelta(days=int(draw(min_days, max_days + 0.999)))
    minute = int(draw(6.5 * 60, 22 * 60))
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(minute // 60, minute % 60)))
    return moment if moment > previous else previous + dt.timedelta(minutes=int(draw(10, 120)))


def _schedule(plan: Plan, start: dt.datetime, steps: list[ProcessStep], calendar: WorkingCalendar) -> None:
    """The moments of the plan's actions, from ``start`` (all computed on the working calendar)."""
    draw = _Draws(plan.draws)
    acts: list[tuple[dt.datetime, str]] = []

    def work(moment: dt.datetime, hours: float) -> dt.datetime:
        return calendar.add_working_hours(moment, max(hours, 0.05))

    target = plan.target
    plan.actions = acts
    t = start
    if plan.online:
        acts.append((t, "submit"))
        if target == S.SUBMITTED:
            return
        if plan.withdraw_before_accept:
            acts.append((t + dt.timedelta(minutes=int(draw(20, 600))), "withdraw"))
            return
        t = work(t, draw(0.2, 6))
        if target == S.REFUSED:
            acts.append((t, "refuse"))
            return
        acts.append((t, "accept"))
    else:
        t = work(t, 0.05)
        acts.append((t, "receive"))
    hours = float(plan.version.processing_time or 1) * (
        HOURS_PER_DAY if plan.version.processing_time_unit == ProcedureVersion.TimeUnit.WORKING_DAYS else 1
    )
    budget = hours * (draw(1.15, 1.9) if plan.late else draw(0.25, 0.9))
    inner = [s for s in steps[1:] if s.unit_kind != ProcessStep.UnitKind.ONE_STOP]
    total = sum(float(s.duration_hours) for s in inner) or 1.0
    for position, step in enumerate(inner):
        share = budget * float(step.duration_hours) / total
        used = 0.0
        if position == 0:
            if plan.supplement or target == S.SUPPLEMENT_REQUESTED:
                t, used = work(t, share * 0.2), used + 0.2
                acts.append((t, "request_supplement"))
                if target == S.SUPPLEMENT_REQUESTED:
                    return
                t = _citizen_moment(t, draw, min_days=1, max_days=6)
                acts.append((t, "answer_supplement"))
            if target in (S.WITHDRAWAL_REQUESTED, S.WITHDRAWN):
                t = _citizen_moment(t, draw, min_days=0, max_days=3)
                acts.append((t, "withdraw"))
                if target == S.WITHDRAWN:
                    acts.append((work(t, draw(0.3, 6)), "confirm_withdrawal"))
                return
            if target == S.STOPPED:
                acts.append((work(t, share * draw(0.3, 0.9)), "stop"))
                return
            if plan.payment or target == S.PAYMENT_REQUESTED:
                t, used = work(t, share * 0.2), used + 0.2
                acts.append((t, "request_payment"))
                if target == S.PAYMENT_REQUESTED:
                    return
                # The applicant pays at the counter some days later (the clock stood still meanwhile).
                t = work(_citizen_moment(t, draw, min_days=0, max_days=4), 0.1)
                acts.append((t, "record_payment"))
            if plan.transfer_to is not None or target == S.TRANSFERRED:
                t, used = work(t, share * 0.2), used + 0.2
                acts.append((t, "transfer"))
                if target == S.TRANSFERRED:
                    return
                t, used = work(t, share * 0.2), used + 0.2
                acts.append((t, "transfer_return"))
            if target == S.PROCESSING:
                return
        if step.role == Role.LEADER:
            if target == S.AWAITING_APPROVAL:
                return
            if plan.send_back:
                t = work(t, share * 0.3)
                acts.append((t, "send_back"))
                t = work(t, share * 0.3)
                acts.append((t, "forward"))
                used += 0.6
        t = work(t, share * max(0.05, 1.0 - used))
        remaining = [s for s in steps if s.position > step.position]
        if step.role == Role.LEADER:
            acts.append((t, "approve"))
        elif all(s.unit_kind == ProcessStep.UnitKind.ONE_STOP for s in remaining):
            acts.append((t, "finish"))
        else:
            acts.append((t, "forward"))
    if target == S.FINISHED:
        return
    t = work(t, draw(0.3, 12))
    acts.append((t, "return_result"))
    if plan.rating is not None:
        acts.append((_citizen_moment(t, draw, min_days=0, max_days=3), "rate"))


def _start_day(plan: Plan, rng: random.Random, today: dt.date) -> dt.date:
    if plan.target in OPEN_TARGETS:
        days = float(plan.version.processing_time or 1) * 1.4 + 2
        if plan.target in (S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED, S.FINISHED):
            days += 6
        return today - dt.timedelta(days=int(rng.random() * days))
    uniform = rng.random() < 0.5  # half spread evenly, half denser in recent months
    back = 3 + int(362 * (rng.random() if uniform else 1 - math.sqrt(rng.random())))
    return today - dt.timedelta(days=back)


def _start_moment(plan: Plan, day: dt.date, rng_value: float, calendar: WorkingCalendar) -> dt.datetime:
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))
    if plan.online:  # citizens file at any hour of the day
        minutes = int(6 * 60 + rng_value * 17 * 60)
        return midnight + dt.timedelta(minutes=minutes)
    return calendar.add_working_hours(midnight, 0.05 + rng_value * 7.5)


def _place(
    plan_procedure: str, rng: random.Random, places: dict[str, Agency], versions: dict[str, ProcedureVersion]
) -> tuple[Agency, Agency]:
    if plan_procedure in dict(PROVINCIAL_PROCEDURES):
        version = versions[plan_procedure]
        deciding = next(a for a in services.implementing_agencies(version))
        return places["tinh"], deciding
    roll, cumulative = rng.random(), 0.0
    for _name, slug, share in COMMUNES:
        cumulative += share
        if roll < cumulative:
            return places[slug], places[slug]
    return places["truongvinh"], places["truongvinh"]


def _weighted(rng: random.Random, items: tuple[tuple[str, Any], ...]) -> str:
    names, weights = zip(*items, strict=True)
    return str(rng.choices(names, weights=weights)[0])


# The two demo citizens' own dossiers: (citizen index in CITIZENS, final state, procedure, rated).
DEMO_CITIZEN_PLANS: tuple[tuple[int, str, str, bool], ...] = (
    (0, S.RETURNED, "1.001193", True),
    (0, S.RETURNED, "2.000815", False),
    (0, S.FINISHED, "1.004873", False),
    (0, S.PROCESSING, "2.000720", False),
    (0, S.SUPPLEMENT_REQUESTED, "1.009994", False),
    (0, S.PAYMENT_REQUESTED, "1.004873", False),
    (0, S.SUBMITTED, "1.000656", False),
    (0, S.AWAITING_APPROVAL, "1.001193", False),
    (1, S.RETURNED, "2.000488", True),
    (1, S.TRANSFERRED, "1.012794", False),
    (1, S.REFUSED, "1.004222", False),
    (1, S.WITHDRAWN, "2.000815", False),
    (1, S.STOPPED, "1.012794", False),
    (1, S.WITHDRAWAL_REQUESTED, "1.004873", False),
)


def _plans(
    *,
    count: int,
    rng: random.Random,
    today: dt.date,
    places: dict[str, Agency],
    versions: dict[str, ProcedureVersion],
    demo_users: list[tuple[people.Person, User]],
    citizens: list[tuple[people.Person, User]],
) -> list[Plan]:
    plans: list[Plan] = []
    for index in range(count):
        preset = DEMO_CITIZEN_PLANS[index] if index < len(DEMO_CITIZEN_PLANS) else None
        if preset is not None:
            who, target, procedure, rated = preset
            person, applicant = demo_users[who]
            walk_in = False
        else:
            target = _weighted(rng, STATUS_WEIGHTS)
            procedure = _weighted(rng, PROVINCIAL_PROCEDURES if rng.random() < PROVINCIAL_SHARE else COMMUNE_PROCEDURES)
            rated = False
            person, applicant = citizens[rng.randrange(len(citizens))]
            walk_in = rng.random() < 0.3
        version = versions[procedure]
        fee = sum(f.amount for f in version.fees.all())
        if target == S.PAYMENT_REQUESTED and fee == 0:
            procedure, version = "1.004873", versions["1.004873"]
        if target == S.TRANSFERRED and procedure not in TRANSFER_TO:
            procedure, version = "1.012794", versions["1.012794"]
        receiving, deciding = _place(procedure, rng, places, versions)
        if preset is not None and who == 0 and procedure not in dict(PROVINCIAL_PROCEDURES):
            receiving = deciding = places["truongvinh"]
        must_be_online = target in (S.SUBMITTED, S.REFUSED) or (target == S.WITHDRAWN and rng.random() < 0.5)
        online = version.online_level != OnlineLevel.NONE and (must_be_online or rng.random() < 0.55)
        if must_be_online and not online:  # the procedure has no online service: file a similar one
            procedure, version = "1.001193", versions["1.001193"]
            receiving, deciding = _place(procedure, rng, places, versions)
            online = True
        needs_account = online or target in (S.WITHDRAWN, S.WITHDRAWAL_REQUESTED)
        plan = Plan(
            index=index,
            target=target,
            procedure=procedure,
            version=version,
            receiving=receiving,
            deciding=deciding,
            online=online,
            person=person,
            applicant=applicant if (needs_account or not walk_in) else None,
            draws=[rng.random() for _ in range(48)],
        )
        if target in (S.RETURNED, S.FINISHED):
            plan.late = rng.random() < LATE_SHARE
        if target in (S.RETURNED, S.FINISHED, S.AWAITING_APPROVAL) and plan.applicant is not None:
            plan.supplement = rng.random() < 0.08
        plan.payment = fee > 0 and target in (S.RETURNED, S.FINISHED) and rng.random() < 0.15
        if procedure in TRANSFER_TO and plan.deciding.kind == Agency.Kind.COMMUNE_COMMITTEE:
            if target == S.TRANSFERRED or (target in (S.RETURNED, S.FINISHED) and rng.random() < 0.3):
                plan.transfer_to = places[_TRANSFER_SLUGS[TRANSFER_TO[procedure]]]
        elif target == S.TRANSFERRED:
            plan.target = S.PROCESSING
        plan.send_back = target in (S.RETURNED, S.FINISHED) and rng.random() < 0.04
        plan.withdraw_before_accept = target == S.WITHDRAWN and online
        if target == S.RETURNED and plan.applicant is not None and (rated or (online and rng.random() < 0.45)):
            plan.rating = rng.choices((5, 4, 3, 2, 1), weights=(62, 25, 8, 3, 2))[0]
            if plan.late:
                plan.rating = min(plan.rating, 3)
        if not online:
            plan.by_post = rng.random() < 0.04
            roll = rng.random()
            if roll < 0.08:
                plan.filing_mode = FilingMode.ON_BEHALF
        elif rng.random() < 0.06:
            plan.filing_mode = FilingMode.ASSISTED
        plans.append(plan)
    return plans


_TRANSFER_SLUGS = {data.AGRICULTURE_ENVIRONMENT: "snnmt", data.PUBLIC_SECURITY: "congan", data.CONSTRUCTION: "sxd"}


# ---------------------------------------------------------------- what is filed


def _date(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def _form_data(plan: Plan, submitted: dt.datetime, rng: random.Random) -> dict[str, Any]:
    person, day = plan.person, timezone.localtime(submitted).date()
    values: dict[str, Any] = {}
    specific: dict[str, Callable[[], Any]] = {
        "ho_ten_tre": lambda: (
            f"{person.full_name.split()[0]} {people.full_name(rng, female=rng.random() < 0.5).split(' ', 1)[1]}"
        ),
        "ngay_sinh_tre": lambda: _date(day - dt.timedelta(days=rng.randint(3, 55))),
        "noi_sinh": lambda: "Bệnh viện Sản Nhi Nghệ An",
        "ngay_chet": lambda: _date(day - dt.timedelta(days=rng.randint(1, 20))),
        "noi_chet": lambda: person.address,
        "ho_ten_nguoi_chet": lambda: people.full_name(rng, female=rng.random() < 0.5),
        "quan_he": lambda: "Con",
        "ten_giay_to": lambda: rng.choice(("Bằng tốt nghiệp đại học", "Giấy khai sinh", "Học bạ THPT", "Sổ đỏ")),
        "ten_ho_kinh_doanh": lambda: (
            f"Hộ kinh doanh {person.full_name.split()[-1]} {rng.choice(('Tạp hóa', 'Ăn uống', 'Điện máy', 'May mặc'))}"
        ),
        "dia_diem_kinh_doanh": lambda: person.address,
        "nganh_nghe": lambda: rng.choice(("Bán lẻ hàng tạp hóa", "Dịch vụ ăn uống", "Sửa chữa xe máy")),
        "thua_dat": lambda: f"Thửa đất số {rng.randint(10, 900)}, tờ bản đồ số {rng.randint(1, 60)}",
        "dia_chi_thua_dat": lambda: person.address,
        "nguon_goc": lambda: "Đất ở do gia đình sử dụng ổn định từ năm 1995, không tranh chấp.",
        "noi_tam_tru": lambda: people.address(rng),
        "muc_dich": lambda: "Bổ sung hồ sơ xin việc",
        "thong_tin_can": lambda: "Trích lục bản đồ địa chính thửa đất",
        "ho_ten_nu": lambda: people.full_name(rng, female=True),
        "noi_cu_tru_nu": lambda: people.address(rng),
    }
    integers = {"so_ban": (1, 3), "ban_sao": (0, 2), "so_luong": (1, 2), "so_trang": (1, 8), "thoi_han": (3, 24),
                "von_kinh_doanh": (50, 500), "dien_tich_xay_dung": (60, 200), "tong_dien_tich_san": (80, 600),
                "so_tang": (1, 5), "chieu_cao": (4, 20), "dien_tich": (80, 600), "so_lao_dong": (1, 6)}  # fmt: skip
    for row in plan.version.form_fields.all():
        if row.prefill:
            value: Any = {
                "full_name": person.full_name,
                "citizen_id": person.citizen_id,
                "phone": person.phone,
                "email": plan.applicant.email if plan.applicant is not None else "",
                "address": person.address,
                "date_of_birth": _date(person.date_of_birth),
            }.get(row.prefill, "")
        elif row.key in specific and row.type != FormField.Type.CHOICE:
            value = specific[row.key]()
        elif row.type == FormField.Type.INTEGER:
            low, high = integers.get(row.key, (1, 5))
            value = rng.randint(low, high) * (1_000_000 if row.key == "von_kinh_doanh" else 1)
        elif row.type == FormField.Type.CHOICE:
            choices = [c for c in row.choices or [] if c != "Đang có vợ/chồng"]
            value = rng.choice(choices) if choices else ""
        elif row.type == FormField.Type.CHECKBOX:
            value = True
        elif row.type == FormField.Type.DATE:
            value = _date(people.person(rng, today=day).date_of_birth)
        elif row.type == FormField.Type.CITIZEN_ID:
            value = people.person(rng, today=day).citizen_id
        elif row.type == FormField.Type.PHONE:
            value = person.phone
        elif row.type == FormField.Type.EMAIL or not row.required:
            value = ""
        else:
            value = "Theo giấy tờ kèm theo"
        if value not in ("", None):
            values[row.key] = value
    return values


def _upload(title: str, *lines: str) -> io.BytesIO:
    upload = io.BytesIO(people.minimal_pdf(title, lines))
    upload.name = "giay-to.pdf"
    return upload


def _filing(plan: Plan, submitted: dt.datetime, rng: random.Random) -> services.Filing:
    source = DossierFile.Source.UPLOAD if plan.online else DossierFile.Source.SCAN
    attachments = [
        services.Attachment(
            required_document_id=document.pk,
            upload=_upload(document.name[:80], plan.person.full_name, f"So dinh danh: {plan.person.citizen_id}"),
            source=source,
        )
        for document in plan.version.documents.all()
        if ((not document.is_optional and not document.replaceable_by) or rng.random() < 0.2)
        # Online, the declaration is made from the e-form at filing; at the counter its signed paper is scanned.
        and not (plan.online and document.is_declaration)
    ]
    filing = services.Filing(
        version=plan.version,
        receiving_agency=plan.receiving,
        deciding_agency=plan.deciding,
        form_data=_form_data(plan, submitted, rng),
        attachments=attachments,
        applicant_name=plan.person.full_name,
        applicant_id_number=plan.person.citizen_id,
        applicant_address=plan.person.address,
        applicant_phone=plan.person.phone,
        applicant_email=plan.applicant.email if plan.applicant is not None else "",
        delivery=Delivery.ONLINE if plan.online else (Delivery.POST if plan.by_post else Delivery.DESK),
    )
    if plan.filing_mode == FilingMode.ON_BEHALF:
        principal = people.person(rng, today=submitted.date())
        filing.filing_mode = FilingMode.ON_BEHALF
        filing.principal_name, filing.principal_id_number = principal.full_name, principal.citizen_id
        filing.authorisation_note = "Giấy ủy quyền chứng thực tại UBND phường ngày " + _date(submitted.date())
    elif plan.filing_mode == FilingMode.ASSISTED:
        filing.filing_mode = FilingMode.ASSISTED
        filing.assisted_by = f"{people.full_name(rng, female=rng.random() < 0.5)} (Tổ công nghệ số cộng đồng)"
    return filing


# ---------------------------------------------------------------- doing it


def _run(plan: Plan, action: str, moment: dt.datetime, actors: Actors, rng: random.Random) -> None:
    ref = Dossier(pk=plan.dossier_id)
    pk = plan.dossier_id or 0
    officer = actors.get(plan.receiving, Role.ONE_STOP_OFFICER)
    deciding = actors.by_agency[plan.deciding.pk]
    citizen = plan.applicant
    if action == "submit":
        assert citizen is not None
        plan.dossier_id = services.dossier_submit_online(
            applicant=citizen,
            filing=_filing(plan, moment, rng),
            authenticated_by=AuthMethod.VNEID if citizen.vneid_subject else AuthMethod.PASSWORD,
        ).pk
    elif action == "receive":
        channel = Channel.POST if plan.by_post else Channel.IN_PERSON
        plan.dossier_id = services.dossier_receive_at_counter(
            officer=officer, filing=_filing(plan, moment, rng), applicant=citizen, channel=channel
        ).pk
    elif action == "accept":
        services.dossier_accept(dossier=ref, actor=officer)
    elif action == "refuse":
        services.dossier_refuse(dossier=ref, actor=officer, reason=rng.choice(REFUSE_REASONS))
    elif action == "request_supplement":
        items, reason = rng.choice(SUPPLEMENT)
        actor = officer if plan.target == S.SUBMITTED else deciding[Role.SPECIALIST]
        services.dossier_request_supplement(
            dossier=ref,
            actor=actor,
            items=items,
            reason=reason,
            contact=f"{actor.full_name}, 0238 3844 {rng.randint(100, 999)}",
        )
    elif action == "answer_supplement":
        assert citizen is not None
        upload = _upload("Giay to bo sung", plan.person.full_name)
        attachment = services.Attachment(required_document_id=None, name="Giấy tờ bổ sung", upload=upload)
        services.dossier_answer_supplement(
            dossier=ref, actor=citizen, attachments=[attachment], note="Đã bổ sung theo yêu cầu."
        )
    elif action == "withdraw":
        assert citizen is not None
        services.dossier_withdraw(dossier=ref, actor=citizen, reason=rng.choice(WITHDRAW_REASONS))
    elif action == "confirm_withdrawal":
        services.dossier_confirm_withdrawal(dossier=ref, actor=officer)
    elif action == "stop":
        services.dossier_stop(dossier=ref, actor=deciding[Role.LEADER], reason=rng.choice(STOP_REASONS))
    elif action == "request_payment":
        fee = Dossier.objects.values_list("fee_total", flat=True).get(pk=pk) or 8000  # what was asked
        services.dossier_request_payment(
            dossier=ref, actor=deciding[Role.SPECIALIST], amount=fee, note="Nộp tại Bộ phận Một cửa hoặc trực tuyến."
        )
    elif action == "record_payment":
        services.dossier_record_payment(
            dossier=ref, actor=officer, receipt=f"BL-{moment:%y%m}-{rng.randint(1000, 9999)}"
        )
    elif action == "transfer":
        assert plan.transfer_to is not None
        services.dossier_transfer(
            dossier=ref,
            actor=deciding[Role.SPECIALIST],
            to_agency=plan.transfer_to,
            note="Đề nghị phối hợp xác minh, cho ý kiến theo quy trình liên thông.",
        )
    elif action == "transfer_return":
        assert plan.transfer_to is not None
        services.dossier_transfer_return(
            dossier=ref, actor=actors.get(plan.transfer_to, Role.SPECIALIST), note="Đã xác minh, thống nhất."
        )
    elif action == "forward":
        current = Dossier.objects.only("current_role", "current_agency").get(pk=pk)
        actor = actors.get(current.current_agency_id, current.current_role)
        services.dossier_forward(dossier=ref, actor=actor, note="Hồ sơ đủ điều kiện, trình bước tiếp theo.")
    elif action == "send_back":
        services.dossier_send_back(
            dossier=ref, actor=deciding[Role.LEADER], reason="Đề nghị kiểm tra lại thông tin trên tờ khai."
        )
    elif action == "approve":
        services.dossier_approve(dossier=ref, actor=deciding[Role.LEADER], note="Đồng ý.")
    elif action == "finish":
        current = Dossier.objects.only("current_role", "current_agency", "code").get(pk=pk)
        summary = RESULTS.get(plan.procedure, "Đã giải quyết")
        result = _upload(summary, current.code, plan.person.full_name)
        actor = actors.get(current.current_agency_id, current.current_role)
        services.dossier_finish(dossier=ref, actor=actor, summary=summary, result=result)
    elif action == "return_result":
        # A result approved without an electronic file (four-step processes) is handed over at the desk.
        has_file = DossierFile.objects.filter(dossier_id=pk, source=DossierFile.Source.RESULT).exists()
        delivery = None if has_file or not plan.online else Delivery.DESK
        services.dossier_return_result(dossier=ref, actor=officer, delivery=delivery)
    elif action == "rate":
        assert citizen is not None and plan.rating is not None
        comment = rng.choice(RATING_COMMENTS[plan.rating])
        services.dossier_rate(dossier=ref, actor=citizen, rating=plan.rating, comment=comment)
    else:  # pragma: no cover - a typo in _schedule
        raise ValueError(action)


def _timeline(plans: list[Plan]) -> Iterator[tuple[dt.datetime, Plan, str]]:
    items = [
        (moment, plan.index, order, plan, action)
        for plan in plans
        for order, (moment, action) in enumerate(plan.actions)
    ]
    items.sort(key=lambda item: (item[0], item[1], item[2]))
    for moment, _index, _order, plan, action in items:
        yield moment, plan, action


def demo_dossiers_seed(*, stdout: TextIO | Any = None, count: int | None = None) -> int:
    """Create the demo dossiers (once); returns how many were created (0 when they already exist).

    ``count`` defaults to ``settings.CQS_DEMO_DOSSIERS`` (1,500 unless the environment says otherwise).
    """
    from cqs.demo.services import CITIZENS

    if count is None:
        count = settings.CQS_DEMO_DOSSIERS
    rng = random.Random(SEED)  # noqa: S311 (made-up demo data)
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate(now)
    persons = _demo_citizen_people(rng, today)
    # Idempotence: the applicants are the same every run (fixed seed, ages never depend on the day).
    ids = [c.citizen_id for c in CITIZENS] + [p.citizen_id for p in persons]
    if Dossier.objects.filter(applicant__citizen_id__in=ids).exists():
        return 0
    actors, places, _officials = demo_dossier_officials()
    citizen_users, _created = demo_citizens(persons)
    demo_users = []
    for spec in CITIZENS:
        user = User.objects.get(username=spec.citizen_id)
        demo_users.append(
            (
                people.Person(
                    spec.citizen_id,
                    spec.full_name,
                    spec.citizen_id[3] in "13",
                    spec.date_of_birth,
                    spec.address,
                    spec.phone,
                ),
                user,
            )
        )
    codes = [c for c, _w in COMMUNE_PROCEDURES + PROVINCIAL_PROCEDURES]
    versions: dict[str, ProcedureVersion] = {}
    for procedure in Procedure.objects.filter(code__in=codes).select_related("current_version__procedure"):
        version = procedure.current_version
        if version is not None:
            versions[procedure.code] = (
                ProcedureVersion.objects.filter(pk=version.pk)
                .select_related("procedure")
                .prefetch_related("documents", "fees", "form_fields", "process_steps")
                .get()
            )
    missing = sorted(set(codes) - set(versions))
    if missing:
        raise RuntimeError(f"Thiếu thủ tục trong danh mục mẫu: {', '.join(missing)}")
    plans = _plans(
        count=count,
        rng=rng,
        today=today,
        places=places,
        versions=versions,
        demo_users=demo_users,
        citizens=[(p, citizen_users[p.citizen_id]) for p in persons],
    )
    calendar = WorkingCalendar()
    latest = now - dt.timedelta(minutes=5)
    for plan in plans:
        steps = sorted(plan.version.process_steps.all(), key=lambda s: s.position)
        day = _start_day(plan, rng, today)
        start_value = rng.random()
        for _attempt in range(400):
            _schedule(plan, _start_moment(plan, day, start_value, calendar), steps, calendar)
            if plan.actions[-1][0] <= latest:
                break
            day -= dt.timedelta(days=1)
    created = 0
    started = time.monotonic()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), _fast_commits():
        for moment, plan, action in _timeline(plans):
            with at(moment):
                try:
                    _run(plan, action, moment, actors, rng)
                except ApplicationError as error:
                    raise RuntimeError(
                        f"Hồ sơ mẫu {plan.index} ({plan.procedure}, {action} lúc {moment:%d/%m/%Y %H:%M}): "
                        f"{error.message} {error.extra}"
                    ) from error
            if action in ("submit", "receive"):
                created += 1
                if stdout is not None and created % 250 == 0 and created < count:
                    stdout.write(f"      … {created}/{count} hồ sơ ({time.monotonic() - started:.0f} s)\n")
                    stdout.flush()
    return created


class _fast_commits:
    """``synchronous_commit = off`` for this connection while the demo loads (safe: demo data only)."""

    def __enter__(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")

    def __exit__(self, *exc: object) -> None:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
