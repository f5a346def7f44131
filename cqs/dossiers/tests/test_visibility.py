"""Every print, export and register follows the dossier pages' one visibility policy, role by role.

Forms 01–06 of a dossier, the dossier register (form 07) of its agency, its papers and result (desk,
portal and API downloads), the draft result's preview and the API's list are tried by the
one-stop officer, the specialist, the leader, the clerk, the catalog manager and the administrator
of the agency, another agency's officials, the applicant, another citizen and an anonymous
visitor. Personal data leaves only for the applicant and the officials handling the dossier; the
clerk, at their step, gets the result they issue and nothing else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from cqs.accounts.models import Role
from cqs.catalog.tests import factories as catalog_factories
from cqs.dossiers import services
from cqs.dossiers.models import Dossier, DossierFile
from cqs.dossiers.services import Attachment
from cqs.dossiers.tests.factories import ISSUING, World, filing, official, pdf, steps_before_the_return
from cqs.dossiers.tests.factories_api import Caller
from cqs.dossiers.tests.factories_dsvc import at
from cqs.signing import services as signing
from cqs.signing.models import Certificate

pytestmark = pytest.mark.django_db

HANDLERS = ("one-stop officer", "specialist", "leader")
ROLES = (
    *HANDLERS,
    "clerk",
    "catalog manager",
    "administrator",
    "another agency's officer",
    "applicant",
    "another citizen",
    "anonymous",
)


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


@pytest.fixture
def people(w: World) -> dict[str, Any]:
    outsider = catalog_factories.agency(name="UBND xã Khác")
    return {
        "one-stop officer": w.officer,
        "specialist": w.specialist,
        "leader": w.leader,
        "clerk": official("vanthu", w.agency, Role.CLERK),
        "catalog manager": official("kstthc", w.agency, Role.CATALOG_MANAGER),
        "administrator": official("quantri", w.agency, Role.ADMINISTRATOR),
        "another agency's officer": official("xakhac", outsider, Role.ONE_STOP_OFFICER, Role.LEADER),
        "applicant": w.citizen,
        "another citizen": w.stranger,
        "anonymous": AnonymousUser(),
    }


def _client(user: Any) -> Client:
    client = Client()
    if getattr(user, "is_authenticated", False):
        client.force_login(user)
    return client


def _with_every_form(w: World) -> tuple[Dossier, Dossier]:
    """A dossier with forms 01, 02, 04, 05, 06 (supplemented, apologised for, stopped) and a refused one (03)."""
    with time_machine.travel(at(2027, 3, 1, 9, 0), tick=False):
        dossier = services.dossier_submit_online(applicant=w.citizen, filing=filing(w))
        dossier = services.dossier_accept(dossier=dossier, actor=w.officer)
        dossier = services.dossier_request_supplement(
            dossier=dossier, actor=w.specialist, items=["Giấy chứng sinh"], reason="Mờ", contact="0238"
        )
        dossier = services.dossier_answer_supplement(
            dossier=dossier, actor=w.citizen, attachments=[Attachment(required_document_id=None, upload=pdf())]
        )
        refused = services.dossier_submit_online(applicant=w.citizen, filing=filing(w))
        refused = services.dossier_refuse(dossier=refused, actor=w.officer, reason="Sai thủ tục")
    with time_machine.travel(at(2027, 3, 2, 10, 0), tick=False):
        dossier = services.dossier_apologise(
            dossier=dossier, actor=w.leader, reason="Cần xác minh", new_due_date=dt.date(2027, 3, 9)
        )
        dossier = services.dossier_stop(dossier=dossier, actor=w.leader, reason="Tranh chấp")
    return dossier, refused


def _status(client: Client, url: str) -> int:
    response = client.get(url)
    if response.status_code == 302:
        assert "/dang-nhap" in response["Location"], url
        return 302
    return int(response.status_code)


def test_every_print_and_register_follows_the_dossier_pages(w: World, people: dict[str, Any]) -> None:
    dossier, refused = _with_every_form(w)
    paper = dossier.files.order_by("id").first()
    assert paper is not None
    prints = {f"/ho-so/{dossier.code}/mau/{form}.pdf": form for form in ("01", "02", "04", "05", "06")}
    prints[f"/ho-so/{refused.code}/mau/03.pdf"] = "03"
    register = f"/so-theo-doi/{w.agency.electronic_code}.pdf?tu=01/03/2027&den=31/03/2027"
    checked = 0
    for who in ROLES:
        user = people[who]
        client = _client(user)
        anonymous = who == "anonymous"
        for url, form in prints.items():
            allowed = who in HANDLERS or (who == "applicant" and form != "06")
            expected = 200 if allowed else 302 if anonymous else 404
            assert _status(client, url) == expected, (who, url)
            checked += 1
        assert _status(client, register) == (200 if who in HANDLERS else 302 if anonymous else 404), who
        desk_file = f"/mot-cua/ho-so/{dossier.code}/giay-to/{paper.pk}/"
        official_handler = 200 if who in HANDLERS else 302 if anonymous else 404
        assert _status(client, desk_file) == official_handler, who
        assert _status(client, f"/mot-cua/ho-so/{dossier.code}/") == official_handler, who
        portal_file = f"/ho-so-cua-toi/{dossier.code}/tep/{paper.pk}/"
        assert _status(client, portal_file) == (200 if who == "applicant" else 302 if anonymous else 404), who
        api = Caller(None if anonymous else user)
        api_status = api.get(f"/dossiers/{dossier.code}/files/{paper.pk}").status_code
        assert api_status == (200 if who in (*HANDLERS, "applicant") else 401 if anonymous else 404), who
        checked += 4
    assert checked == len(ROLES) * (len(prints) + 4)


def test_the_register_no_longer_leaks_to_the_clerk_and_the_administrator(w: World, people: dict[str, Any]) -> None:
    _with_every_form(w)
    register = f"/so-theo-doi/{w.agency.electronic_code}.pdf?tu=01/03/2027&den=31/03/2027"
    for who in ("clerk", "administrator", "catalog manager"):
        response = _client(people[who]).get(register)
        assert response.status_code == 404, who
        assert b"%PDF" not in response.content


def test_at_their_step_the_clerk_gets_the_result_and_no_personal_data(
    w: World, people: dict[str, Any], demo_ca: Any, personal_cert: Any
) -> None:
    steps_before_the_return(w.version, ISSUING)
    personal_cert(w.leader)
    signing.certificate_issue(
        issuer=demo_ca[1], common_name=w.agency.name, kind=Certificate.Kind.ORGANISATION, agency=w.agency, actor=None
    )
    dossier = services.dossier_submit_online(applicant=w.citizen, filing=filing(w))
    dossier = services.dossier_accept(dossier=dossier, actor=w.officer)
    dossier = services.dossier_result_draft(dossier=dossier, actor=w.specialist, content="Cấp giấy khai sinh.")
    dossier = services.dossier_forward(dossier=dossier, actor=w.specialist, note="Đủ điều kiện")
    dossier = services.dossier_approve(dossier=dossier, actor=w.leader, note="Đồng ý", electronic_result=True)
    assert dossier.current_role == "clerk"
    client = _client(people["clerk"])
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    for personal in ("040190012345", "0912345678", "lan@example.vn", "Nguyễn Văn Bình", "Cấp giấy khai sinh."):
        assert personal not in html, personal
    assert "Vào sổ, phát hành kết quả" in html
    assert "/mau/01.pdf" not in html  # no prints: each carries the applicant's personal data
    paper = dossier.files.exclude(source=DossierFile.Source.RESULT).get()
    result = dossier.files.get(source=DossierFile.Source.RESULT)
    assert _status(client, f"/mot-cua/ho-so/{dossier.code}/giay-to/{paper.pk}/") == 404
    assert _status(client, f"/mot-cua/ho-so/{dossier.code}/giay-to/{result.pk}/") == 200
    for form in ("01", "06"):
        assert _status(client, f"/ho-so/{dossier.code}/mau/{form}.pdf") == 404
    listing = client.get("/mot-cua/?hop=to_process").content.decode()
    assert dossier.code in listing and "Nguyễn Thị Lan" not in listing
    # The applicant gets the result once it is issued, on the portal as through the API: not yet.
    applicant = Caller(w.citizen)
    assert [f["source"] for f in applicant.get(f"/dossiers/{dossier.code}").json()["files"]] == ["upload"]
    assert applicant.get(f"/dossiers/{dossier.code}/files/{result.pk}").status_code == 404
    assert _status(_client(w.citizen), f"/ho-so-cua-toi/{dossier.code}/tep/{result.pk}/") == 404
    # The clerk registers and issues the signed result; then the dossier is the desk's, no longer theirs.
    client.post(f"/mot-cua/ho-so/{dossier.code}/xu-ly/finish/", {"finish-summary": "Đã vào sổ số 12, phát hành"})
    dossier.refresh_from_db()
    assert (dossier.status, dossier.current_role) == ("finished", "one_stop_officer")
    assert _status(client, f"/mot-cua/ho-so/{dossier.code}/giay-to/{result.pk}/") == 404
    assert _status(client, f"/mot-cua/ho-so/{dossier.code}/") == 404
    assert applicant.get(f"/dossiers/{dossier.code}/files/{result.pk}").status_code == 200


def test_the_api_list_names_the_applicant_only_to_those_who_see_personal_data(w: World, people: dict[str, Any]) -> None:
    dossier = services.dossier_submit_online(applicant=w.citizen, filing=filing(w))
    for who in ROLES:
        if who == "anonymous":
            assert Caller(None).get("/dossiers").status_code == 401
            continue
        rows = Caller(people[who]).get("/dossiers").json()["results"]
        names = {row["code"]: row["applicant_name"] for row in rows}
        if who in (*HANDLERS, "applicant"):
            assert names == {dossier.code: "Nguyễn Thị Lan"}, who
        else:
            assert names == {}, who


def test_the_dashboard_links_the_register_only_for_those_who_may_print_it(w: World, people: dict[str, Any]) -> None:
    for who in ("one-stop officer", "leader", "clerk", "administrator"):
        page = _client(people[who]).get("/mot-cua/bao-cao/").content.decode()
        assert ("/so-theo-doi/" in page) == (who in HANDLERS), who
