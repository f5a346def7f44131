"""Account pre-hijacking: a squatter's self-registered account gives way to whoever proves the identity."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts import services
from cqs.accounts.models import AccountCode, ApiToken, Role, User
from cqs.accounts.selectors import token_digest
from cqs.accounts.tests.conftest import PASSWORD, current_code, verify_identity
from cqs.accounts.tests.test_vneid import CLAIMS, Provider, _callback, _start, provider  # noqa: F401 (fixture)
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.models import AuditEvent
from cqs.notifications.models import Notification

pytestmark = pytest.mark.django_db

OWNER_ID = CLAIMS["citizen_id"]  # 001185000001, Lê Thị Mai, born 1985
SQUATTER_PASSWORD = "Kho-doan-lam-2025!"


def _register_as_squatter(client: Client, on_commit: Any, run_jobs: Callable[[], int]) -> User:
    """The squatter registers the owner's citizen ID through the real pages, with their own mailbox."""
    with on_commit(execute=True):
        client.post(
            reverse("accounts:register"),
            {
                "citizen_id": OWNER_ID,
                "full_name": "Lê Thị Mai",
                "date_of_birth": "08/03/1985",
                "email": "ke-gia-mao@example.vn",
                "phone": "0988000111",
                "password1": SQUATTER_PASSWORD,
                "password2": SQUATTER_PASSWORD,
            },
        )
    run_jobs()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)
    assert code is not None
    assert client.post(reverse("accounts:register_confirm"), {"code": code.group(1)}).status_code == 302
    return User.objects.get(citizen_id=OWNER_ID)


def _signed_in_as(client: Client) -> User | None:
    response = client.get(reverse("accounts:profile"))
    return response.context["account"] if response.status_code == 200 else None


def _legacy_token(user: User) -> str:
    """A token from before unverified accounts were refused one (tokens of that time still exist)."""
    raw = f"token-cu-{user.pk}-abcdefghijklmnopqrstuvwxyz"
    ApiToken.objects.create(
        user=user,
        name="cũ",
        digest=token_digest(raw),
        prefix=raw[:8],
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    return raw


def test_a_vneid_sign_in_takes_a_squatted_account_over_end_to_end(
    client: Client,
    provider: Provider,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
    run_jobs: Callable[[], int],
) -> None:
    squatter = Client()
    account = _register_as_squatter(squatter, django_capture_on_commit_callbacks, run_jobs)
    assert not account.identity_verified and _signed_in_as(squatter) == account
    raw = _legacy_token(account)
    api = Client()
    assert api.get("/api/v1/dossiers", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    squatter.get(reverse("accounts:totp_setup"))  # the squatter even turns a second factor on
    device = TOTPDevice.objects.get(user=account)
    squatter.post(reverse("accounts:totp_setup"), {"token": current_code(device)})
    assert TOTPDevice.objects.filter(user=account, confirmed=True).exists()
    squatter.post(reverse("accounts:password_forgot"), {"identifier": OWNER_ID, "channel": "email"})
    assert AccountCode.objects.filter(user=account, used_at__isnull=True, voided_at__isnull=True).exists()

    # The real owner signs in with VNeID.
    code, state = provider.authorize(_start(client), {**CLAIMS, "phone_number": "0912000999"})
    with django_capture_on_commit_callbacks(execute=True):
        page = _callback(client, code, state).content.decode()
    run_jobs()
    assert "Tài khoản đã được chuyển về bạn" in page
    assert _signed_in_as(client) == account
    account.refresh_from_db()
    assert account.identity_verified and account.identity_proof == "vneid"
    assert account.vneid_subject == CLAIMS["sub"]
    assert (account.email, account.phone, account.full_name) == ("mai@example.vn", "0912000999", "Lê Thị Mai")
    assert not account.has_usable_password()

    # Nothing the squatter held works any more.
    assert _signed_in_as(squatter) is None
    fresh = Client()
    fresh.post(reverse("accounts:login"), {"username": OWNER_ID, "password": SQUATTER_PASSWORD})
    assert _signed_in_as(fresh) is None
    assert api.get("/api/v1/dossiers", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert not TOTPDevice.objects.filter(user=account).exists()
    assert not AccountCode.objects.filter(user=account, used_at__isnull=True, voided_at__isnull=True).exists()

    # The owner is told, in the inbox and by email to the VNeID address; the squatter's address gets nothing.
    notice = Notification.objects.get(user=account, title="Tài khoản mang số định danh của bạn đã được chuyển về bạn")
    assert "mật khẩu, các phiên đăng nhập và mã truy cập cũ không còn dùng được" in notice.body
    assert any(m.to == ["mai@example.vn"] and m.subject == notice.title for m in mail.outbox)
    assert not any("ke-gia-mao@example.vn" in m.to and m.subject == notice.title for m in mail.outbox)
    event = AuditEvent.objects.get(action="account.vneid_takeover")
    assert event.before["email"] == "ke-gia-mao@example.vn" and event.after["email"] == "mai@example.vn"
    assert AuditEvent.objects.filter(action="account.api_tokens_revoke_all", object_id=str(account.pk)).exists()


def test_a_verified_account_is_linked_not_taken_over(client: Client, provider: Provider) -> None:  # noqa: F811
    existing = User.objects.create_user(
        username=OWNER_ID, citizen_id=OWNER_ID, full_name="Lê Thị Mai", password=PASSWORD, email="mai.cu@example.vn"
    )
    verify_identity(existing)
    code, state = provider.authorize(_start(client), CLAIMS)
    page = _callback(client, code, state).content.decode()
    assert "chuyển về bạn" not in page
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD) and existing.email == "mai.cu@example.vn"
    assert AuditEvent.objects.filter(action="account.vneid_link").exists()
    assert not AuditEvent.objects.filter(action="account.vneid_takeover").exists()


def test_a_new_vneid_account_is_verified(client: Client, provider: Provider) -> None:  # noqa: F811
    code, state = provider.authorize(_start(client), CLAIMS)
    _callback(client, code, state)
    user = User.objects.get(citizen_id=OWNER_ID)
    assert user.identity_verified and user.identity_proof == "vneid"


# ---------------------------------------------------------------- at the counter


@pytest.fixture
def officer(make_official: Callable[..., User]) -> User:
    return make_official("motcua", roles=(Role.ONE_STOP_OFFICER,))


def _officer_client(officer: User, settings: Any) -> Client:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    client = Client()
    client.force_login(officer)
    return client


def test_the_one_stop_officer_verifies_an_account_whose_details_match(
    officer: User, unverified_citizen: User, settings: Any
) -> None:
    citizen = unverified_citizen
    client = _officer_client(officer, settings)
    url = reverse("accounts:identity_counter")
    page = client.get(url, {"so": "040 095 001234"}).content.decode()
    assert "Nguyễn Văn An" in page and "Chưa xác minh" in page
    refused = client.post(f"{url}?so={citizen.citizen_id}", {"action": "verify", "document": ""})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Vui lòng ghi loại và số giấy tờ đã đối chiếu." in html and "Vui lòng xác nhận đã đối chiếu bản gốc." in html
    assert 'aria-describedby="verify_document_error"' in html
    response = client.post(
        f"{url}?so={citizen.citizen_id}", {"action": "verify", "document": "Thẻ CCCD gắn chip", "confirm": "on"}
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.identity_verified and citizen.identity_proof == "counter"
    event = AuditEvent.objects.get(action="account.identity_verify")
    assert event.actor == officer and event.after["document"] == "Thẻ CCCD gắn chip"
    assert Notification.objects.filter(user=citizen, title="Tài khoản của bạn đã được xác minh danh tính").exists()
    assert "Đã xác minh" in client.get(url, {"so": citizen.citizen_id}).content.decode()
    with pytest.raises(ValidationFailed):
        services.identity_verify_at_counter(user=citizen, actor=officer, document="lần hai")


def test_the_counter_gives_a_squatted_account_back_to_the_card_holder(
    officer: User,
    settings: Any,
    client: Client,
    django_capture_on_commit_callbacks: Any,
    run_jobs: Callable[[], int],
) -> None:
    squatter = Client()
    account = _register_as_squatter(squatter, django_capture_on_commit_callbacks, run_jobs)
    officer_client = _officer_client(officer, settings)
    url = f"{reverse('accounts:identity_counter')}?so={OWNER_ID}"
    response = officer_client.post(
        url,
        {
            "action": "reclaim",
            "document": "Thẻ CCCD gắn chip của bà Mai",
            "full_name": "Lê Thị Mai",
            "date_of_birth": "08/03/1985",
            "email": "mai@example.vn",
            "phone": "",
            "confirm": "on",
        },
    )
    page = response.content.decode()
    code = re.search(r'<code id="reset-code" class="code-big">([A-Z0-9-]+)</code>', page)
    assert response.status_code == 200 and code is not None
    assert _signed_in_as(squatter) is None
    account.refresh_from_db()
    assert account.identity_proof == "counter" and account.email == "mai@example.vn" and account.phone == ""
    # the owner sets a password with the code handed over
    client.post(
        reverse("accounts:password_reset"),
        {"identifier": OWNER_ID, "code": code.group(1), "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    client.post(reverse("accounts:login"), {"username": OWNER_ID, "password": PASSWORD})
    assert _signed_in_as(client) == account
    assert AuditEvent.objects.get(action="account.identity_reclaim").actor == officer


def test_who_may_not_use_the_counter_page(
    client: Client, unverified_citizen: User, make_official: Callable[..., User], settings: Any
) -> None:
    citizen = unverified_citizen
    url = reverse("accounts:identity_counter")
    assert client.get(url)["Location"].startswith(reverse("accounts:login"))
    client.force_login(citizen)
    assert client.get(url, {"so": citizen.citizen_id}).status_code == 404
    assert client.post(f"{url}?so={citizen.citizen_id}", {"action": "verify"}).status_code == 404
    leader = _officer_client(make_official("lanhdao", roles=(Role.LEADER,)), settings)
    assert leader.get(url).status_code == 404
    response = leader.post(f"{url}?so={citizen.citizen_id}", {"action": "verify", "document": "x", "confirm": "on"})
    assert response.status_code == 404
    citizen.refresh_from_db()
    assert not citizen.identity_verified
    with pytest.raises(NotFoundOrForbidden):
        services.identity_verify_at_counter(
            user=citizen, actor=make_official("quantri", roles=(Role.ADMINISTRATOR,)), document="x"
        )


def test_officials_accounts_are_not_found_at_the_counter(
    officer: User, make_official: Callable[..., User], settings: Any
) -> None:
    client = _officer_client(officer, settings)
    make_official("lanhdao")
    page = client.get(reverse("accounts:identity_counter"), {"so": "lanhdao"}).content.decode()
    assert "Không có tài khoản công dân, tổ chức nào mang số này." in page
