"""One rule book: what the desk, the portal and the API offer is exactly what the services accept.

Every state of the dossier (and the flags that change what it allows: a supplement already asked
for, the new date already given, too late for an apology, a handling step left or not, with a
coordinating agency, at the clerk's step, already rated) × every person (each role of the
deciding agency, the coordinating agency's specialist, another agency's officials, the applicant,
another citizen, anonymous) × every action: the pages and the API are read, then each action is
tried on the service, with valid input, in a savepoint that is rolled back. An action is offered
if and only if the service takes it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client

from cqs.accounts.models import Role, User
from cqs.catalog.tests import factories as catalog_factories
from cqs.core.calendar import WorkingCalendar
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden
from cqs.dossiers import services
from cqs.dossiers.models import Dossier
from cqs.dossiers.services import Attachment
from cqs.dossiers.tests.factories import (
    ISSUING,
    STEPS,
    World,
    filing,
    official,
    pdf,
    published,
    steps_before_the_return,
)
from cqs.dossiers.tests.factories_api import Caller
from cqs.dossiers.tests.factories_dsvc import at
from cqs.dossiers.transitions import Action
from cqs.units.models import Agency

pytestmark = pytest.mark.django_db

A = Action
FILED = at(2027, 3, 1, 9, 0)  # Monday: 3 working days, due Thursday 04/03/2027 09:00
EARLIER = at(2027, 2, 25, 14, 0)  # Thursday: due Tuesday 02/03/2027 14:00
NOW = at(2027, 3, 2, 10, 0)  # Tuesday 10:00, when the pages are read and the actions tried
DESK_PAGE = re.compile(r"/mot-cua/ho-so/[^/]+/xu-ly/([a-z_]+)/")
PORTAL_ACTIONS = {
    "bo-sung": A.ANSWER_SUPPLEMENT,
    "rut": A.WITHDRAW,
    "nhan-ket-qua": A.CHOOSE_DELIVERY,
    "danh-gia": A.RATE,
}
PORTAL_PAGE = re.compile(r"/ho-so-cua-toi/[^/]+/(bo-sung|rut|nhan-ket-qua|danh-gia)/")
API_PATHS = {
    "accept": A.ACCEPT,
    "refuse": A.REFUSE,
    "request-supplement": A.REQUEST_SUPPLEMENT,
    "supplement": A.ANSWER_SUPPLEMENT,
    "forward": A.FORWARD,
    "approve": A.APPROVE,
    "send-back": A.SEND_BACK,
    "transfer": A.TRANSFER,
    "transfer-return": A.TRANSFER_RETURN,
    "request-payment": A.REQUEST_PAYMENT,
    "record-payment": A.RECORD_PAYMENT,
    "apologise": A.APOLOGISE,
    "stop": A.STOP,
    "withdraw": A.WITHDRAW,
    "confirm-withdrawal": A.CONFIRM_WITHDRAWAL,
    "finish": A.FINISH,
    "return": A.RETURN_RESULT,
    "delivery": A.CHOOSE_DELIVERY,
    "rate": A.RATE,
    "draft-result": A.DRAFT_RESULT,
}
ACTIONS = [action for action in Action if action not in (A.SUBMIT, A.RECEIVE)]
DESK_ACTIONS = set(ACTIONS) - {A.ANSWER_SUPPLEMENT, A.WITHDRAW, A.CHOOSE_DELIVERY, A.RATE}


class _Undo(Exception):
    """Raised to roll back the savepoint of one tried action."""


@dataclass
class Cast:
    """The process (reception, examination, approval, the clerk's issuing, the return) and its people."""

    w: World
    clerk: User
    partner: User
    outsider: Agency
    people: dict[str, Any]
    short_version: Any  # reception, examination by the specialist, the return: nothing after the specialist


@pytest.fixture
def cast(w: World) -> Cast:
    steps_before_the_return(w.version, ISSUING)
    outsider = catalog_factories.agency(name="UBND xã Khác")
    clerk = official("vanthu", w.agency, Role.CLERK)
    partner = official("phoihop", w.other_agency, Role.SPECIALIST)
    short = [STEPS[0], STEPS[1], STEPS[3]]
    _procedure, short_version = published(w.agency, catalog_factories.official(), steps=short, name="Chứng thực")
    people = {
        "one-stop officer": w.officer,
        "specialist": w.specialist,
        "leader": w.leader,
        "clerk": clerk,
        "coordinating specialist": partner,
        "catalog manager": official("kstthc", w.agency, Role.CATALOG_MANAGER),
        "administrator": official("quantri", w.agency, Role.ADMINISTRATOR),
        "another agency's officials": official(
            "xakhac", outsider, Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK
        ),
        "applicant": w.citizen,
        "another citizen": w.stranger,
        "anonymous": AnonymousUser(),
    }
    return Cast(w, clerk, partner, outsider, people, short_version)


# ---------------------------------------------------------------- the dossiers, one per state and flag


def _submitted(c: Cast, **overrides: Any) -> Dossier:
    return services.dossier_submit_online(applicant=c.w.citizen, filing=filing(c.w, **overrides))


def _accepted(c: Cast, **overrides: Any) -> Dossier:
    return services.dossier_accept(dossier=_submitted(c, **overrides), actor=c.w.officer)


def _supplement(c: Cast, dossier: Dossier, actor: User) -> Dossier:
    return services.dossier_request_supplement(
        dossier=dossier, actor=actor, items=["Bản sao giấy chứng sinh"], reason="Mờ", contact="Chị Hằng, 0238"
    )


def _answer(c: Cast, dossier: Dossier) -> Dossier:
    return services.dossier_answer_supplement(
        dossier=dossier, actor=c.w.citizen, attachments=[Attachment(required_document_id=None, upload=pdf())]
    )


def _awaiting(c: Cast) -> Dossier:
    return services.dossier_forward(dossier=_accepted(c), actor=c.w.specialist, note="Đủ điều kiện")


def _at_clerk(c: Cast) -> Dossier:
    return services.dossier_approve(dossier=_awaiting(c), actor=c.w.leader, note="Đồng ý")


def _finished(c: Cast) -> Dossier:
    return services.dossier_finish(
        dossier=_at_clerk(c), actor=c.clerk, summary="Đã vào sổ, phát hành số 12", result=pdf("ket-qua.pdf")
    )


def _returned(c: Cast) -> Dossier:
    return services.dossier_return_result(dossier=_finished(c), actor=c.w.officer, delivery="desk")


def _due_soon(c: Cast) -> Dossier:
    with time_machine.travel(EARLIER, tick=False):
        return _accepted(c)


def _extended(c: Cast) -> Dossier:
    return services.dossier_apologise(
        dossier=_accepted(c), actor=c.w.leader, reason="Cần xác minh", new_due_date=dt.date(2027, 3, 8)
    )


SCENARIOS: dict[str, Callable[[Cast], Dossier]] = {
    "submitted": _submitted,
    "submitted, supplement asked before acceptance": lambda c: _supplement(c, _submitted(c), c.w.officer),
    "submitted, supplement already given": lambda c: _answer(c, _supplement(c, _submitted(c), c.w.officer)),
    "processing, a handling step left": _accepted,
    "processing, supplement already given": lambda c: _answer(c, _supplement(c, _accepted(c), c.w.specialist)),
    "processing, new date already given": _extended,
    "processing, less than a working day left": _due_soon,
    "processing, the last handling step": lambda c: _accepted(
        c,
        version=c.short_version,
        attachments=[Attachment(required_document_id=c.short_version.documents.first().pk, upload=pdf())],
    ),
    "transferred": lambda c: services.dossier_transfer(
        dossier=_accepted(c), actor=c.w.specialist, to_agency=c.w.other_agency, note="Xác minh"
    ),
    "awaiting approval": _awaiting,
    "at the clerk's step": _at_clerk,
    "supplement requested": lambda c: _supplement(c, _accepted(c), c.w.specialist),
    "payment requested": lambda c: services.dossier_request_payment(
        dossier=_accepted(c), actor=c.w.specialist, amount=8000
    ),
    "withdrawal requested": lambda c: services.dossier_withdraw(dossier=_accepted(c), actor=c.w.citizen, reason="Thôi"),
    "refused": lambda c: services.dossier_refuse(dossier=_submitted(c), actor=c.w.officer, reason="Sai thủ tục"),
    "stopped": lambda c: services.dossier_stop(dossier=_accepted(c), actor=c.w.leader, reason="Tranh chấp"),
    "withdrawn": lambda c: services.dossier_withdraw(dossier=_submitted(c), actor=c.w.citizen, reason="Nộp nhầm"),
    "finished": _finished,
    "returned": _returned,
    "returned and rated": lambda c: services.dossier_rate(dossier=_returned(c), actor=c.w.citizen, rating=5),
}


# ---------------------------------------------------------------- each action, with valid input


def _next_working_day_after_due(dossier: Dossier) -> dt.date:
    if dossier.due_at is None:  # not accepted yet: any date (the service refuses the apology first)
        return dt.date(2027, 3, 5)
    calendar, day = WorkingCalendar(), dossier.due_at.date() + dt.timedelta(days=1)
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def _call(c: Cast, action: Action, dossier: Dossier, actor: Any) -> Dossier:
    d, s = dossier, services
    to = c.outsider if dossier.current_agency_id == c.w.other_agency.pk else c.w.other_agency
    calls: dict[Action, Callable[[], Dossier]] = {
        A.ACCEPT: lambda: s.dossier_accept(dossier=d, actor=actor),
        A.REFUSE: lambda: s.dossier_refuse(dossier=d, actor=actor, reason="Sai thủ tục"),
        A.REQUEST_SUPPLEMENT: lambda: s.dossier_request_supplement(
            dossier=d, actor=actor, items=["Tờ khai"], reason="Thiếu", contact="0238"
        ),
        A.ANSWER_SUPPLEMENT: lambda: s.dossier_answer_supplement(
            dossier=d, actor=actor, attachments=[Attachment(required_document_id=None, upload=pdf())]
        ),
        A.FORWARD: lambda: s.dossier_forward(dossier=d, actor=actor, note="Đủ"),
        A.TRANSFER: lambda: s.dossier_transfer(dossier=d, actor=actor, to_agency=to, note="Xác minh"),
        A.TRANSFER_RETURN: lambda: s.dossier_transfer_return(dossier=d, actor=actor, note="Thống nhất"),
        A.DRAFT_RESULT: lambda: s.dossier_result_draft(dossier=d, actor=actor, content="Cấp giấy khai sinh"),
        A.APPROVE: lambda: s.dossier_approve(dossier=d, actor=actor, note="Đồng ý"),
        A.SEND_BACK: lambda: s.dossier_send_back(dossier=d, actor=actor, reason="Xem lại"),
        A.REQUEST_PAYMENT: lambda: s.dossier_request_payment(dossier=d, actor=actor, amount=8000),
        A.RECORD_PAYMENT: lambda: s.dossier_record_payment(dossier=d, actor=actor, receipt="BL-01"),
        A.FINISH: lambda: s.dossier_finish(dossier=d, actor=actor, summary="Đã giải quyết"),
        A.APOLOGISE: lambda: s.dossier_apologise(
            dossier=d, actor=actor, reason="Chậm", new_due_date=_next_working_day_after_due(d)
        ),
        A.STOP: lambda: s.dossier_stop(dossier=d, actor=actor, reason="Dừng"),
        A.WITHDRAW: lambda: s.dossier_withdraw(dossier=d, actor=actor, reason="Thôi"),
        A.CONFIRM_WITHDRAWAL: lambda: s.dossier_confirm_withdrawal(dossier=d, actor=actor),
        A.RETURN_RESULT: lambda: s.dossier_return_result(dossier=d, actor=actor, delivery="desk"),
        A.CHOOSE_DELIVERY: lambda: s.dossier_choose_delivery(dossier=d, actor=actor, delivery="desk"),
        A.RATE: lambda: s.dossier_rate(dossier=d, actor=actor, rating=4),
    }
    return calls[action]()


def _accepted_by_the_service(c: Cast, dossier: Dossier, actor: Any) -> set[Action]:
    taken = set()
    for action in ACTIONS:
        try:
            with transaction.atomic():
                _call(c, action, dossier, actor)
                raise _Undo
        except _Undo:
            taken.add(action)
        except (NotFoundOrForbidden, InvalidTransition):
            pass
    return taken


# ---------------------------------------------------------------- what the pages and the API offer


def _offered(dossier: Dossier, actor: Any) -> dict[str, set[Action]]:
    if not getattr(actor, "is_authenticated", False):
        api = Caller(None).get(f"/dossiers/{dossier.code}")
        assert api.status_code == 401
        return {"api": set(), "desk": set(), "portal": set()}
    api = Caller(actor).get(f"/dossiers/{dossier.code}")
    assert api.status_code in (200, 404)
    offered_api = {API_PATHS[path] for path in api.json()["actions"]} if api.status_code == 200 else set()
    client = Client()
    client.force_login(actor)
    if actor.is_official:
        page = client.get(f"/mot-cua/ho-so/{dossier.code}/")
        assert page.status_code in (200, 404)
        desk = {A(name) for name in DESK_PAGE.findall(page.content.decode())}
        return {"api": offered_api, "desk": desk, "portal": set()}
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/")
    assert page.status_code in (200, 404)
    portal = {PORTAL_ACTIONS[name] for name in PORTAL_PAGE.findall(page.content.decode())}
    return {"api": offered_api, "desk": set(), "portal": portal}


COMBINATIONS: list[int] = []


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_what_is_offered_is_exactly_what_the_service_accepts(cast: Cast, scenario: str) -> None:
    with time_machine.travel(FILED, tick=False):
        dossier = SCENARIOS[scenario](cast)
    mismatches = []
    with time_machine.travel(NOW, tick=False):
        dossier.refresh_from_db()
        for who, actor in cast.people.items():
            taken = _accepted_by_the_service(cast, dossier, actor)
            offered = _offered(dossier, actor)
            expected = {
                "api": taken,
                "desk": taken & DESK_ACTIONS if getattr(actor, "is_official", False) else set(),
                "portal": taken - DESK_ACTIONS if not getattr(actor, "is_official", True) else set(),
            }
            for where, actions in offered.items():
                if actions != expected[where]:
                    mismatches.append((who, where, sorted(actions), sorted(expected[where])))
            COMBINATIONS.append(len(ACTIONS))
    assert not mismatches, f"{scenario}: (who, where, offered, accepted by the service) {mismatches}"
