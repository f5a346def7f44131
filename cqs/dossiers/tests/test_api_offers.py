"""What the API offers follows the one rule book, and the clerk can finish the step the process gives them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from cqs.accounts.models import Role
from cqs.dossiers import services
from cqs.dossiers.models import Dossier, DossierFile
from cqs.dossiers.services import Attachment
from cqs.dossiers.tests.factories import ISSUING, World, filing, official, pdf, steps_before_the_return
from cqs.dossiers.tests.factories_api import Caller
from cqs.dossiers.tests.factories_dsvc import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("officials_without_totp")]


def _accepted(w: World) -> Dossier:
    dossier = services.dossier_submit_online(applicant=w.citizen, filing=filing(w))
    return services.dossier_accept(dossier=dossier, actor=w.officer)


def _actions(user: Any, dossier: Dossier) -> list[str]:
    response = Caller(user).get(f"/dossiers/{dossier.code}")
    assert response.status_code == 200
    return list(response.json()["actions"])


def test_no_second_supplement_request_is_offered(w: World) -> None:
    dossier = services.dossier_request_supplement(
        dossier=_accepted(w), actor=w.specialist, items=["Giấy chứng sinh"], reason="Mờ", contact="0238"
    )
    dossier = services.dossier_answer_supplement(
        dossier=dossier, actor=w.citizen, attachments=[Attachment(required_document_id=None, upload=pdf())]
    )
    assert "request-supplement" not in _actions(w.specialist, dossier)
    refused = Caller(w.specialist).post(
        f"/dossiers/{dossier.code}/request-supplement", {"items": ["Tờ khai"], "reason": "Thiếu", "contact": "0238"}
    )
    assert refused.status_code == 409


def test_no_second_apology_is_offered_nor_one_too_late(w: World) -> None:
    with time_machine.travel(at(2027, 3, 1, 9, 0), tick=False):
        extended, late = _accepted(w), _accepted(w)  # both due Thursday 04/03/2027 09:00
    with time_machine.travel(at(2027, 3, 2, 10, 0), tick=False):
        assert "apologise" in _actions(w.leader, extended)
        services.dossier_apologise(
            dossier=extended, actor=w.leader, reason="Cần xác minh", new_due_date=dt.date(2027, 3, 9)
        )
        assert "apologise" not in _actions(w.leader, extended)
    with time_machine.travel(at(2027, 3, 3, 10, 0), tick=False):  # 7 working hours before the deadline
        assert "apologise" not in _actions(w.leader, late)
        body = {"reason": "Chậm", "new_due_date": "09/03/2027"}
        assert Caller(w.leader).post(f"/dossiers/{late.code}/apologise", body).status_code == 409


def test_no_forward_is_offered_while_the_dossier_is_with_the_coordinating_agency(w: World) -> None:
    partner = official("phoihop", w.other_agency, Role.SPECIALIST)
    dossier = services.dossier_transfer(dossier=_accepted(w), actor=w.specialist, to_agency=w.other_agency, note="X")
    offered = _actions(partner, dossier)
    assert "forward" not in offered and "transfer-return" in offered
    assert Caller(partner).post(f"/dossiers/{dossier.code}/forward", {}).status_code == 409


def test_the_clerk_sees_the_dossier_at_their_step_only_the_result_and_finishes_it(w: World) -> None:
    steps_before_the_return(w.version, ISSUING)
    clerk = Caller(official("vanthu", w.agency, Role.CLERK))
    dossier = services.dossier_forward(dossier=_accepted(w), actor=w.specialist, note="Đủ điều kiện")
    assert clerk.get(f"/dossiers/{dossier.code}").status_code == 404  # not at their step yet
    dossier = services.dossier_approve(dossier=dossier, actor=w.leader, note="Đồng ý")
    assert (dossier.status, dossier.current_role) == ("processing", "clerk")

    listed = clerk.get("/dossiers", box="to_process").json()
    assert [row["code"] for row in listed["results"]] == [dossier.code]
    assert listed["results"][0]["applicant_name"] is None
    detail = clerk.get(f"/dossiers/{dossier.code}").json()
    assert detail["actions"] == ["finish"]
    assert detail["applicant"] is None and detail["form_data"] is None
    assert detail["files"] == []  # the papers handed in are not the clerk's business
    assert {event["note"] for event in detail["events"]} == {""}  # notes quote the applicant and the result
    paper = dossier.files.get()
    assert clerk.get(f"/dossiers/{dossier.code}/files/{paper.pk}").status_code == 404

    # The clerk registers and issues the (paper) result, scanned; the desk then returns it.
    response = clerk.multipart(
        f"/dossiers/{dossier.code}/finish", {"summary": "Đã vào sổ số 12, phát hành"}, [pdf("ket-qua.pdf")], "result"
    )
    assert response.status_code == 200 and response.json()["status"] == "finished"
    assert clerk.get(f"/dossiers/{dossier.code}").status_code == 404  # done with it
    officer = Caller(w.officer)
    assert "return" in _actions(w.officer, dossier)
    assert officer.post(f"/dossiers/{dossier.code}/return", {"delivery": "desk"}).json()["status"] == "returned"
    result = Dossier.objects.get(pk=dossier.pk).files.get(source=DossierFile.Source.RESULT)
    assert result.uploaded_by.username == "vanthu"


def test_the_clerk_of_another_agency_or_another_step_sees_nothing(w: World) -> None:
    steps_before_the_return(w.version, ISSUING)
    other_clerk = Caller(official("vanthu2", w.other_agency, Role.CLERK))
    dossier = services.dossier_forward(dossier=_accepted(w), actor=w.specialist, note="Đủ điều kiện")
    dossier = services.dossier_approve(dossier=dossier, actor=w.leader, note="Đồng ý")
    assert other_clerk.get(f"/dossiers/{dossier.code}").status_code == 404
    assert other_clerk.get("/dossiers").json()["count"] == 0
