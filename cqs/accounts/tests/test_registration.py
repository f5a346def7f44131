"""Registration: a code by email, the same answer for a taken and a free citizen ID (or tax code), rate limits."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cqs.accounts import services
from cqs.accounts.models import PendingRegistration, User
from cqs.accounts.tests.conftest import PASSWORD, REGISTRATION
from cqs.core.errors import ValidationFailed
from cqs.core.models import AuditEvent
from cqs.notifications.models import Notification

pytestmark = pytest.mark.django_db

BUSINESS = {
    "tax_code": "2901234568",
    "full_name": "Công ty TNHH Hồng Lam",
    "address": "Số 12 Lê Lợi, Vinh",
    "email": "lienhe@honglam.example.vn",
    "phone": "",
    "password1": PASSWORD,
    "password2": PASSWORD,
}
WRONG_CODE = "Mã xác nhận không đúng hoặc đã hết hạn."


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any, run_jobs: Callable[[], int]) -> Any:
    """on_commit(execute=True): the commit callbacks of the block run, then the jobs it queued (the mail)."""

    @contextlib.contextmanager
    def capture(*, execute: bool = False) -> Iterator[Any]:
        with django_capture_on_commit_callbacks(execute=execute) as callbacks:
            yield callbacks
        run_jobs()

    return capture


def _register(
    client: Client, on_commit: Any, data: dict[str, str] | None = None, url: str = "accounts:register"
) -> Any:
    with on_commit(execute=True):
        return client.post(reverse(url), data or REGISTRATION, REMOTE_ADDR="198.51.100.7")


def _code_in(message: Any) -> str:
    found = re.search(r"\b(\d{6})\b", message.body)
    assert found is not None
    return found.group(1)


def _normalised(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def test_registration_mails_a_code_and_the_code_creates_the_account(client: Client, on_commit: Any) -> None:
    response = _register(client, on_commit)
    assert response["Location"] == reverse("accounts:register_confirm")
    assert not User.objects.exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["hoa@example.vn"]
    code = _code_in(mail.outbox[0])
    pending = PendingRegistration.objects.get()
    assert code not in pending.digest and PASSWORD not in pending.password
    page = client.get(reverse("accounts:register_confirm")).content.decode()
    assert "hoa@example.vn" in page and '<label for="id_code">' in page
    wrong = client.post(reverse("accounts:register_confirm"), {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and WRONG_CODE in wrong.content.decode()
    response = client.post(reverse("accounts:register_confirm"), {"code": code})
    assert response["Location"] == reverse("accounts:profile")
    user = User.objects.get()
    assert (user.username, user.citizen_id, user.date_of_birth) == ("040095001234", "040095001234", dt.date(1995, 9, 5))
    assert user.check_password(PASSWORD) and not user.identity_verified
    assert client.get(reverse("accounts:profile")).context["account"] == user
    assert AuditEvent.objects.filter(action="account.create", object_id=str(user.pk)).exists()
    again = Client()
    again.post(reverse("accounts:register_confirm"), {"code": code})
    assert not again.session.get("_auth_user_id")


def test_a_taken_and_a_free_citizen_id_get_the_same_answer(
    client: Client, citizen: User, on_commit: Any, settings: Any
) -> None:
    """The registrant cannot tell them apart; the holder is told; the registrant's address gets nothing."""
    citizen.email = "an@example.vn"
    citizen.save()
    taken = _register(
        client, on_commit, {**REGISTRATION, "citizen_id": citizen.citizen_id, "date_of_birth": "01/01/1995"}
    )
    free_client = Client()
    free = _register(free_client, on_commit, {**REGISTRATION, "citizen_id": "040095009999"})
    assert (taken.status_code, taken["Location"]) == (free.status_code, free["Location"])
    taken_page = client.get(reverse("accounts:register_confirm"))
    free_page = free_client.get(reverse("accounts:register_confirm"))
    assert taken_page.status_code == free_page.status_code == 200
    assert _normalised(taken_page.content.decode()) == _normalised(free_page.content.decode())
    tried = client.post(reverse("accounts:register_confirm"), {"code": "123456"})
    assert tried.status_code == 400 and WRONG_CODE in tried.content.decode()
    # mail: one code for the free number; nothing to the registrant's address for the taken one
    to_registrant = [m for m in mail.outbox if m.to == ["hoa@example.vn"]]
    assert len(to_registrant) == 1 and "Mã xác nhận đăng ký" in to_registrant[0].subject
    notice = Notification.objects.get(user=citizen)
    assert notice.title == "Có người vừa đăng ký tài khoản bằng số định danh của bạn"
    assert [m.to for m in mail.outbox if m.subject == notice.title] == [["an@example.vn"]]
    assert PendingRegistration.objects.count() == 1
    assert User.objects.filter(citizen_id=citizen.citizen_id).count() == 1


def test_a_taken_tax_code_gets_the_same_answer_as_a_free_one(client: Client, on_commit: Any) -> None:
    owner = services.business_register(
        tax_code="2901234568", full_name="Công ty cũ", password=PASSWORD, email="cu@honglam.example.vn"
    )
    taken = _register(client, on_commit, BUSINESS, "accounts:register_business")
    free_client = Client()
    free = _register(free_client, on_commit, {**BUSINESS, "tax_code": "0100109106"}, "accounts:register_business")
    assert taken["Location"] == free["Location"] == reverse("accounts:register_confirm")
    assert [m.to for m in mail.outbox if "Mã xác nhận" in m.subject] == [["lienhe@honglam.example.vn"]]
    assert Notification.objects.filter(user=owner).count() == 1
    free_client.post(reverse("accounts:register_confirm"), {"code": _code_in(mail.outbox[-1])})
    business = User.objects.get(tax_code="0100109106")
    assert business.kind == User.Kind.BUSINESS and business.address == "Số 12 Lê Lợi, Vinh"


def test_codes_expire_and_die_after_too_many_wrong_tries(client: Client, on_commit: Any, settings: Any) -> None:
    settings.CQS_REGISTRATION_CODE_MINUTES, settings.CQS_CODE_MAX_ATTEMPTS = 30, 5
    _register(client, on_commit)
    code = _code_in(mail.outbox[-1])
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        assert WRONG_CODE in client.post(reverse("accounts:register_confirm"), {"code": code}).content.decode()
    other = Client()
    _register(other, on_commit)
    code = _code_in(mail.outbox[-1])
    for _ in range(5):
        other.post(reverse("accounts:register_confirm"), {"code": "000000" if code != "000000" else "111111"})
    assert WRONG_CODE in other.post(reverse("accounts:register_confirm"), {"code": code}).content.decode()
    assert not User.objects.exists()


def test_form_errors_do_not_depend_on_the_number_being_taken(citizen: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.registration_start(
            kind="citizen", identifier=citizen.citizen_id or "", full_name="X", email="x@example.vn", password="123"
        )
    assert set(caught.value.extra["errors"]) == {"password"}


def test_registration_is_rate_limited_per_address(client: Client, on_commit: Any, settings: Any) -> None:
    settings.CQS_REGISTER_RATE_PER_HOUR = 3
    for number in range(3):
        assert _register(client, on_commit, {**REGISTRATION, "citizen_id": f"04009500{number:04d}"}).status_code == 302
    refused = _register(client, on_commit, {**REGISTRATION, "citizen_id": "040095000009"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Bạn đã gửi quá nhiều yêu cầu." in refused.content.decode()
    assert PendingRegistration.objects.count() == 3
    other = Client()
    with on_commit(execute=True):
        elsewhere = other.post(reverse("accounts:register"), REGISTRATION, REMOTE_ADDR="203.0.113.5")
    assert elsewhere.status_code == 302


def test_the_holder_is_told_a_few_times_a_day_at_most(client: Client, citizen: User, on_commit: Any) -> None:
    for _ in range(5):
        services.registration_start(
            kind="citizen",
            identifier=citizen.citizen_id or "",
            full_name="Kẻ thử",
            email="thu@example.vn",
            password=PASSWORD,
        )
    assert Notification.objects.filter(user=citizen).count() == 3


def test_the_confirmation_page_needs_a_registration_in_progress(client: Client, citizen: User) -> None:
    assert client.get(reverse("accounts:register_confirm"))["Location"] == reverse("accounts:register")
    client.force_login(citizen)
    assert client.get(reverse("accounts:register"))["Location"] == reverse("accounts:profile")
    assert client.get(reverse("accounts:register_confirm"))["Location"] == reverse("accounts:register")
