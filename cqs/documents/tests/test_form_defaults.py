"""Forms of the documents section never mislead: the direction form does not offer a deadline it would refuse, and no
choice list shows Django's "---------" placeholder (a clear Vietnamese prompt instead)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cqs.documents.incoming import services
from cqs.documents.models import IncomingStatus
from cqs.documents.tests.factories import incoming
from cqs.documents.tests.test_outgoing_support import drafted, world

__all__ = ["world"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


def _as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _deadline_shown(page: str) -> str:
    found = re.search(r'name="direct-deadline"[^>]*value="([^"]*)"', page) or re.search(
        r'value="([^"]*)"[^>]*name="direct-deadline"', page
    )
    return found.group(1) if found else ""


def test_a_past_reply_date_is_not_offered_as_the_deadline(world: Any) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    document = incoming(world, document_date=yesterday - dt.timedelta(days=3), reply_due=yesterday)
    leader = _as(world.leader)
    page = leader.get(reverse("documents:incoming_detail", args=[document.pk])).content.decode()
    assert _deadline_shown(page) == ""
    # what the form offered is accepted as it is
    response = leader.post(
        reverse("documents:incoming_act", args=[document.pk, "direct"]),
        {"direct-instruction": "Phòng Kinh tế chủ trì.", "direct-lead_department": world.kt.pk, "direct-deadline": ""},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.status, document.deadline) == (IncomingStatus.ASSIGNED, None)


def test_a_coming_reply_date_is_offered_and_accepted(world: Any) -> None:
    due = timezone.localdate() + dt.timedelta(days=4)
    document = incoming(world, reply_due=due)
    leader = _as(world.leader)
    page = leader.get(reverse("documents:incoming_detail", args=[document.pk])).content.decode()
    assert _deadline_shown(page) == f"{due:%d/%m/%Y}"
    leader.post(
        reverse("documents:incoming_act", args=[document.pk, "direct"]),
        {
            "direct-instruction": "Phòng Kinh tế chủ trì.",
            "direct-lead_department": world.kt.pk,
            "direct-deadline": f"{due:%d/%m/%Y}",
        },
    )
    document.refresh_from_db()
    assert document.deadline == due


def test_no_choice_list_shows_dashes(world: Any, client: Any) -> None:
    document = incoming(world)
    pages = [(world.leader, reverse("documents:incoming_detail", args=[document.pk]))]
    services.incoming_direct(incoming=document, actor=world.leader, instruction="KT chủ trì.", lead_department=world.kt)
    pages += [
        (world.kt_head, reverse("documents:incoming_detail", args=[document.pk])),  # assigning a handler
        (world.clerk, reverse("documents:incoming_register")),
        (world.vp_specialist, reverse("documents:outgoing_create")),
        (world.vp_specialist, reverse("documents:outgoing_detail", args=[drafted(world).pk])),  # submitting
        (world.clerk, reverse("documents:workfiles")),
        (world.clerk, reverse("documents:register_incoming")),
        (world.clerk, reverse("documents:search") + "?q=ke+hoach"),
        (world.leader, reverse("signing:my_signature")),
    ]
    services.incoming_assign_handler(incoming=document, actor=world.kt_head, handler=world.kt_specialist)
    pages.append((world.kt_specialist, reverse("documents:incoming_detail", args=[document.pk])))  # completing
    for user, url in pages:
        page = _as(user).get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert "---------" not in text, url
    assert (
        "— Chọn đơn vị chủ trì —"
        in _as(world.leader).get(reverse("documents:incoming_detail", args=[incoming(world).pk])).content.decode()
    )
    assert "---------" not in client.get(reverse("signing:verify")).content.decode()
