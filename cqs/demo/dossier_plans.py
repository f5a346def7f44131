"""The plan of each demo dossier: what happens to it, when, on the working calendar (drawn from a fixed seed)."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from cqs.accounts.models import Role, User
from cqs.catalog.models import OnlineLevel, ProcedureVersion, ProcessStep
from cqs.core.calendar import HOURS_PER_DAY, WorkingCalendar
from cqs.demo import agencies as data
from cqs.demo import people
from cqs.demo.dossier_people import COMMUNES
from cqs.dossiers import services
from cqs.dossiers.models import FilingMode, Status
from cqs.units.models import Agency

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
# Partly online procedures (a paper result may end them) that stand in for a full-online one once the
# budget of signed electronic results is spent: each costs the demo about a second of PDF signing.
PARTIAL_STAND_INS: dict[str, tuple[tuple[str, int], ...]] = {
    "commune": (("2.000815", 20), ("1.000894", 6), ("1.009994", 5), ("1.012794", 6)),
    "provincial": (("1.012815", 1),),  # cấp đổi giấy chứng nhận quyền sử dụng đất (Sở NN&MT)
}
# How many dossiers of the past year, besides the demo citizens' own and those waiting at each step, end
# with a signed electronic result (full-online procedures always do: Decree 42/2022).
E_RESULT_BUDGET = 40
# Inter-agency hand-overs (liên thông): where a commune's dossier of this procedure goes.
TRANSFER_TO = {
    "1.012794": data.AGRICULTURE_ENVIRONMENT,
    "1.009994": data.CONSTRUCTION,
    "1.001193": data.PUBLIC_SECURITY,
}


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
    wait_at: int | None = None  # the step of its process a dossier still open waits at
    actions: list[tuple[dt.datetime, str]] = field(default_factory=list)

    @property
    def full_online(self) -> bool:
        """Its approval issues a signed electronic result (a full-online procedure's always does)."""
        return self.version.online_level == OnlineLevel.FULL

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


def schedule(plan: Plan, start: dt.datetime, steps: list[ProcessStep], calendar: WorkingCalendar) -> None:
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
        if target in (S.PROCESSING, S.AWAITING_APPROVAL) and step.position == plan.wait_at:
            return
        if step.role == Role.LEADER and plan.send_back:
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
            if plan.full_online and remaining[0].role == Role.LEADER:
                acts.append((t, "draft_result"))  # what the leader will sign, written by the handler
            acts.append((t, "forward"))
    if target == S.FINISHED:
        return
    t = work(t, draw(0.3, 12))
    acts.append((t, "return_result"))
    if plan.rating is not None:
        acts.append((_citizen_moment(t, draw, min_days=0, max_days=3), "rate"))


def start_day(plan: Plan, rng: random.Random, today: dt.date) -> dt.date:
    if plan.target in OPEN_TARGETS:
        days = float(plan.version.processing_time or 1) * 1.4 + 2
        if plan.target in (S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED, S.FINISHED):
            days += 6
        return today - dt.timedelta(days=int(rng.random() * days))
    uniform = rng.random() < 0.5  # half spread evenly, half denser in recent months
    back = 3 + int(362 * (rng.random() if uniform else 1 - math.sqrt(rng.random())))
    return today - dt.timedelta(days=back)


def start_moment(plan: Plan, day: dt.date, rng_value: float, calendar: WorkingCalendar) -> dt.datetime:
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))
    if plan.online:  # citizens file at any hour of the day
        minutes = int(6 * 60 + rng_value * 17 * 60)
        return midnight + dt.timedelta(minutes=minutes)
    return calendar.add_working_hours(midnight, 0.05 + rng_value * 7.5)


def _place(
    plan_procedure: str, rng: random.Random, places: dict[str, Agency], versions: dict[str, ProcedureVersion]
) -> tuple[Agency, Agency]:
    if _provincial(plan_procedure):
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


def _steps(version: ProcedureVersion) -> list[ProcessStep]:
    return sorted(version.process_steps.all(), key=lambda step: step.position)


def _needs_e_result(target: str, version: ProcedureVersion) -> bool:
    return version.online_level == OnlineLevel.FULL and target in (S.RETURNED, S.FINISHED)


# Which steps the dossiers waiting at each step fill first (the demo's tests load only a few dozen dossiers).
_WAITING_ORDER = (
    ProcessStep.UnitKind.CLERICAL,
    ProcessStep.UnitKind.OTHER_AGENCY,
    ProcessStep.UnitKind.LEADERSHIP,
    ProcessStep.UnitKind.PROCESSING,
    "return",
    "reception",
)


def waiting_at_every_step(versions: dict[str, ProcedureVersion]) -> list[tuple[str, str, int | None]]:
    """(procedure, target, step) so that a dossier of each demo procedure waits at each step of its process:
    reception (online, submitted), every handling step (the clerk's included), the return (finished)."""
    wanted: dict[str, list[tuple[str, str, int | None]]] = {kind: [] for kind in _WAITING_ORDER}
    for code in sorted(versions):
        version = versions[code]
        steps = _steps(version)
        if version.online_level != OnlineLevel.NONE:
            wanted["reception"].append((code, S.SUBMITTED, None))
        for step in steps[1:]:
            if step.unit_kind == ProcessStep.UnitKind.ONE_STOP:
                continue
            target = S.AWAITING_APPROVAL if step.role == Role.LEADER else S.PROCESSING
            wanted[step.unit_kind].append((code, target, step.position))
        wanted["return"].append((code, S.FINISHED, None))
    return [item for kind in _WAITING_ORDER for item in wanted[kind]]


def plans_for(
    *,
    count: int,
    rng: random.Random,
    today: dt.date,
    places: dict[str, Agency],
    versions: dict[str, ProcedureVersion],
    demo_users: list[tuple[people.Person, User]],
    citizens: list[tuple[people.Person, User]],
) -> list[Plan]:
    """The demo citizens' own dossiers, then one waiting at each step of each procedure, then a year drawn at random."""
    plans: list[Plan] = []
    waiting = waiting_at_every_step(versions)
    e_results = 0
    for index in range(count):
        preset = DEMO_CITIZEN_PLANS[index] if index < len(DEMO_CITIZEN_PLANS) else None
        wait_at: int | None = None
        at_home = False
        if preset is not None:
            who, target, procedure, rated = preset
            person, applicant = demo_users[who]
            walk_in = False
            at_home = who == 0
        elif index - len(DEMO_CITIZEN_PLANS) < len(waiting):
            procedure, target, wait_at = waiting[index - len(DEMO_CITIZEN_PLANS)]
            rated, at_home = False, True
            person, applicant = citizens[rng.randrange(len(citizens))]
            walk_in = rng.random() < 0.3
        else:
            target = _weighted(rng, STATUS_WEIGHTS)
            level = "provincial" if rng.random() < PROVINCIAL_SHARE else "commune"
            procedure = _weighted(rng, PROVINCIAL_PROCEDURES if level == "provincial" else COMMUNE_PROCEDURES)
            if _needs_e_result(target, versions[procedure]):
                if e_results >= E_RESULT_BUDGET:
                    procedure = _weighted(rng, PARTIAL_STAND_INS[level])
                else:
                    e_results += 1
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
        if at_home and not _provincial(procedure):
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
            wait_at=wait_at,
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
        if plan.wait_at is None and plan.target in (S.PROCESSING, S.AWAITING_APPROVAL):
            inner = [step for step in _steps(version)[1:] if step.unit_kind != ProcessStep.UnitKind.ONE_STOP]
            role = Role.LEADER if plan.target == S.AWAITING_APPROVAL else None
            plan.wait_at = next(step.position for step in inner if role is None or step.role == role)
        plans.append(plan)
    return plans


def _provincial(procedure: str) -> bool:
    return procedure in dict(PROVINCIAL_PROCEDURES) or procedure in dict(PARTIAL_STAND_INS["provincial"])


_TRANSFER_SLUGS = {data.AGRICULTURE_ENVIRONMENT: "snnmt", data.PUBLIC_SECURITY: "congan", data.CONSTRUCTION: "sxd"}
