from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from cqs.accounts.models import User
from cqs.core.calendar import WorkingCalendar
from cqs.core.models import AuditEvent
from cqs.core.sequences import day_period, sequence_last
from cqs.core.text import fold
from cqs.core.uploads import check_upload
from cqs.demo.clock import at
from cqs.demo.dossiers import demo_dossiers_seed
from cqs.demo.people import minimal_pdf
from cqs.demo.scale import scale_load
from cqs.demo.services import demo_accounts, demo_agencies, demo_catalog, demo_units
from cqs.dossiers import clock, services
from cqs.dossiers.codes import CODE_SCOPE
from cqs.dossiers.models import Dossier, DossierEvent, DossierFile, DossierStep, Status, StoredPaper
from cqs.dossiers.selectors import worklist
from cqs.signing.pdf import pdf_verify

pytestmark = pytest.mark.django_db


def _basics() -> None:
    demo_units()
    demo_agencies()
    demo_catalog()
    demo_accounts()


def test_the_demo_clock_moves_now_only_inside_the_block() -> None:
    moment = timezone.make_aware(dt.datetime(2025, 12, 1, 9, 15))
    with at(moment):
        assert timezone.now() == moment
        assert timezone.localdate() == dt.date(2025, 12, 1)
    assert timezone.now() > moment
    with pytest.raises(ValueError), at(dt.datetime(2025, 12, 1, 9, 15)):
        pass


def test_the_generated_pdf_passes_the_upload_checks() -> None:
    upload = io.BytesIO(minimal_pdf("Tờ khai đăng ký khai sinh", ("Nguyễn Thị Lan", "040190012345")))
    upload.name = "to-khai.pdf"
    checked = check_upload(upload, allowed={"pdf"}, max_bytes=10_000, label="Tờ khai")
    assert checked.kind == "pdf"


def test_demo_dossiers_every_state_in_time_order_on_the_working_calendar() -> None:
    _basics()
    created = demo_dossiers_seed(stdout=io.StringIO(), count=40)
    assert created == 40 == Dossier.objects.count()
    assert set(Dossier.objects.values_list("status", flat=True)) == set(Status.values)
    assert Dossier.objects.filter(channel=2).exists() and Dossier.objects.filter(channel__in=(1, 3)).exists()
    assert Dossier.objects.filter(rating__isnull=False).exists()
    assert DossierFile.objects.filter(kind="pdf").exists()

    now = timezone.now()
    calendar = WorkingCalendar()
    for dossier in Dossier.objects.select_related("version").prefetch_related("events", "steps"):
        events = sorted(dossier.events.all(), key=lambda e: e.pk)
        times = [e.at for e in events]
        assert times == sorted(times), dossier.code
        assert times[0] == dossier.submitted_at
        assert now - dt.timedelta(days=400) < dossier.submitted_at < now
        assert events[-1].to_status == dossier.status or events[-1].action == "rate"
        for step in dossier.steps.all():
            assert step.started_at >= dossier.submitted_at
            assert step.finished_at is None or step.finished_at >= step.started_at
        if dossier.finished_at is not None:
            assert dossier.due_at is not None
            assert dossier.timing == clock.timing_of(calendar, done_at=dossier.finished_at, due_at=dossier.due_at)
        if dossier.received_at is not None and not dossier.pauses.exists() and not dossier.extension_count:
            # The due time is the statutory time on the working calendar from the moment of receipt.
            expected = clock.due_after(
                calendar, dossier.received_at, dossier.statutory_hours, cutoff=dossier.version.afternoon_cutoff
            )
            assert dossier.due_at == expected, dossier.code

    finished = Dossier.objects.filter(finished_at__isnull=False)
    assert finished.filter(timing__in=("early", "on_time")).count() >= finished.count() * 0.8

    # A tester logging in as the demo citizen sees several dossiers in different states.
    mine = Dossier.objects.filter(applicant__username="040190012345")
    assert mine.count() >= 6
    assert len(set(mine.values_list("status", flat=True))) >= 6

    # Dossiers wait at the steps the random year leaves empty, the clerk's first (the demo's 40 reach these).
    clerk_waiting = Dossier.objects.filter(status=Status.PROCESSING, current_role="clerk")
    assert clerk_waiting.count() >= 8
    assert Dossier.objects.filter(status=Status.PROCESSING, current_role="specialist", current_step=3).exists()
    # A full-online procedure's approved dossiers carry the signed electronic result, valid.
    approved = Dossier.objects.filter(version__online_level="full", events__action="approve").distinct()
    assert approved.exists()
    for dossier in approved:
        result = dossier.files.get(source=DossierFile.Source.RESULT)
        with result.file.open("rb") as handle:
            reports = pdf_verify(pdf=handle.read())
        assert [r.signer_name for r in reports][-1] == dossier.deciding_agency.name and all(r.ok for r in reports)
        if dossier.status == Status.RETURNED and dossier.applicant is not None:
            assert StoredPaper.objects.filter(owner=dossier.applicant, verification_code=result.verification_code)

    counts = (Dossier.objects.count(), DossierEvent.objects.count(), User.objects.count(), AuditEvent.objects.count())
    assert demo_dossiers_seed(stdout=io.StringIO(), count=40) == 0
    assert counts == (
        Dossier.objects.count(),
        DossierEvent.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )


def test_scale_loader_rows_are_found_by_the_desk_search() -> None:
    _basics()
    result = scale_load(count=2000, stdout=io.StringIO(), drop_indexes=False, background=False)
    assert (result.dossiers, Dossier.objects.count()) == (2000, 2000)
    assert DossierEvent.objects.count() == result.events >= 2000
    assert DossierStep.objects.count() == result.steps
    assert set(Dossier.objects.values_list("status", flat=True)) >= {Status.RETURNED, Status.PROCESSING}

    officer = User.objects.get(username="motcua")
    mine = Dossier.objects.filter(receiving_agency=officer.agency).order_by("id")
    assert mine.count() > 20
    for dossier in mine[:5]:
        assert dossier.search_text == services.dossier_search_text(dossier)
        for query in (dossier.code, dossier.applicant_id_number, fold(dossier.applicant_name)):
            found = worklist(user=officer, box="all", query=query)
            assert dossier in found, query
    # Finished dossiers' timing agrees with their due time; codes keep the daily sequence.
    for dossier in Dossier.objects.filter(finished_at__isnull=False)[:200]:
        assert dossier.finished_at is not None and dossier.due_at is not None
        assert (dossier.timing == "late") == (dossier.finished_at > dossier.due_at)
    sample = Dossier.objects.first()
    assert sample is not None
    assert sample.submitted_at is not None
    last = sequence_last(scope=CODE_SCOPE, agency_id=sample.deciding_agency_id, period=day_period(sample.submitted_at))
    assert last >= int(sample.code.rsplit("-", 1)[1])
