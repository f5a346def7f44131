from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts.api.auth import SessionAuth
from cqs.accounts.models import ApiToken, LoginAttempt, Role, User
from cqs.accounts.permissions import user_is_verified_official
from cqs.accounts.selectors import api_token_user
from cqs.accounts.tests.conftest import PASSWORD, REGISTRATION, current_code

pytestmark = pytest.mark.django_db

THROTTLED = "Bạn đã nhập sai nhiều lần. Vui lòng thử lại sau 1 phút."
BAD_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."


def _login(client: Client, username: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("accounts:login"), {"username": username, "password": password, **extra})


def _logged_in_user(client: Client) -> User | None:
    response = client.get(reverse("accounts:profile"))
    return response.context["account"] if response.status_code == 200 else None


def _verified_official_client(username: str, make_official: Callable[..., User], **kwargs: object) -> Client:
    official = make_official(username, totp_device=True, **kwargs)
    client = Client()
    _login(client, username)
    device = TOTPDevice.objects.get(user=official)
    response = client.post(reverse("accounts:totp_verify"), {"token": current_code(device)})
    assert response.status_code == 302
    return client


# ---------------------------------------------------------------- password login


def test_login_page_offers_vneid_disabled_when_not_configured(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.VNEID_OIDC = {**settings.VNEID_OIDC, "CLIENT_ID": ""}
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Đăng nhập VNeID chưa được cấu hình cho cổng này." in html
    assert re.search(r"<button[^>]*disabled[^>]*>\s*Đăng nhập bằng VNeID", html)
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert client.get(reverse("accounts:vneid_start")).status_code == 404
    assert client.get(reverse("accounts:vneid_callback")).status_code == 404


def test_citizen_logs_in_with_the_citizen_id(client: Client, citizen: User) -> None:
    response = _login(client, "040 095 001234", next="/thu-tuc/")
    assert response.status_code == 302 and response["Location"] == "/thu-tuc/"
    assert _logged_in_user(client) == citizen
    assert LoginAttempt.objects.get().succeeded


def test_open_redirects_are_ignored(client: Client, citizen: User) -> None:
    response = _login(client, citizen.username, next="https://evil.example/")
    assert response["Location"] == reverse("administration:landing")


def test_wrong_password_gives_a_generic_error(client: Client, citizen: User) -> None:
    response = _login(client, citizen.username, "sai-mat-khau")
    assert response.status_code == 400
    assert BAD_CREDENTIALS in response.content.decode()
    response = _login(client, "khongcoai", "sai-mat-khau")
    assert BAD_CREDENTIALS in response.content.decode()
    assert _logged_in_user(client) is None


def test_five_failures_lock_even_the_right_password(client: Client, citizen: User) -> None:
    for _ in range(5):
        assert BAD_CREDENTIALS in _login(client, citizen.username, "sai-mat-khau").content.decode()
    response = _login(client, citizen.username)
    html = response.content.decode()
    assert THROTTLED in html and BAD_CREDENTIALS not in html
    assert _logged_in_user(client) is None
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert _login(client, citizen.username).status_code == 302
    assert _logged_in_user(client) == citizen


def test_logout_is_a_post(client: Client, citizen: User) -> None:
    client.force_login(citizen)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert _logged_in_user(client) is None


# ---------------------------------------------------------------- officials and TOTP


def test_official_with_a_device_must_give_the_code(client: Client, make_official: Callable[..., User]) -> None:
    make_official("chuyenvien", totp_device=True)
    response = _login(client, "chuyenvien", next=reverse("official_page"))
    assert response["Location"] == reverse("accounts:totp_verify")
    assert client.get(reverse("official_page"))["Location"].startswith(reverse("accounts:login"))
    # enrolling a new device is not a way around the code: it asks for an administrator's activation code
    setup = client.get(reverse("accounts:totp_setup")).content.decode()
    assert 'name="activation_code"' in setup and 'id="totp-secret"' not in setup
    wrong = client.post(reverse("accounts:totp_verify"), {"token": "abcdef"})
    assert "Mã xác thực không đúng hoặc đã hết hạn." in wrong.content.decode()
    assert _logged_in_user(client) is None
    device = TOTPDevice.objects.get(user__username="chuyenvien")
    response = client.post(reverse("accounts:totp_verify"), {"token": current_code(device)})
    assert response["Location"] == reverse("official_page")
    assert client.get(reverse("official_page")).content == b"official page"


def test_pending_password_step_expires(client: Client, make_official: Callable[..., User]) -> None:
    make_official("chuyenvien", totp_device=True)
    _login(client, "chuyenvien")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        response = client.get(reverse("accounts:totp_verify"))
    assert response["Location"] == reverse("accounts:login")


def test_official_required_denies_by_default(client: Client, citizen: User, make_official: Callable[..., User]) -> None:
    anonymous = client.get(reverse("official_page"))
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"{reverse('accounts:login')}?next={reverse('official_page')}"
    client.force_login(citizen)
    assert client.get(reverse("official_page")).status_code == 404
    assert client.get(reverse("desk_page")).status_code == 404
    specialist = _verified_official_client("chuyenvien", make_official, roles=(Role.SPECIALIST,))
    assert specialist.get(reverse("official_page")).status_code == 200
    assert specialist.get(reverse("desk_page")).status_code == 404
    desk = _verified_official_client("motcua", make_official, roles=(Role.ONE_STOP_OFFICER,))
    assert desk.get(reverse("desk_page")).status_code == 200


def test_official_session_without_otp_is_sent_to_the_totp_step(
    client: Client,
    settings,
    make_official: Callable[..., User],  # type: ignore[no-untyped-def]
) -> None:
    with_device = make_official("cothietbi", roles=(Role.ONE_STOP_OFFICER,), totp_device=True)
    client.force_login(with_device)  # e.g. a session opened elsewhere without the second factor
    response = client.get(reverse("desk_page"))
    assert response["Location"] == f"{reverse('accounts:totp_verify')}?next=%2Fthu-nghiem%2Fmot-cua%2F"
    assert client.get(reverse("accounts:api_tokens"))["Location"].startswith(reverse("accounts:totp_verify"))
    device = TOTPDevice.objects.get(user=with_device)
    response = client.post(
        f"{reverse('accounts:totp_verify')}?next=/thu-nghiem/mot-cua/", {"token": current_code(device)}
    )
    assert response["Location"] == "/thu-nghiem/mot-cua/"
    assert client.get(reverse("desk_page")).status_code == 200

    other = Client()
    other.force_login(make_official("chuacothietbi"))
    assert other.get(reverse("official_page"))["Location"].startswith(reverse("accounts:totp_setup"))
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    assert other.get(reverse("official_page")).status_code == 200


def test_user_is_verified_official(citizen: User, make_official: Callable[..., User], settings) -> None:  # type: ignore[no-untyped-def]
    official = make_official("lanhdao", roles=(Role.LEADER,))
    assert not user_is_verified_official(citizen)
    assert not user_is_verified_official(official)  # not verified by a device in a session
    official.is_verified = lambda: True  # type: ignore[attr-defined]
    assert user_is_verified_official(official)
    assert user_is_verified_official(official, Role.LEADER)
    assert not user_is_verified_official(official, Role.CLERK)
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    assert user_is_verified_official(make_official("khac"))


def test_api_session_auth_refuses_an_official_without_otp(make_official: Callable[..., User], citizen: User) -> None:
    request = RequestFactory().get("/api/v1/")
    request.user = make_official("motcua")
    assert SessionAuth().authenticate(request, "x") is None
    request.user = citizen
    assert SessionAuth().authenticate(request, "x") == citizen


def test_citizen_may_enable_totp_and_is_then_asked_for_it(client: Client, citizen: User) -> None:
    client.force_login(citizen)
    client.get(reverse("accounts:totp_setup"))
    device = TOTPDevice.objects.get(user=citizen)
    assert client.post(reverse("accounts:totp_setup"), {"token": current_code(device)})["Location"] == reverse(
        "accounts:profile"
    )
    assert "đang bật" in client.get(reverse("accounts:profile")).content.decode()
    fresh = Client()
    assert _login(fresh, citizen.username)["Location"] == reverse("accounts:totp_verify")
    assert _logged_in_user(fresh) is None


def test_totp_code_command(make_official: Callable[..., User], settings) -> None:  # type: ignore[no-untyped-def]
    official = make_official("motcua", totp_device=True)
    out = StringIO()
    call_command("totp_code", "motcua", stdout=out, stderr=StringIO())
    device = TOTPDevice.objects.get(user=official)
    assert out.getvalue().strip() == current_code(device)
    with pytest.raises(CommandError, match="chưa bật xác thực hai lớp"):
        call_command("totp_code", make_official("khac").username, stderr=StringIO())
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="không được chạy ở môi trường sản xuất"):
        call_command("totp_code", "motcua")


# ---------------------------------------------------------------- registration, profile, API tokens


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"citizen_id": "040695001234"},
            "citizen_id",
            "Chữ số thứ tư (6) là mã giới tính và thế kỷ sinh, chỉ được từ 0 đến 5.",
        ),
        (
            {"date_of_birth": "05/09/1996"},
            "date_of_birth",
            "Năm sinh 1996 không khớp với năm sinh theo số định danh cá nhân (1995).",
        ),
        ({"date_of_birth": "1995-09-05"}, "date_of_birth", "Ngày sinh phải có dạng ngày/tháng/năm, ví dụ 05/09/1995."),
        ({"password2": "khac-hoan-toan-1"}, "password2", "Hai lần nhập mật khẩu không giống nhau."),
        ({"full_name": ""}, "full_name", "Vui lòng nhập họ và tên."),
    ],
)
def test_registration_errors_are_shown_on_their_fields(
    client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    response = client.post(reverse("accounts:register"), {**REGISTRATION, **changes})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<ul class="errorlist" id="id_{field}_error"><li>{message}</li></ul>' in html
    assert re.search(
        rf'<input[^>]*aria-invalid="true"[^>]*id="id_{field}"|<input[^>]*id="id_{field}"[^>]*aria-invalid="true"', html
    )
    assert 'role="alert"' in html
    assert not User.objects.exists()


def test_profile_shows_roles_and_links(client: Client, make_official: Callable[..., User]) -> None:
    official_client = _verified_official_client("lanhdao", make_official, roles=(Role.LEADER,))
    html = official_client.get(reverse("accounts:profile")).content.decode()
    assert "Lãnh đạo — UBND tỉnh Nghệ An" in html
    assert reverse("accounts:totp_setup") in html and reverse("accounts:api_tokens") in html
    assert client.get(reverse("accounts:profile"))["Location"].startswith(reverse("accounts:login"))


def test_api_tokens_page_issue_once_list_revoke(client: Client, citizen: User) -> None:
    client.force_login(citizen)
    response = client.post(reverse("accounts:api_tokens"), {"action": "issue", "name": "Ứng dụng di động"})
    html = response.content.decode()
    raw = re.search(r'id="issued-token" type="text" readonly value="([^"]+)"', html)
    assert raw is not None
    assert api_token_user(token=raw.group(1)) == citizen
    listing = client.get(reverse("accounts:api_tokens")).content.decode()
    assert "Ứng dụng di động" in listing and raw.group(1) not in listing
    token = ApiToken.objects.get()
    client.post(reverse("accounts:api_tokens"), {"action": "revoke", "token_id": str(token.pk)})
    assert api_token_user(token=raw.group(1)) is None
    assert "Đã thu hồi" in client.get(reverse("accounts:api_tokens")).content.decode()
    missing = client.post(reverse("accounts:api_tokens"), {"action": "revoke", "token_id": "999999"}, follow=True)
    assert "Không tìm thấy mã truy cập." in missing.content.decode()
    bad = client.post(reverse("accounts:api_tokens"), {"action": "issue", "name": "x", "expires_on": "01/01/2000"})
    assert "Thời điểm hết hạn phải ở tương lai." in bad.content.decode()


@pytest.mark.django_db
def test_registering_with_an_impossible_birth_date_names_it(client):
    response = client.post(
        "/dang-ky/",
        {
            "citizen_id": "040095001234",
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "30/02/1995",
            "email": "an@example.vn",
            "password1": "Hoa-sen-no-2025!",
            "password2": "Hoa-sen-no-2025!",
        },
    )
    assert response.status_code == 400
    assert "Ngày 30/02/1995 không có thật: tháng 2 năm 1995 chỉ có 28 ngày." in response.content.decode()
