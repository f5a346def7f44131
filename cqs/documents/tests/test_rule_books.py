"""One rule book per state machine: for every state × role × action, what the document's page offers, what the
API offers and what the service accepts are the same.

Each state is reached through the real services. For each role, the page is rendered (the actions are the
forms and links it shows), the API's detail answer read (its ``actions``), and every action tried on the service
with valid input inside a savepoint that is rolled back, so the document stays in its state. A service either
accepts or refuses by the rule book (``NotFoundOrForbidden``, ``InvalidTransition``); any other refusal means
the walk fed it bad input and fails the test.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cqs.accounts.models import Role, User
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden
from cqs.documents.exchange.recall import outgoing_recall
from cqs.documents.incoming import services as incoming_services
from cqs.documents.incoming.transitions import TRANSITIONS as INCOMING_TRANSITIONS
from cqs.documents.models import DocumentFile, IncomingDocument, OutgoingDocument
from cqs.documents.outgoing import services as svc
from cqs.documents.outgoing.services import RecipientSpec
from cqs.documents.outgoing.transitions import TRANSITIONS as OUTGOING_TRANSITIONS
from cqs.documents.tests.factories import DocumentsWorld, incoming, member, official
from cqs.documents.tests.test_outgoing_support import World, build_world, pdf, upload

pytestmark = pytest.mark.django_db


class _Refused(Exception):
    pass


class _Rollback(Exception):
    pass


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


def _people(w: DocumentsWorld) -> dict[str, Any]:
    """Every kind of person who might open a document of the agency."""
    colleague = official("vb_dongnghiep", w.agency, Role.SPECIALIST, full_name="Ngô Văn Đồng Nghiệp")
    member(colleague, w.vp)
    citizen = User.objects.create_user(username="040095001999", password="x", full_name="Công Dân", kind="citizen")
    return {
        "leader_2": official("vb_lanhdao2", w.agency, Role.LEADER, full_name="Phó Chủ Tịch Hai"),
        "colleague": colleague,
        "administrator": official("vb_quantri", w.agency, Role.ADMINISTRATOR),
        "catalog_manager": official("vb_tthc", w.agency, Role.CATALOG_MANAGER),
        "one_stop_officer": official("vb_motcua", w.agency, Role.ONE_STOP_OFFICER),
        "outsider": w.outsider,
        "citizen": citizen,
        "anonymous": AnonymousUser(),
    }


def _client(user: Any) -> Client:
    client = Client()
    if getattr(user, "is_authenticated", False):
        client.force_login(user)
    return client


def _page_offers(client: Client, url: str, pattern: str) -> set[str]:
    response = client.get(url)
    if response.status_code != 200:
        return set()
    return set(re.findall(pattern, response.content.decode()))


def _api_offers(client: Client, url: str) -> set[str]:
    response = client.get(url)
    if response.status_code != 200:
        return set()
    return set(response.json()["actions"])


def _accepted(call: Callable[[], Any]) -> bool:
    """Whether the service takes the action; the savepoint is rolled back either way."""
    try:
        with transaction.atomic():
            try:
                call()
            except (NotFoundOrForbidden, InvalidTransition) as refusal:
                raise _Refused from refusal
            raise _Rollback
    except _Refused:
        return False
    except _Rollback:
        return True


# ---------------------------------------------------------------- outgoing


def _outgoing_states(x: World) -> dict[str, OutgoingDocument]:
    w = x.w

    def draft(**overrides: Any) -> OutgoingDocument:
        document = svc.outgoing_create(
            agency=w.agency,
            actor=w.vp_specialist,
            drafting_department=w.vp,
            document_type=w.doc_type_decision,
            subject="Quyết định ban hành quy chế làm việc",
            signer=w.leader,
            recipients=[
                RecipientSpec(channel="internal", agency=w.other_agency),
                RecipientSpec(channel="paper", name="Lưu: VT"),
            ],
            **overrides,
        )
        return document

    def with_files(document: OutgoingDocument) -> OutgoingDocument:
        svc.outgoing_draft_upload(outgoing=document, actor=w.vp_specialist, upload=upload())
        svc.outgoing_attachment_add(outgoing=document, actor=w.vp_specialist, upload=upload(pdf("Phụ lục"), "pl.pdf"))
        return document

    def in_review() -> OutgoingDocument:
        document = with_files(draft())
        return svc.outgoing_submit_for_review(
            outgoing=document, actor=w.vp_specialist, reviewers=[w.vp_head, w.kt_head]
        )

    def awaiting() -> OutgoingDocument:
        return svc.outgoing_submit_for_review(outgoing=with_files(draft()), actor=w.vp_specialist, reviewers=[])

    def signed() -> OutgoingDocument:
        return svc.outgoing_sign(outgoing=awaiting(), actor=w.leader)

    def issued() -> OutgoingDocument:
        return svc.outgoing_issue(outgoing=signed(), actor=w.clerk)

    second_turn = in_review()
    svc.outgoing_review(outgoing=second_turn, actor=w.vp_head, approve=True)
    returned = in_review()
    svc.outgoing_review(outgoing=returned, actor=w.vp_head, approve=False, comment="Sửa căn cứ.")
    recalled = issued()
    outgoing_recall(outgoing=recalled, actor=w.clerk, reason="Ban hành nhầm.")
    cancelled = draft()
    svc.outgoing_cancel(outgoing=cancelled, actor=w.vp_specialist, reason="Không cần ban hành.")
    states = {
        "draft, nothing uploaded": draft(),
        "draft with its text and an annex": with_files(draft()),
        "in review, first reviewer's turn": in_review(),
        "in review, second reviewer's turn": second_turn,
        "returned": returned,
        "awaiting signature": awaiting(),
        "signed": signed(),
        "issued": issued(),
        "issued, recall already asked": recalled,
        "cancelled": cancelled,
    }
    return {name: OutgoingDocument.objects.get(pk=document.pk) for name, document in states.items()}


def _outgoing_call(action: str, document: OutgoingDocument, user: Any) -> Callable[[], Any]:
    def metadata() -> dict[str, Any]:
        return {
            "drafting_department": document.drafting_department,
            "document_type": document.document_type,
            "subject": document.subject,
            "signer": document.signer,
            "recipients": [
                RecipientSpec(channel=r.channel, agency=r.agency, organ_id=r.organ_id, name=r.name)
                for r in document.recipients.all()
            ],
        }

    annex = document.files.filter(kind=DocumentFile.Kind.ATTACHMENT).first()
    calls: dict[str, Callable[[], Any]] = {
        "update": lambda: svc.outgoing_update(outgoing=document, actor=user, **metadata()),
        "upload_draft": lambda: svc.outgoing_draft_upload(outgoing=document, actor=user, upload=upload()),
        "attach": lambda: svc.outgoing_attachment_add(outgoing=document, actor=user, upload=upload()),
        "detach": lambda: svc.outgoing_attachment_remove(
            outgoing=document, actor=user, file_id=annex.pk if annex else 10**9
        ),
        "submit": lambda: svc.outgoing_submit_for_review(outgoing=document, actor=user, reviewers=[]),
        "review": lambda: svc.outgoing_review(outgoing=document, actor=user, approve=True),
        "return": lambda: svc.outgoing_return(outgoing=document, actor=user, reason="Chưa đạt."),
        "sign": lambda: svc.outgoing_sign(outgoing=document, actor=user),
        "issue": lambda: svc.outgoing_issue(outgoing=document, actor=user),
        "cancel": lambda: svc.outgoing_cancel(outgoing=document, actor=user, reason="Không ban hành."),
        "comment": lambda: svc.outgoing_comment(outgoing=document, actor=user, text="Góp ý."),
        "recall": lambda: outgoing_recall(outgoing=document, actor=user, reason="Ban hành nhầm."),
    }
    assert set(calls) == set(OUTGOING_TRANSITIONS)
    return calls[action]


def test_outgoing_rule_book(capsys: Any) -> None:
    x = build_world()
    w = x.w
    people = {
        "drafter": w.vp_specialist,
        "first_reviewer": w.vp_head,
        "second_reviewer": w.kt_head,
        "signer": w.leader,
        "clerk": w.clerk,
        **_people(w),
    }
    checked = 0
    offered_somewhere: set[str] = set()
    for state, document in _outgoing_states(x).items():
        for role, user in people.items():
            client = _client(user)
            page = _page_offers(
                client,
                reverse("documents:outgoing_detail", args=[document.pk]),
                rf"/van-ban/di/{document.pk}/(?:xu-ly/(\w+)/|(sua)/)",
            )
            page = {"update" if edit else action for action, edit in page}
            api = _api_offers(client, f"/api/v1/documents/outgoing/{document.pk}")
            accepted = {
                action
                for action in OUTGOING_TRANSITIONS
                if _accepted(_outgoing_call(action, OutgoingDocument.objects.get(pk=document.pk), user))
            }
            assert page == api == accepted, (state, role, page, api, accepted)
            offered_somewhere |= accepted
            checked += len(OUTGOING_TRANSITIONS)
    assert offered_somewhere == set(OUTGOING_TRANSITIONS)  # the walk reaches every action
    with capsys.disabled():
        print(f"\noutgoing rule book: {checked} state × role × action combinations checked")
    assert checked == 10 * 13 * 12


# ---------------------------------------------------------------- incoming


def _incoming_states(w: DocumentsWorld) -> dict[str, IncomingDocument]:
    def directed() -> IncomingDocument:
        return incoming_services.incoming_direct(
            incoming=incoming(w),
            actor=w.leader,
            instruction="Phòng Kinh tế chủ trì.",
            lead_department=w.kt,
            coordinating_departments=[w.vp],
            deadline=timezone.localdate() + dt.timedelta(days=5),
        )

    def handled() -> IncomingDocument:
        return incoming_services.incoming_assign_handler(incoming=directed(), actor=w.kt_head, handler=w.kt_specialist)

    def proposed() -> IncomingDocument:
        return incoming_services.incoming_propose(
            incoming=handled(), actor=w.kt_specialist, proposal="Đề xuất trả lời."
        )

    states = {
        "registered": incoming(w),
        "assigned, no handler yet": directed(),
        "assigned to a handler": handled(),
        "in progress": proposed(),
        "completed": incoming_services.incoming_complete(incoming=proposed(), actor=w.kt_specialist),
        "returned": incoming_services.incoming_return(incoming=incoming(w), actor=w.clerk, reason="Gửi nhầm."),
    }
    return {name: IncomingDocument.objects.get(pk=document.pk) for name, document in states.items()}


def _incoming_call(action: str, document: IncomingDocument, user: Any, w: DocumentsWorld) -> Callable[[], Any]:
    calls: dict[str, Callable[[], Any]] = {
        "direct": lambda: incoming_services.incoming_direct(
            incoming=document,
            actor=user,
            instruction="Giao Phòng Kinh tế.",
            lead_department=w.kt,
            deadline=timezone.localdate() + dt.timedelta(days=3),
        ),
        "assign_handler": lambda: incoming_services.incoming_assign_handler(
            incoming=document, actor=user, handler=w.kt_specialist
        ),
        "comment": lambda: incoming_services.incoming_comment(incoming=document, actor=user, text="Ý kiến."),
        "propose": lambda: incoming_services.incoming_propose(incoming=document, actor=user, proposal="Đề xuất."),
        "complete": lambda: incoming_services.incoming_complete(incoming=document, actor=user, note="Xong."),
        "return": lambda: incoming_services.incoming_return(incoming=document, actor=user, reason="Gửi nhầm."),
    }
    assert set(calls) == {a for a, t in INCOMING_TRANSITIONS.items() if t.offered}
    return calls[action]


def test_incoming_rule_book(capsys: Any) -> None:
    w = build_world().w
    people = {
        "leader": w.leader,
        "clerk": w.clerk,
        "lead_head": w.kt_head,
        "handler": w.kt_specialist,
        "coordinator_head": w.vp_head,
        "coordinator_member": w.vp_specialist,
        **_people(w),
    }
    offered_actions = [a for a, t in INCOMING_TRANSITIONS.items() if t.offered]
    checked = 0
    offered_somewhere: set[str] = set()
    for state, document in _incoming_states(w).items():
        for role, user in people.items():
            client = _client(user)
            page = _page_offers(
                client,
                reverse("documents:incoming_detail", args=[document.pk]),
                rf"/van-ban/den/{document.pk}/xu-ly/([\w-]+)/",
            )
            page = {slug.replace("-", "_") for slug in page}
            api = {a.replace("-", "_") for a in _api_offers(client, f"/api/v1/documents/incoming/{document.pk}")}
            accepted = {
                action
                for action in offered_actions
                if _accepted(_incoming_call(action, IncomingDocument.objects.get(pk=document.pk), user, w))
            }
            assert page == api == accepted, (state, role, page, api, accepted)
            offered_somewhere |= accepted
            checked += len(offered_actions)
    assert offered_somewhere == set(offered_actions)
    with capsys.disabled():
        print(f"\nincoming rule book: {checked} state × role × action combinations checked")
    assert checked == 6 * 14 * 6
