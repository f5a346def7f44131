"""``Idempotency-Key`` on the dossier API's writes (cqs.core.idempotency): a retry gets the first answer only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from cqs.core.models import IdempotentRequest
from cqs.dossiers.models import Dossier, DossierEvent
from cqs.dossiers.tests.factories import World, pdf
from cqs.dossiers.tests.factories_api import Caller, at_state, filing_payload, png
from cqs.dossiers.tests.factories_filing import at_once

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("officials_without_totp")]

REUSED = (
    "Khoá Idempotency-Key này đã dùng cho một yêu cầu khác (khác đường dẫn hoặc nội dung); "
    "mỗi thao tác cần một khoá mới."
)


def keyed(caller: Caller, key: str) -> Caller:
    caller.headers = {**caller.headers, "HTTP_IDEMPOTENCY_KEY": key}
    return caller


def accepts(dossier: Dossier) -> int:
    return DossierEvent.objects.filter(dossier=dossier, action="accept").count()


def test_a_retried_accept_returns_the_first_answer_and_accepts_once(w: World, people: dict[str, Caller]) -> None:
    dossier = at_state(w, "submitted")
    officer = keyed(people["officer"], "tiep-nhan-1")
    first = officer.post(f"/dossiers/{dossier.code}/accept")
    assert first.status_code == 200, first.content
    assert "Idempotent-Replayed" not in first
    again = officer.post(f"/dossiers/{dossier.code}/accept")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and again["Content-Type"] == first["Content-Type"]
    assert accepts(dossier) == 1
    # Without the key the same retry is refused by the state machine: the key is what made it safe.
    assert keyed(people["officer"], "").post(f"/dossiers/{dossier.code}/accept").status_code == 409


def test_the_same_key_on_another_path_or_body_is_422_and_changes_nothing(w: World, people: dict[str, Caller]) -> None:
    one, two = at_state(w, "submitted"), at_state(w, "submitted")
    officer = keyed(people["officer"], "mot-khoa")
    assert officer.post(f"/dossiers/{one.code}/accept").status_code == 200
    response = officer.post(f"/dossiers/{two.code}/accept")
    assert response.status_code == 422
    assert response.json() == {"code": "idempotency_key_reused", "message": REUSED}
    assert accepts(two) == 0
    citizen = keyed(people["citizen"], "nop-1")
    assert citizen.multipart("/dossiers", filing_payload(w), [pdf(), png()]).status_code == 201
    changed = citizen.multipart("/dossiers", filing_payload(w, delivery="post"), [pdf(), png()])
    assert changed.status_code == 422 and changed.json()["message"] == REUSED


@pytest.mark.django_db(transaction=True)
def test_two_identical_accepts_at_the_same_moment_accept_once(w: World) -> None:
    dossier = at_state(w, "submitted")
    officer = keyed(Caller(w.officer), "cung-luc")
    outcomes = at_once(*(lambda: officer.post(f"/dossiers/{dossier.code}/accept") for _ in range(2)))
    assert [o.status_code for o in outcomes] == [200, 200], outcomes
    assert outcomes[0].json() == outcomes[1].json()
    assert sorted(o.get("Idempotent-Replayed", "") for o in outcomes) == ["", "true"]
    assert accepts(dossier) == 1


def test_a_retried_submission_files_one_dossier_whatever_the_multipart_boundary(w: World) -> None:
    citizen = keyed(Caller(w.citizen), "nop-lai")
    first = citizen.multipart("/dossiers", filing_payload(w), [pdf(), png()])
    citizen.client = Client()  # another connection, another boundary
    again = citizen.multipart("/dossiers", filing_payload(w), [pdf(), png()])
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Dossier.objects.count() == 1


def test_keys_belong_to_their_caller(w: World, people: dict[str, Caller]) -> None:
    key = "khoa-chung"
    filed = keyed(people["citizen"], key).multipart("/dossiers", filing_payload(w), [pdf(), png()])
    assert filed.status_code == 201
    accepted = keyed(people["officer"], key).post(f"/dossiers/{filed.json()['code']}/accept")
    assert accepted.status_code == 200 and "Idempotent-Replayed" not in accepted
    assert accepted.json()["status"] == "processing"
    assert IdempotentRequest.objects.filter(key=key).count() == 2


def test_a_refused_request_is_not_remembered(w: World, people: dict[str, Caller]) -> None:
    dossier = at_state(w, "submitted")
    officer = keyed(people["officer"], "thu-lai")
    assert officer.post(f"/dossiers/{dossier.code}/accept", {"note": "x"}).status_code == 422
    assert not IdempotentRequest.objects.exists()
    assert officer.post(f"/dossiers/{dossier.code}/accept").status_code == 200
    assert accepts(dossier) == 1


def test_a_malformed_key_is_422_before_anything_runs(w: World, people: dict[str, Caller]) -> None:
    dossier = at_state(w, "submitted")
    response = keyed(people["officer"], "có dấu cách").post(f"/dossiers/{dossier.code}/accept")
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_invalid"
    assert accepts(dossier) == 0


def test_keys_expire(w: World, people: dict[str, Caller], settings: Any) -> None:
    settings.CQS_IDEMPOTENCY_HOURS = 24
    one, two = at_state(w, "submitted"), at_state(w, "submitted")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert keyed(people["officer"], "cu").post(f"/dossiers/{one.code}/accept").status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=23), tick=False):
        assert people["officer"].post(f"/dossiers/{two.code}/accept").status_code == 422
    with time_machine.travel(start + dt.timedelta(hours=25), tick=False):
        assert people["officer"].post(f"/dossiers/{two.code}/accept").status_code == 200
    assert accepts(two) == 1
    assert IdempotentRequest.objects.count() == 1  # the expired row made way for the new one


def test_expired_keys_are_forgotten_by_the_hourly_job_not_by_requests(w: World, people: dict[str, Caller]) -> None:
    from procrastinate.contrib.django import app

    dossier = at_state(w, "submitted")
    now = timezone.now()
    IdempotentRequest.objects.bulk_create(
        IdempotentRequest(user=w.officer, key=f"cu-{n}", fingerprint="x", expires_at=now - dt.timedelta(seconds=1))
        for n in range(1005)  # more than one batch
    )
    assert keyed(people["officer"], "moi").post(f"/dossiers/{dossier.code}/accept").status_code == 200
    assert IdempotentRequest.objects.count() == 1006  # a request does not clean up after others
    periodic = app.periodic_registry.periodic_tasks[("core.idempotency_purge", "hourly")]
    assert periodic.cron == "17 * * * *"
    assert app.tasks["core.idempotency_purge"](timestamp=0) == 1005
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["moi"]


def test_the_schema_describes_the_header_once_and_names_it_on_every_write(client: Any) -> None:
    schema = client.get("/api/schema/").json()
    header = schema["components"]["parameters"]["IdempotencyKey"]
    assert header["name"] == "Idempotency-Key" and header["in"] == "header" and not header["required"]
    reference = {"$ref": "#/components/parameters/IdempotencyKey"}
    operations = [(method, operation) for methods in schema["paths"].values() for method, operation in methods.items()]
    assert sum(method in {"post", "put", "patch", "delete"} for method, _operation in operations) >= 10
    for method, operation in operations:
        assert (reference in operation.get("parameters", [])) == (method in {"post", "put", "patch", "delete"})
