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


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Any) -> None:
    """Every test: files under its own temporary folder, mail kept in memory, fast password hashing.

    Argon2 (the production hasher) costs a tenth of a second per account by design; the tests
    that are about hashing set it back themselves.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
    from cqs.accounts.models import User

    return User.objects.create_user(
        username="040095001234", password=TEST_PASSWORD, full_name="Nguyễn Văn An", citizen_id="040095001234"
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
def _seeded_rows_back(request: Any) -> Iterator[None]:
    """After a transactional test (which ends by emptying every table), put back the rows migrations seed.

    The next test on the same worker may be an ordinary one that expects them (the Decree 30 document types).
    """
    yield
    if not {"transactional_db", "live_server"} & set(request.fixturenames):
        return
    import importlib

    from django.apps import apps

    types = importlib.import_module("cqs.documents.migrations.0002_document_types")
    copies = importlib.import_module("cqs.documents.migrations.0007_copy_document_types")
    with request.getfixturevalue("django_db_blocker").unblock():
        types.add_types(apps, None)
        copies.add_copy_types(apps, None)


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache: the database rolls back between tests, the cache would not."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
