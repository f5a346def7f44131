from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import Client
from django_otp.oath import totp

from cqs.accounts.models import Role, RoleAssignment, User
from cqs.accounts.selectors import totp_confirmed_device
from cqs.accounts.services import TotpVerdict, totp_verify
from cqs.accounts.validators import citizen_id_parts, validate_citizen_id, validate_tax_code
from cqs.catalog.models import Procedure, ProcedureVersion
from cqs.catalog.selectors import procedure_search, version_completeness
from cqs.core.models import AuditEvent
from cqs.demo import agencies as data
from cqs.demo.accounts import BUSINESS, CITIZENS, DEMO_PASSWORD, OFFICIALS
from cqs.demo.services import (
    demo_agencies,
    demo_catalog,
    demo_catalog_payload,
    demo_seed,
    demo_units,
)
from cqs.units.models import AdministrativeUnit, Agency

PROVINCIAL_CODES = {spec.electronic_code for spec in data.PROVINCIAL_AGENCIES}


# ---------------------------------------------------------------- the JSON itself


def test_catalog_file_has_enough_real_procedures() -> None:
    payload = demo_catalog_payload()
    procedures = payload["procedures"]
    assert payload["format"] == "cqs-catalog/1"
    assert len(procedures) >= 45
    assert len(payload["fields"]) >= 10
    codes = [p["code"] for p in procedures]
    assert len(codes) == len(set(codes))
    for code in ("1.001193", "1.000894", "1.000656", "2.000815", "2.001035"):
        assert code in codes
    assert {p["level"] for p in procedures} == {"commune", "province"}
    assert {p["online_level"] for p in procedures} == {"full", "partial", "none"}


def test_every_procedure_is_shaped_like_the_brief() -> None:
    for procedure in demo_catalog_payload()["procedures"]:
        code = procedure["code"]
        assert 5 <= len(procedure["form_fields"]) <= 12, code
        assert 3 <= len(procedure["process_steps"]) <= 6, code
        hours = sum(Decimal(str(step["duration_hours"])) for step in procedure["process_steps"])
        statutory = Decimal(str(procedure["processing_time"]))
        if procedure["processing_time_unit"] == "working_days":
            statutory *= 8
        assert hours == statutory, code
        assert procedure["decision"]["number"].endswith("/QĐ-UBND"), code
        assert procedure["decision"]["date"].startswith("2025-07"), code
        if procedure["level"] == "commune" and procedure["field"] != "CTR":
            assert procedure["agencies"] == ["*commune_committee"], code
        else:
            assert set(procedure["agencies"]) <= PROVINCIAL_CODES, code


def test_commune_electronic_codes_follow_the_documented_pattern() -> None:
    assert data.commune_electronic_code(1) == "000.40.01.H40"
    assert data.commune_electronic_code(99) == "000.40.99.H40"
    assert data.commune_electronic_code(100) == "000.41.01.H40"
    assert data.commune_electronic_code(130, prefix="001") == "001.41.31.H40"
    assert data.commune_committee_name("Phường Trường Vinh") == (
        "Ủy ban nhân dân phường Trường Vinh",
        "UBND phường Trường Vinh",
    )


def test_demo_identifiers_are_valid() -> None:
    for citizen in CITIZENS:
        assert validate_citizen_id(citizen.citizen_id) == citizen.citizen_id
        parts = citizen_id_parts(citizen.citizen_id)
        assert parts.birth_province_code == "040"
        assert parts.birth_year == citizen.date_of_birth.year
    assert validate_tax_code(BUSINESS["tax_code"]) == BUSINESS["tax_code"]


# ---------------------------------------------------------------- through the real services


@pytest.mark.django_db
def test_catalog_imports_published_and_complete() -> None:
    demo_units()
    demo_agencies()
    imported, present = demo_catalog()
    expected = len(demo_catalog_payload()["procedures"])
    assert (imported, present) == (expected, 0)
    procedures = Procedure.objects.select_related("current_version")
    assert procedures.count() == expected
    communes = Agency.objects.filter(kind=Agency.Kind.COMMUNE_COMMITTEE).count()
    for procedure in procedures:
        version = procedure.current_version
        assert procedure.is_published, procedure.code
        assert version is not None and version.status == ProcedureVersion.Status.PUBLISHED, procedure.code
        assert version_completeness(version=version) == [], procedure.code
        if version.level == "commune" and procedure.field is not None and procedure.field.code != "CTR":
            assert version.agency_kinds == [Agency.Kind.COMMUNE_COMMITTEE], procedure.code
            assert version.agencies.count() == 0, procedure.code
    # Every commune People's Committee carries out the commune procedures, without one link each.
    commune_procedures = set(
        Procedure.objects.filter(agency_kinds__contains=[Agency.Kind.COMMUNE_COMMITTEE]).values_list("code", flat=True)
    )
    assert commune_procedures
    for committee in Agency.objects.filter(kind=Agency.Kind.COMMUNE_COMMITTEE)[:3]:
        found = {p.code for p in procedure_search(agency_code=committee.electronic_code)}
        assert commune_procedures <= found, committee.electronic_code
    # Every commune of Nghệ An has its People's Committee.
    nghe_an = AdministrativeUnit.objects.get(code="40")
    assert communes == AdministrativeUnit.objects.filter(parent=nghe_an).count() == 130


@pytest.mark.django_db
def test_demo_seed_twice_creates_nothing_the_second_time() -> None:
    first = demo_seed(stdout=io.StringIO())
    assert first.created_anything
    counts = {
        model.__name__: model.objects.count()
        for model in (AdministrativeUnit, Agency, Procedure, ProcedureVersion, User, RoleAssignment, AuditEvent)
    }
    out = io.StringIO()
    second = demo_seed(stdout=out)
    assert not second.created_anything, second.created
    assert counts == {
        model.__name__: model.objects.count()
        for model in (AdministrativeUnit, Agency, Procedure, ProcedureVersion, User, RoleAssignment, AuditEvent)
    }
    lines = out.getvalue().splitlines()
    assert len(lines) == 8
    assert lines[0].startswith("[1/8] ")
    assert [a.username for a in first.accounts] == [a.username for a in second.accounts]


@pytest.mark.django_db
def test_every_role_has_a_demo_user_who_can_log_in() -> None:
    result = demo_seed(stdout=io.StringIO())
    for role in Role.values:
        holder = User.objects.filter(roles__role=role, kind=User.Kind.OFFICIAL).first()
        assert holder is not None, role
        assert Client().login(username=holder.username, password=DEMO_PASSWORD), role
    usernames = {a.username for a in result.accounts}
    assert {c.citizen_id for c in CITIZENS} | {BUSINESS["tax_code"]} <= usernames
    for username in [c.citizen_id for c in CITIZENS] + [BUSINESS["tax_code"]]:
        assert Client().login(username=username, password=DEMO_PASSWORD), username


@pytest.mark.django_db
def test_every_demo_official_has_a_confirmed_totp_device_with_the_demo_secret() -> None:
    demo_seed(stdout=io.StringIO())
    officials = list(User.objects.filter(kind=User.Kind.OFFICIAL))
    assert {spec.username for spec in OFFICIALS} <= {user.username for user in officials}
    assert len(officials) > len(OFFICIALS)  # the officials of the demo dossiers' other agencies too
    for user in officials:
        device = totp_confirmed_device(user=user)
        assert device is not None, user.username
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        assert totp_verify(user=user, token=f"{code:06d}").verdict is TotpVerdict.OK, user.username
    enabled = AuditEvent.objects.filter(action="account.totp_enrol_start")
    assert enabled.count() == len(officials)
    assert all(event.after["via"] == "activation_code" for event in enabled)


@pytest.mark.django_db
def test_demo_citizens_and_business_are_verified_at_the_counter() -> None:
    demo_seed(stdout=io.StringIO())
    for username in [c.citizen_id for c in CITIZENS] + [BUSINESS["tax_code"]]:
        user = User.objects.get(username=username)
        assert user.identity_verified and user.identity_proof == "counter", username
