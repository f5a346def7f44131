"""The inbox: one's own notices only, marked read, opened on this site only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from cqs.notifications.models import Notification
from cqs.notifications.services import notification_send

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def people() -> tuple[Any, Any]:
    User = get_user_model()
    lan = User.objects.create_user(username="040190012345", password="x-Hoa-sen-2025", full_name="Nguyễn Thị Lan")
    hung = User.objects.create_user(username="040085654321", password="x-Hoa-sen-2025", full_name="Trần Văn Hùng")
    return lan, hung


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_inbox_lists_my_notices_with_the_unread_count(people: Any) -> None:
    lan, hung = people
    notification_send(
        user=lan, title="Hồ sơ H40-1: Đang xử lý", body="Hồ sơ đã được tiếp nhận.", url="/ho-so-cua-toi/H40-1/"
    )
    notification_send(user=lan, title="Hồ sơ H40-2: Đã trả kết quả", body="Kết quả đã được trả.")
    notification_send(user=hung, title="Hồ sơ của người khác", body="")
    html = _client(lan).get(reverse("notifications:inbox")).content.decode()
    assert "Hồ sơ H40-1: Đang xử lý" in html and "Hồ sơ H40-2: Đã trả kết quả" in html
    assert "Hồ sơ của người khác" not in html
    assert "2 thông báo chưa đọc" in html


def test_mark_read_and_open(people: Any) -> None:
    lan, hung = people
    notice = notification_send(user=lan, title="Hồ sơ H40-1", body="", url="/ho-so-cua-toi/H40-1/")
    url = reverse("notifications:mark_read", args=[notice.pk])
    assert _client(hung).post(url).status_code == 404
    assert Notification.objects.get(pk=notice.pk).read_at is None
    client = _client(lan)
    assert client.post(url)["Location"] == reverse("notifications:inbox")
    assert Notification.objects.get(pk=notice.pk).read_at is not None
    assert client.post(url, {"mo": "1"})["Location"] == "/ho-so-cua-toi/H40-1/"
    unread = client.get(reverse("notifications:inbox") + "?loc=chua-doc").content.decode()
    assert "Hồ sơ H40-1" not in unread and "0 thông báo chưa đọc" in unread


def test_a_notice_never_sends_anyone_off_site(people: Any) -> None:
    lan, _hung = people
    notice = Notification.objects.create(user=lan, title="Lạ", url="//evil.example/")
    response = _client(lan).post(reverse("notifications:mark_read", args=[notice.pk]), {"mo": "1"})
    assert response["Location"] == reverse("notifications:inbox")


def test_anonymous_is_sent_to_login(client: Any) -> None:
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
