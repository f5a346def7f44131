"""The administrator's page of failed background jobs: listed with their error, retried, audited; deny by default."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from procrastinate.contrib.django import DjangoApp, app

from conftest import worker_run
from cqs.core.jobs import on_app_ready
from cqs.core.models import AuditEvent

URL = "/quan-tri/tac-vu-loi/"
DOWN = "ConnectionRefusedError: Máy chủ thư không trả lời"


@pytest.mark.django_db(transaction=True)
def test_a_failed_job_is_listed_with_its_error_and_runs_again_when_retried(client: Any, administrator: Any) -> None:
    throwaway = DjangoApp(connector=app.connector)  # a task of the test's own (procrastinate's advice for tests)
    on_app_ready(throwaway)
    mail_server = {"down": True, "sent": []}

    @throwaway.task(name="tests.mail_send", retry=False)
    def mail_send(*, to: str, body: str) -> None:
        if mail_server["down"]:
            raise ConnectionRefusedError("Máy chủ thư không trả lời")
        mail_server["sent"].append(to)

    mail_send.defer(to="an@example.vn", body="Mã xác nhận 123456")
    worker_run(throwaway)
    client.force_login(administrator)
    html = client.get(URL).content.decode()
    assert "tests.mail_send" in html and DOWN in html
    assert "to=an@example.vn" in html and "body=…" in html and "123456" not in html  # a code is never shown
    job_id = app.job_manager.list_jobs(task="tests.mail_send")[0].id
    assert reverse("administration:failed_job_retry", args=[job_id]) in html

    mail_server["down"] = False
    response = client.post(reverse("administration:failed_job_retry", args=[job_id]), follow=True)
    assert f"Đã đưa tác vụ số {job_id} vào hàng đợi để chạy lại." in response.content.decode()
    event = AuditEvent.objects.get(action="job.retry")
    assert (event.object_id, event.actor_id, event.after) == (str(job_id), administrator.pk, {"status": "todo"})
    worker_run(throwaway)
    assert mail_server["sent"] == ["an@example.vn"]
    assert "Không có tác vụ nền nào bị lỗi." in client.get(URL).content.decode()
    again = client.post(reverse("administration:failed_job_retry", args=[job_id]), follow=True)
    assert "Không tìm thấy tác vụ lỗi này (có thể đã được chạy lại)." in again.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("roles", [(), ("one_stop_officer",), ("leader", "clerk")])
def test_only_administrators_may_see_or_retry_failed_jobs(client: Any, make_official: Any, roles: Any) -> None:
    client.force_login(make_official("canbo", roles=roles))
    assert client.get(URL).status_code == 404
    assert client.post(reverse("administration:failed_job_retry", args=[1])).status_code == 404
    assert "tac-vu-loi" not in client.get("/quan-tri/").content.decode()


@pytest.mark.django_db
def test_citizens_and_visitors_are_turned_away(client: Any, citizen: Any) -> None:
    assert client.get(URL)["Location"].startswith(reverse("accounts:login"))
    client.force_login(citizen)
    assert client.get(URL).status_code == 404
    assert client.post(reverse("administration:failed_job_retry", args=[1])).status_code == 404
