"""Reads of dossiers: the desk's work boxes, search, one dossier with everything, the unit's figures.

Every read starts from ``permissions.dossiers_visible_to(user)``: a box narrows what the user may
see to what waits for one of their roles. Search works on the code (prefix), the citizen ID or tax
code (exact or prefix) and the applicant's name with or without diacritics: ``search_vector`` holds
the words of the folded name, indexed with each agency column, so a name within the agencies an
official sees is one index scan per column of the visibility rule.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, DateTimeField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from cqs.accounts.models import Role
from cqs.accounts.permissions import roles_by_agency
from cqs.core.calendar import WorkingCalendar
from cqs.core.errors import NotFoundOrForbidden
from cqs.core.forms import parse_dmy
from cqs.core.text import tsquery_text
from cqs.dossiers.models import (
    RUNNING_STATUSES,
    Channel,
    Dossier,
    DossierEvent,
    DossierFile,
    DossierStep,
    FormalNotice,
    Status,
    SupplementRequest,
    Timing,
)
from cqs.dossiers.permissions import DOSSIER_ROLES, SCOPES, dossiers_visible_to, may_see_file, visible_q
from cqs.units.models import Agency

BOXES: tuple[str, ...] = ("to_receive", "to_process", "to_approve", "to_return", "due_soon", "late", "all")
# The boxes of work waiting: counted on the tabs ("all" is browsed, not counted: it is most of the table).
WORK_BOXES: tuple[str, ...] = BOXES[:-1]
_ID_QUERY = re.compile(r"^\d[\d-]*$")
_CODE_QUERY = re.compile(r"^[0-9A-Za-z]+[.\-][0-9A-Za-z.\-]*$")
_NONE = Q(pk__in=[])


def _agencies_with(roles: dict[int, set[str]], role: str) -> list[int]:
    return [agency for agency, held in roles.items() if role in held]


def due_soon_cutoff(now: dt.datetime, *, calendar: WorkingCalendar | None = None) -> dt.datetime:
    """The moment one working day (8 working hours) from now: ``clock.due_within_a_working_day`` in SQL."""
    return (calendar or WorkingCalendar()).add_working_hours(now, 8)


def _box_filters(
    user: Any, *, agency_id: int | None = None, calendar: WorkingCalendar | None = None, boxes: tuple[str, ...] = BOXES
) -> dict[str, Q]:
    """One condition per box, each within ``permissions.visible_q(user)``: the work boxes name only the
    agencies and roles the user holds there, so a box needs no second, OR-ed visibility test that would
    defeat the indexes; the browsing boxes (due soon, late, all) start from the visibility itself.
    """
    scope = visible_q(user, agency_id=agency_id)
    if scope is None:
        return dict.fromkeys(BOXES, _NONE)
    roles = {
        agency: held & DOSSIER_ROLES
        for agency, held in roles_by_agency(user).items()
        if held & DOSSIER_ROLES and (agency_id is None or agency == agency_id)
    }
    now = timezone.now()
    due_soon = _NONE
    if "due_soon" in boxes:
        due_soon = Q(status__in=RUNNING_STATUSES, due_at__gte=now, due_at__lte=due_soon_cutoff(now, calendar=calendar))
    one_stop = _agencies_with(roles, Role.ONE_STOP_OFFICER)
    leading = _agencies_with(roles, Role.LEADER)
    handling = _NONE
    for agency, held in roles.items():
        # A role seeing dossiers only in some states (the clerk: at their step) is held to them here too.
        free = sorted(role for role in held if not SCOPES[role].statuses)
        if free:
            handling |= Q(current_agency_id=agency, current_role__in=free)
        for role in sorted(held - set(free)):
            handling |= Q(current_agency_id=agency, current_role=role, status__in=SCOPES[role].statuses)
    return {
        "to_receive": Q(status=Status.SUBMITTED, receiving_agency_id__in=one_stop),
        "to_process": Q(status__in=(Status.PROCESSING, Status.TRANSFERRED)) & handling,
        "to_approve": Q(status=Status.AWAITING_APPROVAL, current_agency_id__in=leading, current_role=Role.LEADER),
        "to_return": Q(status__in=(Status.FINISHED, Status.WITHDRAWAL_REQUESTED), receiving_agency_id__in=one_stop),
        "due_soon": scope & due_soon,
        "late": scope & Q(status__in=RUNNING_STATUSES, due_at__lt=now),
        "all": scope,
    }


def _search(qs: QuerySet[Dossier], query: str) -> QuerySet[Dossier]:
    """Code prefix, citizen ID / tax code (exact or prefix), or every folded word of the name."""
    raw = (query or "").strip()
    if not raw:
        return qs
    if _ID_QUERY.match(raw):
        return qs.filter(
            Q(applicant_id_number__startswith=raw) | Q(principal_id_number__startswith=raw) | Q(code__startswith=raw)
        )
    if " " not in raw and _CODE_QUERY.match(raw):
        return qs.filter(code__startswith=raw.upper())
    text = tsquery_text(raw)
    if not text:
        return qs.none()
    # Every word of the name, the last one may be its start ("nguyen van an" finds "Nguyễn Văn Anh").
    return qs.filter(search_vector=SearchQuery(text, search_type="raw", config="simple"))


def worklist(
    *, user: Any, box: str, query: str = "", agency_id: int | None = None, calendar: WorkingCalendar | None = None
) -> QuerySet[Dossier]:
    """The dossiers of one work box for the user, optionally searched and limited to one agency, due first."""
    if box not in BOXES:
        raise NotFoundOrForbidden("Không có hộp hồ sơ này.")
    condition = _box_filters(user, agency_id=agency_id, calendar=calendar, boxes=(box,))[box]
    qs = _search(Dossier.objects.filter(condition), query)
    # "all": the newest first; to receive: the oldest first (no appointment yet); other boxes: due first.
    if box == "all":
        order: tuple[Any, ...] = ("-submitted_at", "-id")
    elif box == "to_receive":
        order = ("submitted_at", "id")
    else:
        order = (F("due_at").asc(nulls_last=True), "submitted_at", "id")
    return (
        qs.select_related("procedure", "current_agency", "receiving_agency")
        .defer("form_data", "search_text", "search_vector", "procedure__search_name")
        .order_by(*order)
    )


def box_counts(*, user: Any, agency_id: int | None = None, calendar: WorkingCalendar | None = None) -> dict[str, int]:
    """How many dossiers wait in each work box: one small indexed count per box, all in one query."""
    filters = _box_filters(user, agency_id=agency_id, calendar=calendar, boxes=WORK_BOXES)
    counts = dict.fromkeys(WORK_BOXES, 0)
    database = Dossier.objects.db
    # One round trip: SELECT (SELECT count(*) FROM (box 1)), (…box 2)…; each stays an index-only count.
    asked: list[str] = []
    parts: list[str] = []
    params: list[Any] = []
    for box in WORK_BOXES:
        rows = Dossier.objects.filter(filters[box]).order_by().annotate(one=Value(1)).values("one")
        try:
            sql, box_params = rows.query.get_compiler(using=database).as_sql()
        except EmptyResultSet:  # a box the user holds no role for
            continue
        asked.append(box)
        parts.append(f"(SELECT count(*) FROM ({sql}) AS box)")  # noqa: S608 (SQL compiled by the ORM, values bound)
        params.extend(box_params)
    if asked:
        with connections[database].cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(parts)}", params)
            counts.update(zip(asked, cursor.fetchone(), strict=True))
    return counts


def dossier_for(*, user: Any, code: str) -> Dossier:
    """One dossier the user may see, with everything its desk page shows; else NotFoundOrForbidden."""
    dossier = (
        dossiers_visible_to(user)
        .filter(code=code)
        .select_related(
            "procedure",
            "version",
            "receiving_agency",
            "deciding_agency",
            "current_agency",
            "applicant",
            "received_by",
            "assignee",
            "filed_by",
        )
        .prefetch_related(
            "version__form_fields",
            "version__process_steps",
            Prefetch("files", queryset=DossierFile.objects.select_related("required_document").order_by("id")),
            Prefetch("events", queryset=DossierEvent.objects.select_related("actor").order_by("at", "id")),
            Prefetch(
                "steps",
                queryset=DossierStep.objects.select_related("agency", "handed_by", "handled_by").order_by(
                    "started_at", "id"
                ),
            ),
            Prefetch(
                "supplement_requests",
                queryset=SupplementRequest.objects.select_related("requested_by").order_by("requested_at"),
            ),
            Prefetch("notices", queryset=FormalNotice.objects.select_related("issued_by").order_by("issued_at")),
            "pauses",
        )
        .first()
    )
    if dossier is None:
        raise NotFoundOrForbidden("Không tìm thấy hồ sơ.")
    return dossier


def dossier_file_for(*, user: Any, code: str, file_id: int) -> DossierFile:
    """One paper of a dossier the user may open (``permissions.may_see_file``); else NotFoundOrForbidden."""
    item = (
        DossierFile.objects.filter(pk=file_id, dossier__code=code, dossier__in=dossiers_visible_to(user))
        .select_related("dossier")
        .first()
    )
    if item is None or not may_see_file(user, item):
        raise NotFoundOrForbidden("Không tìm thấy giấy tờ.")
    return item


def _stored_date(value: str) -> dt.date | str:
    """An e-form date as kept in the dossier (ISO, or dd/mm/yyyy as typed at the counter), shown as a date."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return parse_dmy(value) or value


def form_answers(dossier: Dossier) -> list[tuple[str, Any]]:
    """The e-form answers labelled with the frozen version's form fields (unknown keys last, by key); dates as dates."""
    data = dict(dossier.form_data or {})
    rows: list[tuple[str, Any]] = []
    for field in sorted(dossier.version.form_fields.all(), key=lambda row: row.position):
        if field.key in data:
            value = data.pop(field.key)
            if field.type == field.Type.DATE and isinstance(value, str):
                value = _stored_date(value)
            rows.append((field.label, value))
    rows.extend((key, data[key]) for key in sorted(data))
    return rows


def agencies_of(*, user: Any) -> list[Agency]:
    """The agencies where the official holds a role, by name."""
    return list(Agency.objects.filter(pk__in=list(roles_by_agency(user))).order_by("name"))


# ---------------------------------------------------------------- the unit's figures (Decision 766, 2.1)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + dt.timedelta(days=32)).replace(day=1)
    return months


def unit_dashboard(*, agency: Agency, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The unit's one-stop figures for a period (both ends included, local dates).

    A unit's dossiers are those it received or decides. "Received" counts dossiers accepted in the
    period; "finished" those with a result in it. The on-time rate follows criterion 2.1 of Decision
    766: of the dossiers received or processed in the period (accepted, or refused, by its end and
    not closed before its start), those that ended by the appointed time, or that were unfinished
    at the end of the period and still within the deadline, ÷ all of them. A dossier's end is its
    first of: finished, else returned, else stopped or refused (REFERENCE §2). A dossier refused at
    reception never had an appointed time: the refusal was its answer, in time. A dossier with
    more than one supplement request counts as late. Withdrawn dossiers are left out (the
    applicant ended them).

    Criteria 4.1 and 4.2 are shares of the dossiers finished in the period: 4.1 those whose result
    is electronic (signed here, with a verification code); 4.2 those digitised, i.e. with their
    papers as files (uploaded, scanned at the counter, reused from the citizen's store or added as
    a supplement) and their result as a file (an electronic result or a scan of the paper one).
    """
    since, until = _day_start(start), _day_start(end + dt.timedelta(days=1))
    judged_at = min(until, timezone.now())
    own = Dossier.objects.filter(Q(receiving_agency=agency) | Q(deciding_agency=agency))
    ended = Coalesce("finished_at", "returned_at", "closed_at", output_field=DateTimeField())
    population = (
        own.exclude(status=Status.WITHDRAWN)
        .filter(Q(received_at__lt=until) | Q(status=Status.REFUSED, submitted_at__lt=until))
        .annotate(ended=ended)
        .filter(Q(ended__isnull=True) | Q(ended__gte=since))
    )
    not_doubly_supplemented = Q(supplement_count__lte=1)
    ended_in_time = Q(ended__lt=until) & (Q(ended__lte=F("due_at")) | Q(due_at__isnull=True))
    still_within = (Q(ended__isnull=True) | Q(ended__gte=until)) & (
        Q(due_at__gte=judged_at) | Q(paused_since__isnull=False, paused_since__lte=F("due_at"))
    )
    processed = population.aggregate(
        total=Count("pk"), on_time=Count("pk", filter=not_doubly_supplemented & (ended_in_time | still_within))
    )
    received = own.filter(received_at__gte=since, received_at__lt=until).aggregate(
        total=Count("pk"), online=Count("pk", filter=Q(channel=Channel.ONLINE))
    )
    finished_qs = own.filter(finished_at__gte=since, finished_at__lt=until)
    late_q = Q(timing=Timing.LATE) | Q(supplement_count__gt=1)
    results = DossierFile.objects.filter(dossier=OuterRef("pk"), source=DossierFile.Source.RESULT)
    has_result, has_e_result = Exists(results), Exists(results.exclude(verification_code=""))
    has_papers = Exists(DossierFile.objects.filter(dossier=OuterRef("pk")).exclude(source=DossierFile.Source.RESULT))
    finished = finished_qs.aggregate(
        total=Count("pk"),
        e_result=Count("pk", filter=Q(has_e_result)),
        digitised=Count("pk", filter=Q(has_papers) & Q(has_result)),
        early=Count("pk", filter=Q(timing=Timing.EARLY) & ~late_q),
        on_time=Count("pk", filter=Q(timing=Timing.ON_TIME) & ~late_q),
        late=Count("pk", filter=late_q),
    )
    received_by_month = dict(
        own.filter(received_at__gte=since, received_at__lt=until)
        .annotate(month=TruncMonth("received_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    finished_by_month = {
        row["month"]: row
        for row in finished_qs.annotate(month=TruncMonth("finished_at"))
        .values("month")
        .annotate(n=Count("pk"), in_time=Count("pk", filter=~late_q))
    }
    months = []
    for month in _months(start, end):
        key = _day_start(month)
        done = finished_by_month.get(key, {"n": 0, "in_time": 0})
        months.append(
            {
                "month": month,
                "label": f"{month:%m/%Y}",
                "received": int(received_by_month.get(key, 0)),
                "finished": int(done["n"]),
                "on_time": int(done["in_time"]),
                "on_time_rate": _rate(int(done["in_time"]), int(done["n"])),
            }
        )
    return {
        "agency": agency,
        "start": start,
        "end": end,
        "received": received["total"],
        "online": received["online"],
        "online_rate": _rate(received["online"], received["total"]),
        "finished": finished["total"],
        "early": finished["early"],
        "on_time": finished["on_time"],
        "late": finished["late"],
        "e_result": finished["e_result"],
        "e_result_rate": _rate(finished["e_result"], finished["total"]),
        "digitised": finished["digitised"],
        "digitised_rate": _rate(finished["digitised"], finished["total"]),
        "processed": processed["total"],
        "processed_on_time": processed["on_time"],
        "on_time_rate": _rate(processed["on_time"], processed["total"]),
        "months": months,
    }
