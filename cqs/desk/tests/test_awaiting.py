"""A leader's "Chờ tôi ký, cho ý kiến": dossiers to approve, drafts to sign, incoming letters to direct."""

from __future__ import annotations

import pytest
from django.test import Client

from cqs.accounts.models import Role, RoleAssignment
from cqs.documents.tests import test_outgoing_support as outgoing
from cqs.documents.tests.factories import documents_world, incoming
from cqs.dossiers.tests import factories_desk as make

pytestmark = pytest.mark.django_db


def test_a_leader_sees_everything_waiting_for_them_in_one_page(w):
    documents = documents_world()
    leader = documents.leader
    RoleAssignment.objects.create(user=leader, role=Role.LEADER, agency=w.agency)
    dossier = make.awaiting_approval(w)
    draft = outgoing.awaiting_signature(documents, subject="Quyết định giao chỉ tiêu chuyển đổi số")
    letter = incoming(documents, subject="Về việc báo cáo kết quả cải cách hành chính")
    make.processing(w)  # not waiting for a leader

    client = Client()
    client.force_login(leader)
    response = client.get("/cho-toi-ky/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/mot-cua/ho-so/{dossier.code}/"' in html
    assert f'<span class="code">{dossier.code}</span>' in html
    assert f'href="/van-ban/di/{draft.pk}/"' in html and "Quyết định giao chỉ tiêu chuyển đổi số" in html
    assert f'href="/van-ban/den/{letter.pk}/"' in html and "Về việc báo cáo kết quả cải cách hành chính" in html
    assert html.count('class="code"') == 1  # only the dossier awaiting approval


def test_the_page_is_for_leaders_only(w):
    client = Client()
    for user in (w.officer, w.specialist, w.citizen):
        client.force_login(user)
        assert client.get("/cho-toi-ky/").status_code == 404
    client.logout()
    assert client.get("/cho-toi-ky/")["Location"].startswith("/dang-nhap/")
