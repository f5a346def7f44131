"""Every demo procedure's internal process, walked from submission to the returned result through the API.

The demo catalogue, agencies and officials are loaded as ``make demo`` loads them. For each procedure a
dossier is filed online by the demo citizen (when the procedure has an online service) and received at
the counter; then, step after step, the account that holds the current step's role at the agency holding
the dossier reads what the API offers it and takes the action that moves the dossier on: the desk accepts,
the specialist drafts and forwards, the leader approves (signing the electronic result of a full-online
procedure), the clerk registers and issues the result, the desk returns it. A dossier that no one can move
fails the test with the step it is stuck at.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone

from cqs.accounts.models import Role, RoleAssignment, User
from cqs.catalog.models import OnlineLevel, Procedure, ProcessStep
from cqs.demo.accounts import CITIZENS
from cqs.demo.certificates import demo_certificates
from cqs.demo.clock import at
from cqs.demo.dossier_people import demo_dossier_officials
from cqs.demo.people import minimal_pdf
from cqs.demo.services import demo_accounts, demo_agencies, demo_catalog, demo_units
from cqs.dossiers.models import Dossier, DossierFile, Status
from cqs.dossiers.tests.factories_api import Caller
from cqs.units.models import Agency

pytestmark = pytest.mark.django_db

SAMPLES = {
    "text": "Nguyễn Văn Bình",
    "textarea": "Theo giấy tờ kèm theo.",
    "date": "02/03/2025",
    "integer": 1,
    "email": "lan.nguyen@example.vn",
    "phone": "0912000001",
    "citizen_id": "040190012345",
    "checkbox": True,
}


@pytest.fixture(autouse=True)
def _officials_without_totp(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


@pytest.fixture
def demo() -> dict[str, Any]:
    demo_units()
    demo_agencies()
    demo_catalog()
    demo_accounts()
    demo_dossier_officials()
    with at(timezone.now() - dt.timedelta(days=400)):
        demo_certificates()
    home = User.objects.get(username="motcua").agency
    return {"home": home, "citizen": User.objects.get(username=CITIZENS[0].citizen_id), "callers": {}}


def _holder(demo: dict[str, Any], agency: Agency, role: str) -> Caller:
    """The account holding ``role`` at ``agency`` (the demo's, as a tester would log in)."""
    key = (agency.pk, role)
    if key not in demo["callers"]:
        found = (
            RoleAssignment.objects.filter(agency=agency, role=role, user__is_active=True)
            .select_related("user")
            .order_by("user__username")
            .first()
        )
        assert found is not None, f"Không có tài khoản {Role(role).label} tại {agency.name}"
        demo["callers"][key] = Caller(found.user)
    caller: Caller = demo["callers"][key]
    return caller


def _pdf(title: str) -> io.BytesIO:
    handle = io.BytesIO(minimal_pdf(title, ("Nguyen Thi Lan", "040190012345")))
    handle.name = "giay-to.pdf"
    return handle


def _filing_payload(detail: dict[str, Any], deciding: Agency, receiving: Agency, *, online: bool) -> dict[str, Any]:
    form_data = {
        item["key"]: item["choices"][0] if item["type"] == "choice" else SAMPLES[item["type"]]
        for item in detail["form_fields"]
        if item["required"]
    }
    needed = [d for d in detail["documents"] if not d["optional"] and not d["replaceable_by"]]
    if online:  # the declaration is made from the e-form at submission, not sent as a file
        needed = [d for d in needed if not d["declaration"]]
    payload: dict[str, Any] = {
        "procedure": detail["code"],
        "deciding_agency": deciding.electronic_code,
        "receiving_agency": receiving.electronic_code,
        "form_data": form_data,
        "filing_mode": "self",
        "delivery": "online" if online else "desk",
        "attachments": [{"required_document_id": d["id"]} for d in needed],
    }
    if not online:
        payload.update(
            applicant_name="Nguyễn Thị Lan",
            applicant_id_number="040190012345",
            applicant_address="Khối 5, phường Trường Vinh, tỉnh Nghệ An",
            applicant_phone="0912000001",
            channel=1,
        )
    return payload


def _places(demo: dict[str, Any], procedure: Procedure) -> tuple[Agency, Agency]:
    """(deciding, receiving): the home commune for commune procedures; else the named agency, at the centre."""
    version = procedure.current_version
    assert version is not None
    if Agency.Kind.COMMUNE_COMMITTEE in (version.agency_kinds or []):
        return demo["home"], demo["home"]
    deciding = version.agencies.filter(is_active=True).order_by("pk").first()
    assert deciding is not None, procedure.code
    return deciding, Agency.objects.get(kind=Agency.Kind.PROVINCIAL_SERVICE_CENTRE, electronic_code="000.00.01.H40")


def _walk(demo: dict[str, Any], code: str, *, online: bool) -> list[str]:
    """File one dossier of procedure ``code`` and take it to the returned result; the roles that acted, in order."""
    citizen = Caller(demo["citizen"])
    procedure = Procedure.objects.select_related("current_version").get(code=code)
    detail = citizen.get(f"/procedures/{code}").json()
    full_online = detail["online_level"] == OnlineLevel.FULL
    deciding, receiving = _places(demo, procedure)
    desk = _holder(demo, receiving, Role.ONE_STOP_OFFICER)
    payload = _filing_payload(detail, deciding, receiving, online=online)
    files = [_pdf(f"Giay to {n}") for n in range(len(payload["attachments"]))]
    if online:
        filed = citizen.multipart("/dossiers", payload, files)
    else:
        filed = desk.multipart("/counter/dossiers", payload, files)
    assert filed.status_code == 201, (code, filed.content.decode())
    dossier_code = filed.json()["code"]
    acted: list[str] = []
    for _turn in range(20):
        dossier = Dossier.objects.select_related("current_agency").get(code=dossier_code)
        if dossier.status == Status.RETURNED:
            return acted
        if dossier.status in (Status.SUBMITTED, Status.FINISHED):
            caller, role = desk, Role.ONE_STOP_OFFICER
        else:
            role = dossier.current_role
            caller = _holder(demo, dossier.current_agency, role)
        offered = caller.get(f"/dossiers/{dossier_code}").json()["actions"]
        path = f"/dossiers/{dossier_code}/"
        if "accept" in offered:
            response = caller.post(path + "accept")
        elif "return" in offered:
            response = caller.post(path + "return", {"delivery": "online" if online else "desk"})
        elif "approve" in offered:
            response = caller.post(path + "approve", {"note": "Đồng ý.", "electronic_result": full_online})
        elif "forward" in offered or "finish" in offered:
            if full_online and "draft-result" in offered and not dossier.result_draft:
                draft = {"content": f"Giải quyết hồ sơ {dossier_code} theo đề nghị của ông/bà Nguyễn Thị Lan."}
                assert caller.post(path + "draft-result", draft).status_code == 200
            if "forward" in offered:
                response = caller.post(path + "forward", {"note": "Đủ điều kiện."})
            else:
                signed = DossierFile.objects.filter(dossier=dossier, source=DossierFile.Source.RESULT).exists()
                result = [] if signed else [_pdf("Ket qua giai quyet")]
                response = caller.multipart(path + "finish", {"summary": "Đã vào sổ, phát hành."}, result, "result")
        else:
            step = f"{dossier.get_status_display()} — {Role(role).label} tại {dossier.current_agency.name}"
            raise AssertionError(f"{code}: không ai chuyển được hồ sơ ({step}); được làm: {offered}")
        assert response.status_code == 200, (code, role, response.content.decode())
        acted.append(role)
    raise AssertionError(f"{code}: hồ sơ không kết thúc sau 20 lượt")


def _expected_roles(procedure: Procedure, *, online: bool) -> list[str]:
    """Who acts, in order: reception (online only: counter dossiers are received as they are filed), each
    handling step's role, the return at the desk."""
    version = procedure.current_version
    assert version is not None
    steps = sorted(version.process_steps.all(), key=lambda s: s.position)
    handling = [s.role for s in steps if s.unit_kind != ProcessStep.UnitKind.ONE_STOP]
    return [*([Role.ONE_STOP_OFFICER] if online else []), *handling, Role.ONE_STOP_OFFICER]


@pytest.mark.parametrize("channel", ["online", "counter"])
def test_every_demo_procedure_goes_from_filing_to_the_returned_result(demo: dict[str, Any], channel: str) -> None:
    online = channel == "online"
    procedures = Procedure.objects.filter(is_published=True).select_related("current_version").order_by("code")
    walked = 0
    for procedure in procedures:
        version = procedure.current_version
        assert version is not None
        if online and version.online_level == OnlineLevel.NONE:
            continue
        acted = _walk(demo, procedure.code, online=online)
        assert acted == _expected_roles(procedure, online=online), procedure.code
        walked += 1
    assert walked == (47 if online else 54)
    returned = Dossier.objects.filter(status=Status.RETURNED)
    assert returned.count() == walked
    for dossier in returned.prefetch_related("steps"):
        # Every step was handled by an account holding the step's role at the step's agency.
        for step in dossier.steps.all():
            assert step.handled_by is not None, (dossier.code, step.position)
            assert RoleAssignment.objects.filter(user=step.handled_by, role=step.role, agency=step.agency).exists()
        if dossier.version.online_level == OnlineLevel.FULL:
            assert dossier.files.filter(source=DossierFile.Source.RESULT).exclude(verification_code="").exists()
