"""Recalling an issued document (edXML 13) and the recipient's answer (15 agreed, 16 refused), on one platform.

The sender is UBND tỉnh Nghệ An, the recipient Sở Tư pháp (an agency on the same platform, reached
through its pending-electronic inbox); between two instances over HTTP see ``test_exchange_two_instances``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.core.models import AuditEvent
from cqs.documents.exchange import recall as exchange_recall
from cqs.documents.exchange import receive as exchange
from cqs.documents.models import ExchangeMessage, IncomingStatus, Recipient
from cqs.documents.tests.test_outgoing_support import World, drafted, issued, paper, world

__all__ = ["world"]

pytestmark = pytest.mark.django_db
REASON = "Văn bản ban hành nhầm phụ lục, sẽ ban hành lại."


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


def _internal(outgoing: Any) -> Recipient:
    return outgoing.recipients.get(channel=Recipient.Channel.INTERNAL)


def _request_for(world: World) -> ExchangeMessage:
    return exchange_recall.recall_requests(world.outsider).get()


def test_the_recipient_gives_a_pending_document_back(world: World) -> None:
    outgoing = issued(world)
    package = exchange.pending_packages(world.outsider).get()
    exchange_recall.outgoing_recall(outgoing=outgoing, actor=world.clerk, reason=REASON)
    assert (_internal(outgoing).status_code, _internal(outgoing).status_note) == ("13", REASON)
    request = _request_for(world)
    assert request.responds_to == package and exchange_recall.recall_reason(request) == REASON

    exchange_recall.recall_answer(request=request, actor=world.outsider, agree=True)
    package.refresh_from_db()
    assert package.state == ExchangeMessage.State.REFUSED and REASON in package.last_error
    assert not exchange.pending_packages(world.outsider).exists()
    assert not exchange_recall.recall_requests(world.outsider).exists()
    assert _internal(outgoing).status_code == "15"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"documents.outgoing_recall", "documents.exchange_recall_answered", "documents.exchange_recalled"} <= actions
    with pytest.raises(InvalidTransition):
        exchange_recall.outgoing_recall(outgoing=outgoing, actor=world.clerk, reason=REASON)


def test_a_registered_document_is_marked_returned_or_kept_with_a_reason(world: World) -> None:
    outgoing = issued(world)
    incoming = exchange.package_accept(message=exchange.pending_packages(world.outsider).get(), actor=world.outsider)
    exchange_recall.outgoing_recall(outgoing=outgoing, actor=world.leader, reason=REASON)
    request = _request_for(world)
    with pytest.raises(ValidationFailed) as caught:
        exchange_recall.recall_answer(request=request, actor=world.outsider, agree=False, reason=" ")
    assert caught.value.message == "Chưa nhập lý do không đồng ý cho lấy lại văn bản."
    exchange_recall.recall_answer(
        request=request, actor=world.outsider, agree=False, reason="Văn bản đã được triển khai thực hiện."
    )
    incoming.refresh_from_db()
    assert incoming.status != IncomingStatus.RETURNED
    recipient = _internal(outgoing)
    assert (recipient.status_code, recipient.status_note) == ("16", "Văn bản đã được triển khai thực hiện.")
    with pytest.raises(InvalidTransition):
        exchange_recall.recall_answer(request=request, actor=world.outsider, agree=True)


def test_agreeing_returns_a_registered_document_to_its_sender(world: World) -> None:
    outgoing = issued(world)
    incoming = exchange.package_accept(message=exchange.pending_packages(world.outsider).get(), actor=world.outsider)
    exchange_recall.outgoing_recall(outgoing=outgoing, actor=world.clerk, reason=REASON)
    exchange_recall.recall_answer(request=_request_for(world), actor=world.outsider, agree=True)
    incoming.refresh_from_db()
    assert incoming.status == IncomingStatus.RETURNED and REASON in incoming.return_reason
    assert _internal(outgoing).status_code == "15"


def test_who_may_not_recall_or_answer(world: World) -> None:
    outgoing = issued(world)
    for outsider in (world.vp_specialist, world.outsider):
        with pytest.raises(NotFoundOrForbidden):
            exchange_recall.outgoing_recall(outgoing=outgoing, actor=outsider, reason=REASON)
    exchange_recall.outgoing_recall(outgoing=outgoing, actor=world.clerk, reason=REASON)
    request = _request_for(world)
    for stranger in (world.clerk, world.leader):
        assert not exchange_recall.recall_requests(stranger).exists()
        with pytest.raises(NotFoundOrForbidden):
            exchange_recall.recall_answer(request=request, actor=stranger, agree=True)


def test_only_an_issued_document_with_electronic_recipients_is_recalled(world: World) -> None:
    with pytest.raises(InvalidTransition):
        exchange_recall.outgoing_recall(outgoing=drafted(world), actor=world.clerk, reason=REASON)
    on_paper = issued(world, recipients=[paper()])
    with pytest.raises(InvalidTransition) as caught:
        exchange_recall.outgoing_recall(outgoing=on_paper, actor=world.clerk, reason=REASON)
    assert caught.value.message == "Không còn nơi nhận điện tử nào có thể lấy lại văn bản."
    with pytest.raises(ValidationFailed):
        exchange_recall.outgoing_recall(outgoing=issued(world), actor=world.clerk, reason="")
    assert not ExchangeMessage.objects.filter(status_code="13").exists()


def test_the_pages_offer_the_recall_and_the_answer(client: Any, world: World) -> None:
    outgoing = issued(world)
    client.force_login(world.clerk)
    detail = reverse("documents:outgoing_detail", args=[outgoing.pk])
    assert "Lấy lại văn bản đã gửi điện tử" in client.get(detail).content.decode()
    act = reverse("documents:outgoing_act", args=[outgoing.pk, "recall"])
    assert client.post(act, {"recall-reason": ""}).status_code == 400
    assert client.post(act, {"recall-reason": REASON}).status_code == 302
    assert "Lấy lại văn bản đã gửi điện tử" not in client.get(detail).content.decode()

    client.force_login(world.outsider)
    pending = client.get(reverse("documents:exchange_pending")).content.decode()
    assert "Đề nghị lấy lại văn bản" in pending and REASON in pending
    request = _request_for(world)
    answer = reverse("documents:exchange_recall_answer", args=[request.pk])
    client.force_login(world.clerk)
    assert client.post(answer, {"answer": "agree"}).status_code == 404
    client.force_login(world.outsider)
    assert client.post(answer, {"answer": "agree"}).status_code == 302
    assert _internal(outgoing).status_code == "15"
    assert client.post(answer, {"answer": "agree"}).status_code == 404
