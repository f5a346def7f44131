"""The second factor: enrolment needs an activation code (or a fully verified session); the code step's messages."""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts import services
from cqs.accounts.codes import code_digest
from cqs.accounts.models import AccountCode, Role, User
from cqs.accounts.tests.conftest import PASSWORD, current_code
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.models import AuditEvent
from cqs.notifications.models import Notification
from cqs.units.models import AdministrativeUnit, Agency

pytestmark = pytest.mark.django_db

WRONG_ACTIVATION = "Mã kích hoạt không đúng, đã dùng hoặc đã hết hạn. Vui lòng đề nghị quản trị viên cấp mã mới."


def _login(client: Client, username: str, **extra: str) -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD, **extra})


def _secret_on(html: str) -> str | None:
    found = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html)
    return found.group(1) if found else None


def _other_code(device: TOTPDevice) -> str:
    return "000000" if current_code(device) != "000000" else "111111"


@pytest.fixture
def admin(make_official: Callable[..., User]) -> User:
    return make_official("quantri", roles=(Role.ADMINISTRATOR,))


# ---------------------------------------------------------------- the attack: a password alone


def test_the_password_alone_never_shows_a_secret_nor_enrols_a_device(
    client: Client, make_official: Callable[..., User]
) -> None:
    official = make_official("motcua", roles=(Role.ONE_STOP_OFFICER,))
    response = _login(client, "motcua", next=reverse("desk_page"))
    assert response["Location"] == reverse("accounts:totp_setup")
    page = client.get(reverse("accounts:totp_setup"))
    html = page.content.decode()
    assert page.status_code == 200
    assert _secret_on(html) is None and "<svg" not in html
    assert 'name="activation_code"' in html and "Mã kích hoạt do quản trị viên của cơ quan cấp" in html
    assert not TOTPDevice.objects.filter(user=official).exists()
    # a code from a guessed secret has nothing to confirm, a guessed activation code is refused
    assert client.post(reverse("accounts:totp_setup"), {"token": "123456"}).status_code == 200
    wrong = client.post(reverse("accounts:totp_setup"), {"activation_code": "ABCD-EFGH-JKMN"})
    assert wrong.status_code == 400 and WRONG_ACTIVATION in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=official).exists()
    assert client.get(reverse("desk_page"))["Location"].startswith(reverse("accounts:login"))


# ---------------------------------------------------------------- the way in: an activation code


def test_an_official_enrols_with_the_activation_code_the_administrator_issued(
    client: Client, make_official: Callable[..., User], admin: User
) -> None:
    official = make_official("motcua", roles=(Role.ONE_STOP_OFFICER,))
    issued = services.totp_activation_issue(user=official, actor=admin)
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}", issued.raw)
    _login(client, "motcua", next=reverse("desk_page"))
    response = client.post(reverse("accounts:totp_setup"), {"activation_code": issued.raw.lower().replace("-", " ")})
    assert response.status_code == 302
    page = client.get(reverse("accounts:totp_setup")).content.decode()
    device = TOTPDevice.objects.get(user=official, confirmed=False)
    secret = _secret_on(page)
    assert secret is not None and "<svg" in page and "<img" not in page
    typed = secret.replace(" ", "")
    assert base64.b32decode(typed + "=" * (-len(typed) % 8)) == device.bin_key
    assert _secret_on(client.get(reverse("accounts:totp_setup")).content.decode()) == secret  # a reload keeps it
    assert TOTPDevice.objects.filter(user=official).count() == 1
    wrong = client.post(reverse("accounts:totp_setup"), {"token": _other_code(device)})
    assert wrong.status_code == 400 and "Mã xác thực không đúng." in wrong.content.decode()
    response = client.post(reverse("accounts:totp_setup"), {"token": current_code(device)})
    assert response["Location"] == reverse("desk_page")
    assert client.get(reverse("desk_page")).content == b"one-stop desk"
    device.refresh_from_db()
    assert device.confirmed
    issued.code.refresh_from_db()
    assert issued.code.used_at is not None
    actions = list(
        AuditEvent.objects.filter(object_id__in=[str(official.pk), str(device.pk)]).values_list("action", flat=True)
    )
    assert actions[-3:] == ["account.totp_activation_issue", "account.totp_enrol_start", "account.totp_enable"]
    assert AuditEvent.objects.get(action="account.totp_activation_issue").actor == admin
    assert all("key" not in (e.after or {}) and device.key not in str(e.after) for e in AuditEvent.objects.all())
    assert Notification.objects.filter(user=official, title__startswith="Quản trị viên đã cấp mã kích hoạt").exists()
    # single use: the same code does not open a second enrolment
    other = Client()
    _login(other, "motcua")
    assert _secret_on(other.get(reverse("accounts:totp_setup")).content.decode()) is None
    other.post(reverse("accounts:totp_setup"), {"activation_code": issued.raw})
    assert _secret_on(other.get(reverse("accounts:totp_setup")).content.decode()) is None
    with pytest.raises(ValidationFailed) as caught:
        services.totp_enrol_start(user=official, activation_code=issued.raw)
    assert caught.value.message == WRONG_ACTIVATION


def test_activation_codes_expire_are_voided_by_a_newer_one_and_by_wrong_tries(
    make_official: Callable[..., User], admin: User, settings: Any
) -> None:
    settings.CQS_TOTP_ACTIVATION_HOURS, settings.CQS_CODE_MAX_ATTEMPTS = 72, 5
    official = make_official("chuyenvien")
    first = services.totp_activation_issue(user=official, actor=admin)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=73)), pytest.raises(ValidationFailed):
        services.totp_enrol_start(user=official, activation_code=first.raw)
    second = services.totp_activation_issue(user=official, actor=admin)
    third = services.totp_activation_issue(user=official, actor=admin)
    with pytest.raises(ValidationFailed):
        services.totp_enrol_start(user=official, activation_code=second.raw)  # superseded by the third
    for _attempt in range(5):
        with pytest.raises(ValidationFailed):
            services.totp_enrol_start(user=official, activation_code="AAAA-AAAA-AAAA")
    third.code.refresh_from_db()
    assert third.code.failed_attempts == 5 and third.code.voided_at is not None
    with pytest.raises(ValidationFailed):
        services.totp_enrol_start(user=official, activation_code=third.raw)  # the right code, too late
    assert not TOTPDevice.objects.filter(user=official).exists()


def test_codes_are_stored_only_as_keyed_digests(make_official: Callable[..., User], admin: User) -> None:
    import hashlib

    official = make_official("chuyenvien")
    issued = services.totp_activation_issue(user=official, actor=admin)
    stored = AccountCode.objects.get()
    normalised = issued.raw.replace("-", "")
    assert normalised not in stored.digest and issued.raw not in stored.digest
    assert stored.digest != hashlib.sha256(normalised.encode()).hexdigest()
    assert stored.digest == code_digest(AccountCode.Purpose.TOTP_ACTIVATION, issued.raw)
    assert issued.raw not in str(AuditEvent.objects.get(action="account.totp_activation_issue").after)


def test_who_may_issue_an_activation_code(
    make_official: Callable[..., User], admin: User, agency: Agency, citizen: User
) -> None:
    """The official's own administrators (the commune's, or the province's), never anyone else."""
    province = agency.unit
    commune = AdministrativeUnit.objects.create(
        code="16681", name="Phường Trường Vinh", level="commune", division_type="phường", parent=province
    )
    other_commune = AdministrativeUnit.objects.create(
        code="16682", name="Xã Hưng Nguyên", level="commune", division_type="xã", parent=province
    )
    commune_agency = Agency.objects.create(
        electronic_code="H40.1", name="UBND phường Trường Vinh", kind="commune_committee", unit=commune
    )
    other_agency = Agency.objects.create(
        electronic_code="H40.2", name="UBND xã Hưng Nguyên", kind="commune_committee", unit=other_commune
    )
    official = make_official("motcua", roles=(Role.ONE_STOP_OFFICER,))
    official.agency = commune_agency
    official.save()
    commune_admin = make_official("quantrixa")
    commune_admin.agency = commune_agency
    commune_admin.save()
    commune_admin.roles.create(role=Role.ADMINISTRATOR, agency=commune_agency)
    other_admin = make_official("quantrixakhac")
    other_admin.roles.create(role=Role.ADMINISTRATOR, agency=other_agency)
    leader = make_official("lanhdao", roles=(Role.LEADER,))
    for outsider in (other_admin, leader, citizen):
        with pytest.raises(NotFoundOrForbidden):
            services.totp_activation_issue(user=official, actor=outsider)
    assert services.totp_activation_issue(user=official, actor=commune_admin).raw
    assert services.totp_activation_issue(user=official, actor=admin).raw  # the province's administrator
    with pytest.raises(NotFoundOrForbidden):
        services.totp_activation_issue(user=citizen, actor=admin)  # only officials
    assert AccountCode.objects.count() == 2


def test_a_lost_phone_is_replaced_with_a_new_activation_code(
    client: Client, make_official: Callable[..., User], admin: User
) -> None:
    official = make_official("chuyenvien", totp_device=True)
    old = TOTPDevice.objects.get(user=official)
    _login(client, "chuyenvien")
    page = client.get(reverse("accounts:totp_setup")).content.decode()
    assert _secret_on(page) is None and "Mất điện thoại hoặc đổi điện thoại?" in page
    issued = services.totp_activation_issue(user=official, actor=admin)
    client.post(reverse("accounts:totp_setup"), {"activation_code": issued.raw})
    new = TOTPDevice.objects.get(user=official, confirmed=False)
    assert client.post(reverse("accounts:totp_setup"), {"token": current_code(new)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=official)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert Notification.objects.filter(user=official, title="Ứng dụng xác thực của tài khoản đã được thay").exists()
    assert client.get(reverse("official_page")).content == b"official page"


def test_a_verified_session_may_move_to_a_new_phone_without_a_code(
    client: Client, make_official: Callable[..., User]
) -> None:
    official = make_official("chuyenvien", totp_device=True)
    old = TOTPDevice.objects.get(user=official)
    _login(client, "chuyenvien")
    client.post(reverse("accounts:totp_verify"), {"token": current_code(old)})
    page = client.get(reverse("accounts:totp_setup")).content.decode()
    assert "Chuyển sang ứng dụng xác thực trên điện thoại mới" in page and _secret_on(page) is None
    client.post(reverse("accounts:totp_setup"), {"action": "start"})
    new = TOTPDevice.objects.get(user=official, confirmed=False)
    assert _secret_on(client.get(reverse("accounts:totp_setup")).content.decode()) is not None
    response = client.post(reverse("accounts:totp_setup"), {"token": current_code(new)})
    assert response["Location"] == reverse("accounts:profile")
    assert list(TOTPDevice.objects.filter(user=official)) == [new]
    # an official whose session has not passed the TOTP step may not "start" without a code
    fresh = Client()
    _login(fresh, "chuyenvien")
    fresh.post(reverse("accounts:totp_setup"), {"action": "start"})
    assert not TOTPDevice.objects.filter(user=official, confirmed=False).exists()


# ---------------------------------------------------------------- the code step


def test_a_wrong_code_says_wrong_and_only_real_throttling_says_wait(
    client: Client, make_official: Callable[..., User]
) -> None:
    official = make_official("chuyenvien", totp_device=True)
    device = TOTPDevice.objects.get(user=official)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _login(client, "chuyenvien")
        first = client.post(reverse("accounts:totp_verify"), {"token": _other_code(device)}).content.decode()
        assert "Mã xác thực không đúng hoặc đã hết hạn." in first and "nhiều lần" not in first
        throttled = client.post(reverse("accounts:totp_verify"), {"token": current_code(device)}).content.decode()
        assert "Bạn đã nhập sai mã nhiều lần. Vui lòng đợi 1 giây rồi thử lại." in throttled
    with time_machine.travel(start + dt.timedelta(seconds=2), tick=False):
        second = client.post(reverse("accounts:totp_verify"), {"token": "12ab"}).content.decode()
        assert "Mã xác thực không đúng hoặc đã hết hạn." in second and "nhiều lần" not in second
    with time_machine.travel(start + dt.timedelta(seconds=6), tick=False):
        assert client.post(reverse("accounts:totp_verify"), {"token": current_code(device)}).status_code == 302


def test_totp_verify_verdicts(make_official: Callable[..., User]) -> None:
    official = make_official("chuyenvien", totp_device=True)
    device = TOTPDevice.objects.get(user=official)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        code = current_code(device)
        assert services.totp_verify(user=official, token=code).verdict is services.TotpVerdict.OK
        assert services.totp_verify(user=official, token=code).verdict is services.TotpVerdict.WRONG  # no replay
        check = services.totp_verify(user=official, token=code)
        assert check.verdict is services.TotpVerdict.THROTTLED and check.wait_seconds == 1
    with time_machine.travel(start + dt.timedelta(seconds=65), tick=False):
        assert services.totp_verify(user=official, token=current_code(device)).verdict is services.TotpVerdict.OK
    citizen_without_device = User.objects.create_user(username="001185000001", full_name="x")
    assert services.totp_verify(user=citizen_without_device, token="123456").verdict is services.TotpVerdict.WRONG
