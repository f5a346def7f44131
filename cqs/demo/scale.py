"""Load a large number of generated dossiers fast (PostgreSQL COPY), to measure the desk at scale.

Rows are generated in Python and streamed with psycopg3 ``cursor.copy()`` in the text format:
dossiers (ids reserved up front so events and steps can point at them), 1–3 events and 1–2
steps per dossier, and the daily code sequences (so a dossier filed afterwards never reuses a
code). ``search_text`` is computed by the service's own ``_search_text``; due times are on the
working calendar, simplified for speed: a precomputed list of working days (holidays and the
administrator's swapped days included), counting from the day of receipt (the next working day
when received after 15:00), the deadline at the close of office on the N-th working day.

Indexes: with ``drop_indexes=True`` the secondary indexes of the three tables are dropped before
the load and recreated after it (one sorted build per index, with a large
``maintenance_work_mem``), then the tables are ANALYZEd. Building a B-tree or a trigram GIN index
once over a million rows is several times faster than maintaining it row by row during COPY, and
the fresh statistics are what the planner needs for the worklist and search queries. For small
loads (tests) the indexes stay in place and only ANALYZE runs.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TextIO, cast

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from cqs.accounts.models import Role
from cqs.catalog.models import OnlineLevel, ProcedureVersion, ProcessStep
from cqs.core.calendar import HOURS_PER_DAY, WorkingCalendar, office_timezone, working_periods
from cqs.core.sequences import day_period, sequences_raise, sequences_read
from cqs.demo import agencies as data
from cqs.demo import people
from cqs.demo.bulk import indexes_drop, indexes_rebuild, is_superuser
from cqs.demo.bulk import thousands as _n
from cqs.dossiers import services
from cqs.dossiers.codes import CODE_SCOPE
from cqs.dossiers.models import NATIONAL_ACCEPTED, NATIONAL_STATUS, Channel, Dossier, Status
from cqs.units.models import Agency
from cqs.units.selectors import communes_of, province_get

S = Status
TABLES = ("dossiers_dossier", "dossiers_dossierevent", "dossiers_dossierstep")
YEARS = 3  # dossiers spread over the last three years
STATUS_WEIGHTS: tuple[tuple[str, float], ...] = (
    (S.RETURNED, 80),
    (S.FINISHED, 2),
    (S.PROCESSING, 4),
    (S.AWAITING_APPROVAL, 1.5),
    (S.TRANSFERRED, 0.5),
    (S.SUBMITTED, 2),
    (S.SUPPLEMENT_REQUESTED, 1.5),
    (S.PAYMENT_REQUESTED, 0.7),
    (S.WITHDRAWAL_REQUESTED, 0.3),
    (S.REFUSED, 3),
    (S.STOPPED, 1.5),
    (S.WITHDRAWN, 3),
)
OPEN = {S.SUBMITTED, S.PROCESSING, S.AWAITING_APPROVAL, S.TRANSFERRED, S.SUPPLEMENT_REQUESTED,
        S.PAYMENT_REQUESTED, S.WITHDRAWAL_REQUESTED, S.FINISHED}  # fmt: skip

DOSSIER_COLUMNS = (
    "id", "created_at", "updated_at", "code", "status", "channel", "applicant_name", "applicant_id_number",
    "applicant_address", "applicant_phone", "applicant_email", "filing_mode", "principal_name", "principal_id_number",
    "authorisation_note", "assisted_by", "request_summary", "form_data", "sets_count", "current_step", "current_role",
    "submitted_at", "received_at", "clock_started_at", "statutory_hours", "due_at", "original_due_at",
    "finished_at", "returned_at", "closed_at", "timing", "supplement_count", "extension_count", "result_summary",
    "result_draft", "delivery", "rating", "rating_comment", "rated_at", "fee_total", "search_text", "current_agency_id",
    "deciding_agency_id", "procedure_id", "receiving_agency_id", "version_id", "receipt",
)  # fmt: skip
EVENT_COLUMNS = ("dossier_id", "at", "action", "from_status", "to_status", "national_status", "channel", "note", "data")
STEP_COLUMNS = ("dossier_id", "position", "name", "role", "agency_id", "started_at", "due_at", "finished_at",
                "timing", "outcome", "note")  # fmt: skip
NULL = "\\N"


@dataclass
class _Proc:
    procedure_id: int
    version_id: int
    name: str
    hours: float
    online: bool
    fee: int
    steps: list[tuple[int, str, str, str]]  # position, name, role, unit_kind
    deciders: list[int]
    provincial: bool


@dataclass
class _Shape:
    agencies: dict[int, str]  # id -> electronic code
    communes: list[int]
    commune_weights: list[float]
    home: int
    centre: int
    procedures: list[_Proc]
    commune_procs: list[int]
    provincial_procs: list[int]


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


def _ts(value: dt.datetime | None) -> str:
    return NULL if value is None else value.isoformat()


def _shape() -> _Shape:
    agencies = {a.pk: a.electronic_code for a in Agency.objects.filter(is_active=True)}
    units = communes_of(province=province_get(code=data.PROVINCE_CODE))
    committees = Agency.objects.filter(kind=Agency.Kind.COMMUNE_COMMITTEE, is_active=True, unit__in=units)
    home = int(committees.get(unit__name=data.HOME_COMMUNE).pk)
    communes = list(committees.order_by("electronic_code").values_list("pk", flat=True))
    # Zipf-like load over communes (cities and lowland communes busier), the home commune busiest.
    weights = [1.0 / (rank + 3) ** 0.8 for rank in range(len(communes))]
    weights[communes.index(home)] = max(weights) * 2 if home in communes else weights[0]
    centre = Agency.objects.get(electronic_code=data.PROVINCIAL_SERVICE_CENTRE).pk
    procedures: list[_Proc] = []
    versions = (
        ProcedureVersion.objects.filter(procedure__current_version=F("pk"))
        .select_related("procedure")
        .prefetch_related("process_steps", "fees", "agencies")
    )
    for version in versions:
        steps = [
            (s.position, s.name, s.role, s.unit_kind)
            for s in sorted(version.process_steps.all(), key=lambda s: s.position)
        ]
        if not steps:
            continue
        hours = float(version.processing_time or 1) * (
            HOURS_PER_DAY if version.processing_time_unit == ProcedureVersion.TimeUnit.WORKING_DAYS else 1
        )
        kinds = list(version.agency_kinds or [])
        provincial = Agency.Kind.COMMUNE_COMMITTEE not in kinds
        deciders = [a.pk for a in services.implementing_agencies(version) if a.pk in agencies]
        if provincial and not deciders:
            continue
        procedures.append(
            _Proc(
                procedure_id=version.procedure_id,
                version_id=version.pk,
                name=version.name[:500],
                hours=hours,
                online=version.online_level != OnlineLevel.NONE,
                fee=sum(f.amount for f in version.fees.all()),
                steps=steps,
                deciders=deciders,
                provincial=provincial,
            )
        )
    if not procedures:
        raise RuntimeError("Chưa có thủ tục công bố nào có quy trình nội bộ: chạy demo_setup trước.")
    return _Shape(
        agencies=agencies,
        communes=communes,
        commune_weights=weights,
        home=home,
        centre=centre,
        procedures=procedures,
        commune_procs=[i for i, p in enumerate(procedures) if not p.provincial],
        provincial_procs=[i for i, p in enumerate(procedures) if p.provincial],
    )


class _Workdays:
    """Working days from a start date on, for fast "N working days later" on the working calendar."""

    def __init__(self, start: dt.date, end: dt.date) -> None:
        calendar = WorkingCalendar()
        self.days: list[dt.date] = []
        day = start
        while day <= end:
            if calendar.is_working_day(day):
                self.days.append(day)
            day += dt.timedelta(days=1)
        self.ordinal = [d.toordinal() for d in self.days]

    def index(self, day: dt.date) -> int:
        """The first working day on or after ``day``."""
        return bisect.bisect_left(self.ordinal, day.toordinal())

    def get(self, index: int) -> dt.date:
        return self.days[min(index, len(self.days) - 1)]


@dataclass
class LoadResult:
    dossiers: int
    events: int
    steps: int
    seconds: float
    index_seconds: float


def scale_load(
    *,
    count: int,
    stdout: TextIO | Any,
    seed: int = 2026,
    chunk: int = 100_000,
    drop_indexes: bool = True,
    background: bool = True,
) -> LoadResult:
    """Append ``count`` generated dossiers (with their events and steps) by COPY; prints progress.

    With ``background`` a second thread (its own connection) COPYs one chunk while the next is
    generated; without it (tests, which run inside one transaction) everything uses this connection.
    """
    started = time.monotonic()
    rng = random.Random(seed + Dossier.objects.count())  # noqa: S311 (made-up test data)
    shape = _shape()
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate(now)
    first_day = today - dt.timedelta(days=365 * YEARS)
    workdays = _Workdays(first_day - dt.timedelta(days=10), today + dt.timedelta(days=400))
    tz = office_timezone()
    opens, closes = working_periods()[0][0], working_periods()[-1][1]
    sequences = sequences_read(scopes=[CODE_SCOPE], since=day_period(first_day))
    statuses, status_weights = zip(*STATUS_WEIGHTS, strict=True)
    status_cum = list(itertools.accumulate(status_weights))
    commune_cum = list(itertools.accumulate(shape.commune_weights))
    rating_cum = list(itertools.accumulate((62, 25, 8, 3, 2)))
    persons = [people.person(rng, today=today) for _ in range(50_000)]
    superuser = is_superuser()

    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM dossiers_dossier")
        first_id = int(cursor.fetchone()[0]) + 1
        cursor.execute("SELECT setval(pg_get_serial_sequence('dossiers_dossier', 'id'), %s)", [first_id + count - 1])
    dropped = indexes_drop(TABLES, stdout=stdout) if drop_indexes else []

    fake = cast(Any, _SearchRow())
    search_text: Callable[[Any], str] = services.dossier_search_text
    totals = {"dossiers": 0, "events": 0, "steps": 0}
    last_report = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=1) if background else None
    pending: Future[None] | None = None
    for start in range(0, count, chunk):
        size = min(chunk, count - start)
        d_lines: list[str] = []
        e_lines: list[str] = []
        s_lines: list[str] = []
        for offset in range(size):
            pk = first_id + start + offset
            status = rng.choices(statuses, cum_weights=status_cum)[0]
            provincial = shape.provincial_procs and rng.random() < 0.25
            proc = shape.procedures[rng.choice(shape.provincial_procs if provincial else shape.commune_procs)]
            if proc.provincial:
                deciding = rng.choice(proc.deciders)
                receiving = shape.centre
            else:
                deciding = rng.choices(shape.communes, cum_weights=commune_cum)[0]
                receiving = deciding
            # When: open dossiers are recent; closed ones spread over the years, more in recent months.
            if status in OPEN:
                back = int(rng.random() * (proc.hours / HOURS_PER_DAY * 1.5 + 3))
            else:
                back = 2 + int((365 * YEARS - 2) * (1 - rng.random() ** 0.7))
            day = today - dt.timedelta(days=back)
            online = proc.online and rng.random() < 0.5
            minute = rng.randint(6 * 60, 22 * 60) if online else rng.randint(7 * 60 + 30, 17 * 60)
            submitted = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tz)
            key = (CODE_SCOPE, deciding, day_period(day))
            sequence = sequences.get(key, 0) + 1
            sequences[key] = sequence
            code = f"{shape.agencies[deciding]}-{day:%y%m%d}-{sequence:04d}"
            person = persons[rng.randrange(len(persons))]
            principal = persons[rng.randrange(len(persons))] if rng.random() < 0.05 else None
            fake.code, fake.applicant_id_number, fake.applicant_name = code, person.citizen_id, person.full_name
            fake.principal_name = principal.full_name if principal else ""
            fake.principal_id_number = principal.citizen_id if principal else ""
            text = search_text(fake)
            channel = Channel.ONLINE if online else Channel.IN_PERSON
            accepted = status not in (S.SUBMITTED, S.REFUSED) and not (
                online and status == S.WITHDRAWN and rng.random() < 0.5
            )
            received = clock = due = None
            if accepted:
                received = submitted + dt.timedelta(hours=rng.uniform(0.1, 20)) if online else submitted
                counting = workdays.index(received.date() + dt.timedelta(days=1 if received.hour >= 15 else 0))
                clock = dt.datetime.combine(workdays.get(counting), opens, tz)
                whole_days = max(1, round(proc.hours / HOURS_PER_DAY))
                due = dt.datetime.combine(workdays.get(counting + whole_days - 1), closes, tz)
            finished = returned = closed = rated = None
            timing = ""
            rating = NULL
            current_step: str = NULL
            current_role: str = ""
            current_agency = receiving
            if status in (S.FINISHED, S.RETURNED) and received is not None and due is not None:
                late = rng.random() < 0.03
                span = (due - received).total_seconds()
                finished = received + dt.timedelta(
                    seconds=span * (rng.uniform(1.05, 1.6) if late else rng.uniform(0.2, 0.98))
                )
                timing = "late" if finished > due else ("early" if (due - finished).days >= 1 else "on_time")
                current_step, current_role = str(proc.steps[-1][0]), str(Role.ONE_STOP_OFFICER)
                if status == S.RETURNED:
                    returned = finished + dt.timedelta(hours=rng.uniform(0.5, 48))
                    closed = returned
                    current_role = ""
                    if online and rng.random() < 0.3:
                        rating = str(rng.choices((5, 4, 3, 2, 1), cum_weights=rating_cum)[0])
                        rated = returned + dt.timedelta(hours=rng.uniform(1, 72))
            elif status in (S.REFUSED, S.STOPPED, S.WITHDRAWN):
                closed = (received or submitted) + dt.timedelta(hours=rng.uniform(1, 40))
            elif accepted:
                role = str(Role.LEADER if status == S.AWAITING_APPROVAL else Role.SPECIALIST)
                position = next(
                    (p for p, _n, r, _k in proc.steps if r == role), proc.steps[min(1, len(proc.steps) - 1)][0]
                )
                current_step, current_role, current_agency = str(position), role, deciding
            else:
                current_role = str(Role.ONE_STOP_OFFICER)
            stamp = _ts(submitted)
            d_lines.append(
                "\t".join(
                    (
                        str(pk),
                        stamp,
                        _ts(closed or received or submitted),
                        code,
                        status,
                        str(channel),
                        _esc(person.full_name),
                        person.citizen_id,
                        _esc(person.address),
                        person.phone,
                        "",
                        "on_behalf" if principal else "self",
                        _esc(fake.principal_name),
                        fake.principal_id_number,
                        "Giấy ủy quyền có chứng thực" if principal else "",
                        "",
                        _esc(proc.name),
                        "{}",
                        "1",
                        current_step,
                        current_role,
                        stamp,
                        _ts(received),
                        _ts(clock),
                        f"{Decimal(proc.hours):.2f}",
                        _ts(due),
                        _ts(due),
                        _ts(finished),
                        _ts(returned),
                        _ts(closed),
                        timing,
                        "0",
                        "0",
                        "Đã giải quyết" if finished else "",
                        "",
                        ("online" if online else "desk"),
                        rating,
                        "",
                        _ts(rated),
                        str(proc.fee),
                        _esc(text),
                        str(current_agency),
                        str(deciding),
                        str(proc.procedure_id),
                        str(receiving),
                        str(proc.version_id),
                        "",  # no electronic receipt sent yet
                    )
                )
            )
            first_action = "submit" if online else "receive"
            e_lines.append(f"{pk}\t{stamp}\t{first_action}\t\t{S.SUBMITTED}\t1\t{channel}\t\t{{}}")
            if accepted and received is not None:
                e_lines.append(
                    f"{pk}\t{_ts(received)}\taccept\t{S.SUBMITTED}\t{S.PROCESSING}\t{NATIONAL_ACCEPTED}\t{channel}\t\t{{}}"
                )
                position, name, role, _kind = proc.steps[min(1, len(proc.steps) - 1)]
                step_agency = deciding if _kind != ProcessStep.UnitKind.ONE_STOP else receiving
                step_done = finished is not None
                s_lines.append(
                    f"{pk}\t{position}\t{_esc(name)}\t{role}\t{step_agency}\t{_ts(received)}\t{_ts(due)}\t"
                    f"{_ts(finished) if step_done else NULL}\t{timing if step_done else ''}\t"
                    f"{'done' if step_done else ''}\t"
                )
            last_at = returned or finished or closed
            if last_at is not None and status != S.PROCESSING:
                e_lines.append(
                    f"{pk}\t{_ts(last_at)}\t{_LAST_ACTION.get(status, 'finish')}\t"
                    f"{S.PROCESSING if accepted else S.SUBMITTED}"
                    f"\t{status}\t{NATIONAL_STATUS[Status(status)]}\t{channel}\t\t{{}}"
                )
        if pool is not None:
            if pending is not None:
                pending.result()
            pending = pool.submit(_copy_in_thread, d_lines, e_lines, s_lines, superuser)
        else:
            _copy(d_lines, e_lines, s_lines, superuser=superuser)
        totals["dossiers"] += size
        totals["events"] += len(e_lines)
        totals["steps"] += len(s_lines)
        elapsed = time.monotonic() - started
        if totals["dossiers"] % 100_000 == 0 or totals["dossiers"] == count or time.monotonic() - last_report > 30:
            last_report = time.monotonic()
            stdout.write(
                f"    {_n(totals['dossiers']):>9} hồ sơ, {_n(totals['events'])} sự kiện, {_n(totals['steps'])} bước"
                f" — {elapsed:.0f} s, {_n(totals['dossiers'] / elapsed)} hồ sơ/s\n"
            )
            stdout.flush()
    if pool is not None:
        if pending is not None:
            pending.result()
        pool.shutdown()
    sequences_raise(sequences)
    index_seconds = indexes_rebuild(dropped, TABLES, stdout=stdout, work_mem="512MB")
    return LoadResult(
        dossiers=totals["dossiers"],
        events=totals["events"],
        steps=totals["steps"],
        seconds=time.monotonic() - started,
        index_seconds=index_seconds,
    )


_LAST_ACTION = {
    S.RETURNED: "return_result",
    S.FINISHED: "finish",
    S.REFUSED: "refuse",
    S.STOPPED: "stop",
    S.WITHDRAWN: "withdraw",
}


class _SearchRow:
    """The attributes ``services.dossier_search_text`` reads, without building a model instance per row."""

    code = applicant_id_number = applicant_name = principal_name = principal_id_number = ""


def _copy_in_thread(d_lines: list[str], e_lines: list[str], s_lines: list[str], superuser: bool) -> None:
    try:
        _copy(d_lines, e_lines, s_lines, superuser=superuser)
    finally:
        connection.close()


def _copy(d_lines: list[str], e_lines: list[str], s_lines: list[str], *, superuser: bool) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if superuser:  # the rows point at rows that exist: skip the per-row foreign key triggers
            cursor.execute("SET LOCAL session_replication_role = replica")
        raw = cursor.cursor
        for table, columns, lines in (
            ("dossiers_dossier", DOSSIER_COLUMNS, d_lines),
            ("dossiers_dossierevent", EVENT_COLUMNS, e_lines),
            ("dossiers_dossierstep", STEP_COLUMNS, s_lines),
        ):
            if not lines:
                continue
            quoted = ", ".join(f'"{column}"' for column in columns)
            with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for start in range(0, len(lines), 20_000):
                    copy.write("\n".join(lines[start : start + 20_000]) + "\n")
