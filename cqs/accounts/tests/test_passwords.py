"""Passwords: change, "Quên mật khẩu" by email or SMS, officials' reset through their administrator."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts import services
from cqs.accounts.models import AccountCode, Role, User
from cqs.accounts.selectors import api_token_user
from cqs.accounts.tests.conftest import PASSWORD, current_code
from cqs.core.errors import NotFoundOrForbidden
from cqs.core.models import AuditEvent
from cqs.notifications.models import Notification
from cqs.notifications.sms import MemorySmsBackend

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Sen-hong-mua-ha-2026"
SAME_ANSWER = "Nếu thông tin bạn nhập khớp với một tài khoản"
WRONG_RESET = "Tên đăng nhập hoặc mã đặt lại mật khẩu không đúng, hoặc mã đã hết hạn."


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def _signed_in(client: Client) -> bool:
    return client.get(reverse("accounts:profile")).status_code == 200


def _change(client: Client, current: str, new: str = NEW_PASSWORD, again: str | None = None) -> Any:
    data = {"current_password": current, "new_password1": new, "new_password2": again or new}
    return client.post(reverse("accounts:password_change"), data)


def _reset(client: Client, identifier: str, code: str, new: str = NEW_PASSWORD) -> Any:
    data = {"identifier": identifier, "code": code, "new_password1": new, "new_password2": new}
    return client.post(reverse("accounts:password_reset"), data)


def _code(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found is not None
    return found.group(1)


@pytest.fixture
def with_contacts(citizen: User) -> User:
    citizen.email, citizen.phone = "an@example.vn", "0912000001"
    citizen.save()
    return citizen


# ---------------------------------------------------------------- change


def test_changing_the_password_ends_every_other_session_and_revokes_tokens(
    with_contacts: User, django_capture_on_commit_callbacks: Any, run_jobs: Callable[[], int]
) -> None:
    citizen = with_contacts
    here, elsewhere = Client(), Client()
    _login(here, citizen.username, PASSWORD)
    _login(elsewhere, citizen.username, PASSWORD)
    _token, raw = services.api_token_issue(user=citizen, name="app", actor=citizen)
    wrong = _change(here, "khong-phai-mat-khau")
    assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng." in wrong.content.decode()
    weak = _change(here, PASSWORD, "12345678")
    assert weak.status_code == 400 and 'id="id_new_password1_error"' in weak.content.decode()
    mismatch = _change(here, PASSWORD, NEW_PASSWORD, "khac-han-nhe-2026")
    assert "Hai lần nhập mật khẩu không giống nhau." in mismatch.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert _change(here, PASSWORD)["Location"] == reverse("accounts:profile")
    run_jobs()
    assert _signed_in(here) and not _signed_in(elsewhere)
    assert api_token_user(token=raw) is None
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="account.password_change", actor=citizen).exists()
    notice = Notification.objects.get(user=citizen)
    assert notice.title == "Mật khẩu tài khoản của bạn vừa được thay đổi"
    assert [m.to for m in mail.outbox] == [["an@example.vn"]]


def test_who_may_not_change_a_password(client: Client, make_official: Callable[..., User], settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = True
    assert client.get(reverse("accounts:password_change"))["Location"].startswith(reverse("accounts:login"))
    official = make_official("chuyenvien", totp_device=True)
    client.force_login(official)  # the password step only: the TOTP step comes first
    assert client.get(reverse("accounts:password_change"))["Location"].startswith(reverse("accounts:totp_verify"))
    assert _change(client, PASSWORD)["Location"].startswith(reverse("accounts:totp_verify"))
    official.refresh_from_db()
    assert official.check_password(PASSWORD)


def test_password_change_tries_are_limited(client: Client, citizen: User) -> None:
    client.force_login(citizen)
    for _ in range(10):
        _change(client, "doan-mo-123456")
    refused = _change(client, PASSWORD)
    assert refused.status_code == 429
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


def test_an_account_without_a_password_is_sent_to_the_reset(client: Client) -> None:
    vneid = User.objects.create_user(username="001185000001", citizen_id="001185000001", full_name="Lê Thị Mai")
    client.force_login(vneid)
    html = client.get(reverse("accounts:password_change")).content.decode()
    assert "Tài khoản này chưa có mật khẩu (đăng nhập bằng VNeID)." in html
    assert reverse("accounts:password_forgot") in html and 'name="current_password"' not in html
    _change(client, "", NEW_PASSWORD)
    vneid.refresh_from_db()
    assert not vneid.has_usable_password()


# ---------------------------------------------------------------- forgotten: a code by email or SMS


def test_a_reset_by_email_and_the_same_answer_for_everyone(
    client: Client,
    with_contacts: User,
    make_official: Callable[..., User],
    django_capture_on_commit_callbacks: Any,
    run_jobs: Callable[[], int],
) -> None:
    citizen = with_contacts
    official = make_official("chuyenvien")
    official.email = "cv@nghean.gov.vn"
    official.save()
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for identifier in ("040 095 001234", "040095009999", "chuyenvien", "khong-co-ai"):
            response = client.post(reverse("accounts:password_forgot"), {"identifier": identifier, "channel": "email"})
            page = client.get(response["Location"]).content.decode()
            answers.append((response.status_code, response["Location"], SAME_ANSWER in page))
    run_jobs()
    assert len(set(answers)) == 1 and answers[0] == (302, reverse("accounts:password_reset"), True)
    assert [m.to for m in mail.outbox] == [["an@example.vn"]]  # only the citizen's account is sent a code
    code = _code(mail.outbox[0].body)
    other = Client()
    _login(other, citizen.username, PASSWORD)
    _token, raw = services.api_token_issue(user=citizen, name="app", actor=citizen)
    assert WRONG_RESET in _reset(client, "040095009999", code).content.decode()
    assert _reset(client, citizen.username, code)["Location"] == reverse("accounts:login")
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    assert not _signed_in(other) and api_token_user(token=raw) is None
    assert WRONG_RESET in _reset(client, citizen.username, code, "Lai-doi-nua-2027").content.decode()  # single use
    assert AuditEvent.objects.filter(action="account.password_reset", object_id=str(citizen.pk)).exists()


def test_a_reset_code_by_sms(
    client: Client, with_contacts: User, django_capture_on_commit_callbacks: Any, run_jobs: Callable[[], int]
) -> None:
    page = client.get(reverse("accounts:password_forgot")).content.decode()
    assert 'value="sms"' in page and "<legend>Nhận mã qua</legend>" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_forgot"), {"identifier": with_contacts.username, "channel": "sms"})
    run_jobs()
    assert len(MemorySmsBackend.outbox) == 1 and MemorySmsBackend.outbox[0].to == "0912000001"
    assert mail.outbox == []
    _reset(client, with_contacts.username, _code(MemorySmsBackend.outbox[0].text))
    with_contacts.refresh_from_db()
    assert with_contacts.check_password(NEW_PASSWORD)


def test_without_an_sms_gateway_only_email_is_offered(client: Client, with_contacts: User, settings: Any) -> None:
    settings.CQS_SMS_BACKEND = "cqs.notifications.sms.DisabledSmsBackend"
    page = client.get(reverse("accounts:password_forgot")).content.decode()
    assert 'value="sms"' not in page
    client.post(reverse("accounts:password_forgot"), {"identifier": with_contacts.username, "channel": "sms"})
    assert not AccountCode.objects.exists()


def test_reset_codes_expire_and_die_after_wrong_tries(client: Client, with_contacts: User, settings: Any) -> None:
    settings.CQS_PASSWORD_RESET_MINUTES, settings.CQS_CODE_MAX_ATTEMPTS = 15, 5
    services.password_reset_request(identifier=with_contacts.username, channel="email")
    stored = AccountCode.objects.get()
    assert stored.channel == "email" and stored.expires_at <= timezone.now() + dt.timedelta(minutes=15)
    for _ in range(5):
        assert WRONG_RESET in _reset(client, with_contacts.username, "999999x").content.decode()
    stored.refresh_from_db()
    assert stored.voided_at is not None and stored.failed_attempts == 5
    services.password_reset_request(identifier=with_contacts.username, channel="email")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        live = AccountCode.objects.filter(voided_at__isnull=True).get()
        assert live.expires_at < timezone.now()


def test_reset_requests_are_rate_limited(client: Client, with_contacts: User, settings: Any) -> None:
    settings.CQS_PASSWORD_RESET_RATE_PER_HOUR, settings.CQS_PASSWORD_RESET_PER_ACCOUNT_PER_HOUR = 4, 2
    answers = [
        client.post(
            reverse("accounts:password_forgot"), {"identifier": with_contacts.username, "channel": "email"}
        ).status_code
        for _ in range(5)
    ]
    assert answers == [302, 302, 302, 302, 429]
    assert AccountCode.objects.count() == 2  # the account is sent at most 2 codes an hour, whoever asks


def test_reset_pages_are_accessible_forms(client: Client) -> None:
    html = client.get(reverse("accounts:password_reset")).content.decode()
    for field in ("identifier", "code", "new_password1", "new_password2"):
        assert f'<label for="id_{field}">' in html
    bad = client.post(reverse("accounts:password_reset"), {"identifier": "", "code": ""}).content.decode()
    assert 'role="alert"' in bad and 'aria-describedby="id_code_error"' in bad


# ---------------------------------------------------------------- officials: through their administrator


def test_an_official_resets_with_the_code_the_administrator_issued(
    client: Client, make_official: Callable[..., User], settings: Any
) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = True
    admin = make_official("quantri", roles=(Role.ADMINISTRATOR,))
    official = make_official("chuyenvien", totp_device=True)
    # the public form sends officials nothing
    services.password_reset_request(identifier="chuyenvien", channel="email")
    assert not AccountCode.objects.exists()
    issued = services.official_password_reset_issue(user=official, actor=admin)
    assert issued.code.channel == "administrator" and re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", issued.raw)
    assert _reset(client, "chuyenvien", issued.raw)["Location"] == reverse("accounts:login")
    assert _login(Client(), "chuyenvien", PASSWORD).status_code == 400
    response = _login(client, "chuyenvien", NEW_PASSWORD)
    assert response["Location"] == reverse("accounts:totp_verify")  # the second factor is still asked
    device = TOTPDevice.objects.get(user=official)
    assert client.post(reverse("accounts:totp_verify"), {"token": current_code(device)}).status_code == 302
    assert AuditEvent.objects.get(action="account.password_reset_issue").actor == admin
    for outsider in (make_official("lanhdao", roles=(Role.LEADER,)), official):
        with pytest.raises(NotFoundOrForbidden):
            services.official_password_reset_issue(user=official, actor=outsider)
