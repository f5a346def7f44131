"""Load millions of generated official documents fast (PostgreSQL COPY), to measure search and registers at scale.

Nghệ An's ratio (REFERENCE §6): about four incoming documents for one outgoing. The agencies that
keep registers are given departments and people first; the rows (``documents_scale_rows``) are
then generated chunk by chunk and streamed with ``cursor.copy()`` into a temporary staging table;
one ``INSERT … SELECT`` per chunk moves them into the real table, computing ``search_vector`` in
SQL with the expression of ``cqs.documents.search.index`` (metadata weight A, file text weight C).
Secondary indexes of the tables are dropped during large loads and rebuilt after (one sorted
build each), then the tables are ANALYZEd.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from cqs.accounts.models import Role, RoleAssignment, User
from cqs.core.sequences import sequences_raise
from cqs.core.text import fold
from cqs.demo import agencies as data
from cqs.demo import people
from cqs.demo.bulk import indexes_drop, indexes_rebuild, is_superuser
from cqs.demo.bulk import thousands as _n
from cqs.demo.documents_scale_rows import (
    DAYS,
    DEPARTMENTS,
    FILE_COLUMNS,
    INCOMING_COLUMNS,
    OUTGOING_COLUMNS,
    RECIPIENT_COLUMNS,
    TEXT_SHARE,
    Chunk,
    DocumentGenerator,
    RegisterKeeper,
    incoming_rows,
    outgoing_rows,
)
from cqs.documents.models import Department, DepartmentMember, IncomingDocument, OutgoingDocument
from cqs.documents.search import index as search
from cqs.units.models import Agency

INCOMING_TABLE = "documents_incomingdocument"
OUTGOING_TABLE = "documents_outgoingdocument"
FILE_TABLE = "documents_documentfile"
RECIPIENT_TABLE = "documents_recipient"
TABLES = (INCOMING_TABLE, OUTGOING_TABLE, FILE_TABLE, RECIPIENT_TABLE)

# The expression of cqs.documents.search.index (metadata weight A, file text weight C), over staging columns.
VECTOR_SQL = search.VECTOR_SQL.format(metadata="s.search_text", text="s.body")


@dataclass
class DocumentsLoadResult:
    incoming: int
    outgoing: int
    files: int
    recipients: int
    seconds: float
    index_seconds: float


def _abbreviation(agency: Agency) -> str:
    if agency.kind in (Agency.Kind.PROVINCIAL_COMMITTEE, Agency.Kind.COMMUNE_COMMITTEE):
        return "UBND"
    words = [w for w in fold(agency.short_name or agency.name).split() if w not in {"tinh", "nghe", "an"}]
    return "".join(w[0] for w in words).upper()[:8] or "CQ"


def _prepare(rng: random.Random) -> tuple[list[RegisterKeeper], list[float]]:
    """The agencies that keep registers, each with departments and a leader, a clerk and a specialist."""
    kinds = (Agency.Kind.PROVINCIAL_COMMITTEE, Agency.Kind.DEPARTMENT, Agency.Kind.COMMUNE_COMMITTEE)
    agencies = list(Agency.objects.filter(is_active=True, kind__in=kinds).select_related("unit").order_by("pk"))
    if not agencies:
        raise RuntimeError("Chưa có cơ quan nào: chạy demo_setup (hoặc seed_documents_scale) trước.")
    existing = set(Department.objects.values_list("agency_id", "abbreviation"))
    Department.objects.bulk_create(
        [
            Department(agency=a, name=name, abbreviation=abbr)
            for a in agencies
            for name, abbr in DEPARTMENTS
            if (a.pk, abbr) not in existing
        ]
    )
    departments: dict[int, list[int]] = {}
    for agency_id, pk in Department.objects.filter(agency__in=agencies).order_by("pk").values_list("agency_id", "pk"):
        departments.setdefault(agency_id, []).append(pk)
    holders: dict[tuple[int, str], int] = {}
    for agency_id, role, user_id in RoleAssignment.objects.filter(
        agency__in=agencies, role__in=(Role.LEADER, Role.CLERK, Role.SPECIALIST)
    ).values_list("agency_id", "role", "user_id"):
        holders.setdefault((agency_id, role), user_id)
    today = timezone.localdate()
    missing = [(a, role) for a in agencies for role in (Role.LEADER, Role.CLERK, Role.SPECIALIST)]
    missing = [(a, role) for a, role in missing if (a.pk, role) not in holders]
    unusable = make_password(None)
    users = [
        User(
            username=f"vb{a.pk}.{role}",
            full_name=people.person(rng, today=today).full_name,
            kind=User.Kind.OFFICIAL,
            agency=a,
            password=unusable,  # these accounts exist to sign and register generated documents
        )
        for a, role in missing
    ]
    User.objects.bulk_create(users, ignore_conflicts=True)
    by_name = dict(User.objects.filter(username__in=[u.username for u in users]).values_list("username", "pk"))
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user_id=by_name[f"vb{a.pk}.{role}"], agency=a, role=role) for a, role in missing],
        ignore_conflicts=True,
    )
    for a, role in missing:
        holders[(a.pk, role)] = by_name[f"vb{a.pk}.{role}"]
    members = [
        DepartmentMember(department_id=departments[a.pk][0], user_id=holders[(a.pk, Role.SPECIALIST)]) for a in agencies
    ]
    DepartmentMember.objects.bulk_create(members, ignore_conflicts=True)
    home = next((a.pk for a in agencies if a.unit.name == data.HOME_COMMUNE), agencies[0].pk)
    shaped: list[RegisterKeeper] = []
    weights: list[float] = []
    for rank, a in enumerate(agencies):
        shaped.append(
            RegisterKeeper(
                pk=a.pk,
                name=a.name,
                code=a.electronic_code,
                abbreviation=_abbreviation(a),
                place=a.unit.name,
                departments=departments[a.pk],
                leader=holders[(a.pk, Role.LEADER)],
                clerk=holders[(a.pk, Role.CLERK)],
                specialist=holders[(a.pk, Role.SPECIALIST)],
            )
        )
        if a.kind == Agency.Kind.PROVINCIAL_COMMITTEE:
            weights.append(12.0)
        elif a.pk == home:
            weights.append(5.0)
        elif a.kind == Agency.Kind.DEPARTMENT:
            weights.append(2.0)
        else:
            weights.append(1.0 / (rank % 40 + 2) ** 0.5)
    return shaped, weights


def _reserve(table: str, count: int) -> int:
    """The first of ``count`` ids reserved in ``table``'s sequence."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 (constant table names)
        first = int(cursor.fetchone()[0]) + 1
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + count - 1])
    return first


def documents_scale_load(
    *,
    incoming: int,
    outgoing: int,
    stdout: TextIO | Any,
    seed: int = 2026,
    chunk: int = 50_000,
    drop_indexes: bool = True,
    background: bool = True,
    text_share: float = TEXT_SHARE,
) -> DocumentsLoadResult:
    """Append ``incoming`` + ``outgoing`` generated documents by COPY (with files and recipients); prints progress.

    With ``background`` a second thread (its own connection) COPYs one chunk while the next is
    generated; without it (tests, inside one transaction) everything uses this connection.
    """
    started = time.monotonic()
    rng = random.Random(seed + IncomingDocument.objects.count() + OutgoingDocument.objects.count())  # noqa: S311
    agencies, weights = _prepare(rng)
    gen = DocumentGenerator(rng=rng, agencies=agencies, weights=weights, text_share=text_share)
    now = timezone.now()
    first_day = timezone.localdate(now) - dt.timedelta(days=DAYS)
    superuser = is_superuser()
    first_in = _reserve(INCOMING_TABLE, incoming) if incoming else 0
    first_out = _reserve(OUTGOING_TABLE, outgoing) if outgoing else 0
    dropped = indexes_drop(TABLES, stdout=stdout) if drop_indexes else []
    totals = {"incoming": 0, "outgoing": 0, "files": 0, "recipients": 0}
    pool = ThreadPoolExecutor(max_workers=1) if background else None
    pending: Future[None] | None = None
    last_report = time.monotonic()
    # Incoming and outgoing interleaved in proportion, so each chunk stays in date order for both.
    steps = max(1, -(-max(incoming, outgoing) // chunk))
    in_size, out_size = -(-incoming // steps), -(-outgoing // steps)
    for step in range(steps):
        part = Chunk([], [], [], [])
        in_start, out_start = step * in_size, step * out_size
        n_in = max(0, min(in_size, incoming - in_start))
        n_out = max(0, min(out_size, outgoing - out_start))
        incoming_rows(gen, first_id=first_in, start=in_start, size=n_in, total=incoming, first_day=first_day,
                       now=now, out=part)  # fmt: skip
        outgoing_rows(gen, first_id=first_out, start=out_start, size=n_out, total=outgoing, first_day=first_day,
                       out=part)  # fmt: skip
        if pool is not None:
            if pending is not None:
                pending.result()
            pending = pool.submit(_copy_in_thread, part, superuser)
        else:
            _copy(part, superuser=superuser)
        totals["incoming"] += n_in
        totals["outgoing"] += n_out
        totals["files"] += len(part.files)
        totals["recipients"] += len(part.recipients)
        elapsed = time.monotonic() - started
        if step == steps - 1 or time.monotonic() - last_report > 15:
            last_report = time.monotonic()
            done = totals["incoming"] + totals["outgoing"]
            stdout.write(
                f"    {_n(totals['incoming']):>9} văn bản đến, {_n(totals['outgoing'])} văn bản đi"
                f" — {elapsed:.0f} s, {_n(done / elapsed)} văn bản/s\n"
            )
            stdout.flush()
    if pool is not None:
        if pending is not None:
            pending.result()
        pool.shutdown()
    sequences_raise(gen.sequences)
    index_seconds = indexes_rebuild(dropped, TABLES, stdout=stdout, work_mem="1GB")
    return DocumentsLoadResult(
        incoming=totals["incoming"],
        outgoing=totals["outgoing"],
        files=totals["files"],
        recipients=totals["recipients"],
        seconds=time.monotonic() - started,
        index_seconds=index_seconds,
    )


def _copy_in_thread(part: Chunk, superuser: bool) -> None:
    try:
        _copy(part, superuser=superuser)
    finally:
        connection.close()


def _stage(cursor: Any, table: str, columns: Sequence[str], lines: list[str]) -> None:
    """COPY ``lines`` (the columns plus the folded file text) into a staging table, then INSERT with the vector."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    cursor.execute(f"CREATE TEMP TABLE s (LIKE {table}) ON COMMIT DROP")
    cursor.execute("ALTER TABLE s ADD COLUMN body text")
    _write(cursor, f"COPY s ({quoted}, body) FROM STDIN", lines)
    selected = ", ".join(f's."{c}"' for c in columns)
    cursor.execute(f"INSERT INTO {table} ({quoted}, search_vector) SELECT {selected}, {VECTOR_SQL} FROM s")  # noqa: S608
    cursor.execute("DROP TABLE s")


def _write(cursor: Any, statement: str, lines: list[str]) -> None:
    with cursor.cursor.copy(statement) as copy:
        for start in range(0, len(lines), 10_000):
            copy.write("\n".join(lines[start : start + 10_000]) + "\n")


def _copy(part: Chunk, *, superuser: bool) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if superuser:  # the rows point at rows that exist: skip the per-row foreign key triggers
            cursor.execute("SET LOCAL session_replication_role = replica")
        if part.incoming:
            _stage(cursor, INCOMING_TABLE, INCOMING_COLUMNS, part.incoming)
        if part.outgoing:
            _stage(cursor, OUTGOING_TABLE, OUTGOING_COLUMNS, part.outgoing)
        for table, columns, lines in (
            (FILE_TABLE, FILE_COLUMNS, part.files),
            (RECIPIENT_TABLE, RECIPIENT_COLUMNS, part.recipients),
        ):
            if lines:
                quoted = ", ".join(f'"{c}"' for c in columns)
                _write(cursor, f"COPY {table} ({quoted}) FROM STDIN", lines)
