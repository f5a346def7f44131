"""Who sees a dossier and who may act on it: citizen, stranger, and each role at each of its agencies."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cqs.accounts.models import Role, User
from cqs.catalog.tests import factories as catalog_factories
from cqs.dossiers import services
from cqs.dossiers.models import Dossier
from cqs.dossiers.permissions import dossiers_visible_to, may_act, may_receive_at, may_see
from cqs.dossiers.tests.factories import World, official
from cqs.dossiers.tests.factories_dsvc import submitted
from cqs.units.models import Agency

HANDLING = (Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER)
NOT_HANDLING = (Role.CLERK, Role.CATALOG_MANAGER, Role.ADMINISTRATOR)


@dataclass
class Setup:
    dossier: Dossier
    receiving: Agency
    deciding: Agency
    current: Agency
    unrelated: Agency


@pytest.fixture
def s(w: World) -> Setup:
    """Received at a service centre, decided by the commune, now transferred to the department."""
    centre = catalog_factories.agency(kind=Agency.Kind.COMMUNE_SERVICE_CENTRE, name="Trung tâm phục vụ")
    unrelated = catalog_factories.agency(name="UBND xã Khác")
    desk = official("tt_motcua", centre, Role.ONE_STOP_OFFICER)
    dossier = services.dossier_accept(dossier=submitted(w, receiving_agency=centre), actor=desk)
    dossier = services.dossier_transfer(dossier=dossier, actor=w.specialist, to_agency=w.other_agency, note="Xác minh")
    return Setup(dossier, centre, w.agency, w.other_agency, unrelated)


def _user(agency: Agency, role: str) -> User:
    return official(f"u_{agency.pk}_{role}", agency, role)


def test_citizen_sees_only_their_dossiers(w: World, s: Setup) -> None:
    assert list(dossiers_visible_to(w.citizen)) == [s.dossier]
    assert may_see(w.citizen, s.dossier)
    assert not dossiers_visible_to(w.stranger).exists() and not may_see(w.stranger, s.dossier)


def test_anonymous_and_inactive_see_nothing(w: World, s: Setup) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not dossiers_visible_to(AnonymousUser()).exists() and not may_see(AnonymousUser(), s.dossier)
    w.citizen.is_active = False
    assert not dossiers_visible_to(w.citizen).exists() and not may_see(w.citizen, s.dossier)
    assert not may_act(w.citizen, "withdraw", s.dossier)
    leader = _user(s.deciding, Role.LEADER)
    leader.is_active = False
    assert not may_see(leader, s.dossier) and not may_act(leader, "stop", s.dossier)


@pytest.mark.parametrize("which", ["receiving", "deciding", "current"])
@pytest.mark.parametrize("role", HANDLING)
def test_handling_roles_of_each_agency_see_it(s: Setup, which: str, role: str) -> None:
    user = _user(getattr(s, which), role)
    assert may_see(user, s.dossier)
    assert list(dossiers_visible_to(user)) == [s.dossier]


@pytest.mark.parametrize("role", [*HANDLING, *NOT_HANDLING])
def test_an_unrelated_agency_sees_nothing(s: Setup, role: str) -> None:
    user = _user(s.unrelated, role)
    assert not may_see(user, s.dossier) and not dossiers_visible_to(user).exists()
    assert not any(may_act(user, action, s.dossier) for action in ("accept", "stop", "transfer_return", "approve"))


@pytest.mark.parametrize("role", NOT_HANDLING)
def test_roles_that_do_not_handle_dossiers_see_none_even_at_the_deciding_agency(s: Setup, role: str) -> None:
    user = _user(s.deciding, role)
    assert not may_see(user, s.dossier) and not dossiers_visible_to(user).exists()


def test_may_act_follows_role_and_agency(w: World, s: Setup) -> None:
    d = s.dossier
    desk = _user(s.receiving, Role.ONE_STOP_OFFICER)
    partner = _user(s.current, Role.SPECIALIST)
    deciding_officer = _user(s.deciding, Role.ONE_STOP_OFFICER)
    partner_leader = _user(s.current, Role.LEADER)
    # The receiving desk: reception, withdrawal, payment and return.
    for action in ("accept", "refuse", "confirm_withdrawal", "return_result", "record_payment"):
        assert may_act(desk, action, d) and not may_act(deciding_officer, action, d), action
    # The deciding agency's leader: apology and stop; not the leader of the coordinating agency.
    for action in ("apologise", "stop"):
        assert may_act(w.leader, action, d) and not may_act(partner_leader, action, d)
    # The holder now (the coordinating specialist): hands it back, not the deciding specialist.
    assert may_act(partner, "transfer_return", d) and not may_act(w.specialist, "transfer_return", d)
    assert may_act(partner, "request_payment", d) and not may_act(w.specialist, "forward", d)
    # Citizen actions belong to the applicant alone.
    for action in ("answer_supplement", "withdraw", "rate", "choose_delivery"):
        assert may_act(w.citizen, action, d) and not may_act(w.stranger, action, d)
        assert not may_act(desk, action, d)
    # Unknown actions are refused to everyone.
    assert not may_act(w.leader, "delete", d) and not may_act(w.citizen, "delete", d)


def test_may_receive_at_only_at_ones_own_counter(w: World, s: Setup) -> None:
    assert may_receive_at(w.officer, s.deciding.pk)
    assert not may_receive_at(w.officer, s.receiving.pk)
    assert not may_receive_at(w.specialist, s.deciding.pk)
    assert not may_receive_at(w.citizen, s.deciding.pk)
