"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

TEST_PASSWORD = "Hoa-sen-no-2025!"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
_APP_CREDENTIALS: dict[str, Any] = {}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """The test databases are created and migrated by the owner of the tables, as in production (docs/audit.md)."""
    from django.conf import settings
    from django.db import connections

    current = connections["default"].settings_dict
    _APP_CREDENTIALS.update({key: current.get(key) for key in _CREDENTIALS})
    if settings.CQS_DATABASE_OWNER is None:  # DATABASE_URL alone: its role owns the tables
        settings.CQS_DATABASE_OWNER = {key: current.get(key) for key in _CREDENTIALS}
    current.update({key: settings.CQS_DATABASE_OWNER.get(key) for key in _CREDENTIALS})


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Then every test runs as the application's restricted role: what the tests do, the platform may do with it.

    The configured application role when DATABASE_URL and DATABASE_OWNER_URL differ (the embedded server's
    ``cqs_app`` by default); with DATABASE_URL alone, a role made for the test database when the owner may
    create roles (a superuser on CI), else the owner itself, with a warning.
    """
    import hashlib
    import hmac
    import warnings

    from django.conf import settings
    from django.db import connections

    from cqs.core.dbroles import may_create_roles, role_ensure, role_grants

    connection = connections["default"]
    owner = settings.CQS_DATABASE_OWNER
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        if _APP_CREDENTIALS.get("USER") and _APP_CREDENTIALS["USER"] != owner["USER"]:
            app = dict(_APP_CREDENTIALS)
        elif may_create_roles(cursor):
            role = f"{connection.settings_dict['NAME']}_app"[:63]
            password = hmac.new(settings.SECRET_KEY.encode(), role.encode(), hashlib.sha256).hexdigest()
            role_ensure(cursor, role, password=password)
            app = {**owner, "USER": role, "PASSWORD": password}
        else:
            warnings.warn(
                "Các bài kiểm thử chạy bằng vai trò sở hữu CSDL (không tạo được vai trò ứng dụng).", stacklevel=1
            )
            app = owner
        role_grants(cursor, app["USER"])
    connection.close()
    connection.settings_dict.update({key: app.get(key) for key in _CREDENTIALS})
    _flush_as_owner()
    yield


def _flush_as_owner() -> None:
    """A transactional test ends by emptying every table; only the owner may empty the audit log.

    A test that restores the serialized rows (``serialized_rollback``) first empties the tables again,
    without the rows post_migrate puts back: a transactional test before it on the same worker left them.
    """
    from django.core.management import call_command
    from django.db import connections
    from django.test import TransactionTestCase

    from cqs.core.dbroles import owner_connection

    fixture_setup = TransactionTestCase.__dict__["_fixture_setup"].__func__
    fixture_teardown = TransactionTestCase._fixture_teardown

    def _fixture_setup(cls: Any) -> None:
        if cls.serialized_rollback:
            with owner_connection():
                call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True, allow_cascade=True)
            # After a browser test the connection object may be another one, without the serialised rows.
            connection = connections["default"]
            if not getattr(connection, "_test_serialized_contents", None) and "default" in _MIGRATED_ROWS:
                connection._test_serialized_contents = _MIGRATED_ROWS["default"]
        fixture_setup(cls)

    def _fixture_teardown(self: Any) -> None:
        with owner_connection():
            fixture_teardown(self)
            _queue_empty()

    TransactionTestCase._fixture_setup = classmethod(_fixture_setup)  # type: ignore[method-assign,assignment]
    TransactionTestCase._fixture_teardown = _fixture_teardown  # type: ignore[method-assign]


def _queue_empty() -> None:
    """The background worker's tables are not Django's (flush leaves them): emptied after a transactional test."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, procrastinate_workers"
        )


def _transactional(item: Any) -> bool:
    marker = item.get_closest_marker("django_db")
    return marker is not None and bool(marker.kwargs.get("transaction"))


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """Have the test database's rows written by the migrations (the Decree 30 document types…)
    serialised once, so that ``_restore_migrated_rows`` can put them back."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if _transactional(item) and "serialized_rollback" not in marker.kwargs:
            item.add_marker(
                pytest.mark.django_db(*marker.args, **marker.kwargs, serialized_rollback=True), append=False
            )


_MIGRATED_ROWS: dict[str, str] = {}


@pytest.fixture(scope="session", autouse=True)
def _migrated_rows(django_db_setup: Any) -> None:
    """Keep the rows the migrations wrote, as serialised when the test database was set up.

    The copy on the connection object cannot be relied on afterwards: once Playwright has run an
    event loop in the thread, ``django.db.connection`` may resolve to another connection object.
    """
    from django.db import connections

    contents = getattr(connections["default"], "_test_serialized_contents", None)
    if contents:
        _MIGRATED_ROWS["default"] = contents


_migrated_rows_by_model: dict[Any, list[Any]] = {}


def _rows_written_by_migrations(contents: str) -> dict[Any, list[Any]]:
    """The rows the migrations wrote (serialised by Django once per worker), by model, every model after
    the models it points to."""
    if not _migrated_rows_by_model:
        from django.core import serializers

        found_rows: dict[Any, list[Any]] = {}
        for found in serializers.deserialize("json", contents):
            found_rows.setdefault(type(found.object), []).append(found.object)
        for model in _referenced_first(list(found_rows)):
            _migrated_rows_by_model[model] = found_rows[model]
    return _migrated_rows_by_model


def _referenced_first(models: list[Any]) -> list[Any]:
    """The models ordered so that each comes after those its foreign keys point to (among ``models``)."""
    ordered: list[Any] = []

    def place(model: Any, seen: frozenset[Any]) -> None:
        if model in ordered or model in seen:
            return
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in models and field.related_model is not model:
                place(field.related_model, seen | {model})
        ordered.append(model)

    for model in models:
        place(model, frozenset())
    return ordered


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: Any, nextitem: Any) -> Iterator[None]:
    """A transactional test ends by emptying every table (in its fixtures' teardown); afterwards put back
    the rows the migrations wrote, so that the next tests on the worker find them as in a fresh database.

    A table the teardown's flush left filled (content types recreated with new ids) is kept as it is, and so
    are the tables whose rows point into it.
    """
    yield
    if not _transactional(item):
        return
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    contents = _MIGRATED_ROWS.get("default") or getattr(connection, "_test_serialized_contents", None)
    if not contents:
        return
    kept: set[Any] = set()  # tables found filled: their rows may have other ids than the snapshot's
    with item.config.stash[blocking_manager_key].unblock():
        for model, rows in _rows_written_by_migrations(contents).items():
            refers_to_kept = any(f.related_model in kept for f in model._meta.concrete_fields if f.is_relation)
            if refers_to_kept or model._default_manager.exists():
                kept.add(model)
            else:
                model._default_manager.bulk_create(rows)


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Any) -> None:
    """Every test: files under its own temporary folder, mail and text messages kept in memory, fast password hashing.

    Argon2 (the production hasher) costs a tenth of a second per account by design; the tests
    that are about hashing set it back themselves.
    """
    from cqs.notifications.sms import MemorySmsBackend

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CQS_SMS_BACKEND = "cqs.notifications.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CQS_AUDIT_ANCHOR_FILE = tmp_path / "audit" / "anchors.log"


@pytest.fixture
def run_jobs(db: Any) -> Any:
    """run_jobs(): run the background jobs queued so far (docs/worker.md); how many were queued.

    In a transactional test the jobs are committed rows: a real Procrastinate worker runs them
    until the queue is empty, as procrastinate documents for Django tests. A test inside a
    transaction cannot hand its uncommitted rows to a worker's connection: there each job runs
    here, the way the worker runs it (its task with its arguments), and leaves the queue.
    """
    from django.db import connection
    from procrastinate.contrib.django import app
    from procrastinate.contrib.django.models import ProcrastinateJob

    def run() -> int:
        queued = ProcrastinateJob.objects.filter(status="todo").count()
        if not connection.in_atomic_block:
            worker_run()
            return queued
        while job := ProcrastinateJob.objects.filter(status="todo").order_by("id").first():
            app.tasks[job.task_name](**job.args)
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM procrastinate_jobs WHERE id = %s", [job.id])
        return queued

    return run


def worker_run(app: Any = None, **options: Any) -> None:
    """A real worker of ``app`` (the platform's) on the test database until the queue is empty (committed jobs only).

    It runs in a thread of its own: a browser test's thread already runs Playwright's event loop.
    """
    from procrastinate.contrib.django import app as platform_app

    app = app or platform_app

    def work() -> None:
        with app.replace_connector(platform_app.connector.get_worker_connector()):
            app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False, **options)

    _in_a_thread(work, name="procrastinate-worker")


def _in_a_thread(work: Any, *, name: str) -> None:
    """``work()`` in a thread of its own, waited for; what it raised is raised in the test's thread."""
    import threading

    failures: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the test's thread
            failures.append(exc)

    thread = threading.Thread(target=run, name=name)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def scheduler_tick(at: float) -> None:
    """One tick of a worker's scheduler at ``at`` (a timestamp): defer the periodic jobs due then, as a worker would.

    A fresh scheduler, with its own worker connection, in a thread of its own, like ``worker_run``:
    ticking twice at the same moment is two workers' schedulers ticking in the same second.
    """
    import asyncio

    from procrastinate.contrib.django import app
    from procrastinate.periodic import PeriodicDeferrer

    async def tick() -> None:
        async with app.open_async():
            deferrer = PeriodicDeferrer(registry=app.periodic_registry)
            await deferrer.defer_jobs(jobs_to_defer=deferrer.get_previous_tasks(at=at))

    def work() -> None:
        with app.replace_connector(app.connector.get_worker_connector()):
            asyncio.run(tick())

    _in_a_thread(work, name="procrastinate-scheduler")


@pytest.fixture
def w(db: Any) -> Any:
    """A commune deciding a published procedure with a four-step process, and its people (dossier tests)."""
    from cqs.dossiers.tests import factories

    return factories.world()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context the size of a phone, Vietnamese first."""
    context = chromium.new_context(locale="vi-VN", **PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def agency(db: Any) -> Any:
    """The People's Committee of Nghệ An, the agency officials of the tests work at."""
    from cqs.units.models import AdministrativeUnit, Agency

    unit, _ = AdministrativeUnit.objects.get_or_create(
        code="40", defaults={"name": "Nghệ An", "level": "province", "division_type": "tỉnh", "search_name": "nghe an"}
    )
    found, _ = Agency.objects.get_or_create(
        electronic_code="000.00.00.H40",
        defaults={"name": "UBND tỉnh Nghệ An", "kind": "provincial_committee", "unit": unit, "search_name": "ubnd"},
    )
    return found


@pytest.fixture
def make_official(agency: Any) -> Any:
    """make_official(username, roles=(...), totp_device=False): an official of ``agency``."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cqs.accounts.models import RoleAssignment, User

    def make(username: str, *, roles: tuple[str, ...] = (), totp_device: bool = False) -> Any:
        user = User.objects.create_user(
            username=username, password=TEST_PASSWORD, full_name=f"Cán bộ {username}", kind="official", agency=agency
        )
        for role in roles:
            RoleAssignment.objects.create(user=user, role=role, agency=agency)
        if totp_device:
            TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        return user

    return make


@pytest.fixture
def administrator(make_official: Any) -> Any:
    return make_official("quantri", roles=("administrator",))


@pytest.fixture
def citizen(db: Any) -> Any:
    """A citizen verified at the counter (accounts tests ask for ``unverified_citizen``: a self-registered one)."""
    from django.utils import timezone

    from cqs.accounts.models import User

    return User.objects.create_user(
        username="040095001234",
        password=TEST_PASSWORD,
        full_name="Nguyễn Văn An",
        citizen_id="040095001234",
        identity_verified_at=timezone.now(),
        identity_proof="counter",
    )


@pytest.fixture(autouse=True)
def _fast_keys(monkeypatch: Any) -> None:
    """2048-bit keys in the tests (3072 costs a second each); one signing test checks the real size."""
    from cqs.signing import ca

    monkeypatch.setattr(ca, "CA_KEY_SIZE", 2048)
    monkeypatch.setattr(ca, "END_ENTITY_KEY_SIZE", 2048)


@pytest.fixture
def demo_ca(db: Any) -> Any:
    """(root, issuing CA) of the demo certificate authority."""
    from cqs.signing import services

    return services.ca_create_demo(province_name="Nghệ An")


@pytest.fixture
def org_cert(demo_ca: Any, agency: Any) -> Any:
    """The organisation certificate of ``agency``."""
    from cqs.signing import services
    from cqs.signing.models import Certificate

    return services.certificate_issue(
        issuer=demo_ca[1], common_name=agency.name, kind=Certificate.Kind.ORGANISATION, agency=agency, actor=None
    )


@pytest.fixture
def personal_cert(demo_ca: Any) -> Any:
    """personal_cert(user): a personal certificate issued to an official."""
    from cqs.signing import services
    from cqs.signing.models import Certificate

    def issue(user: Any) -> Any:
        return services.certificate_issue(
            issuer=demo_ca[1], common_name=user.full_name, kind=Certificate.Kind.PERSONAL, owner=user, actor=None
        )

    return issue


@pytest.fixture(autouse=True)
def _empty_catalogue_cache() -> None:
    """Each test starts with an empty in-memory catalogue cache (a rolled-back test may leave its revision behind)."""
    from cqs.catalog.revision_cache import catalogue_cache

    catalogue_cache.clear()


@pytest.fixture(autouse=True)
def _empty_cache(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with an empty cache. The cache is a table (settings.CACHES): a test's rows roll back with
    its transaction; a transactional test commits them, so its cache is emptied before and after it."""
    if not _transactional(request.node):
        yield
        return
    from django.core.cache import cache

    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        cache.clear()
    yield
    with blocker.unblock():
        cache.clear()
