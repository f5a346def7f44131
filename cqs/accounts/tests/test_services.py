from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.utils import timezone

from config.settings import PASSWORD_HASHERS as PRODUCTION_HASHERS
from cqs.accounts import services
from cqs.accounts.models import ApiToken, Role, RoleAssignment, User
from cqs.accounts.selectors import api_token_user, token_digest
from cqs.accounts.tests.conftest import PASSWORD
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.models import AuditEvent
from cqs.units.models import Agency

pytestmark = pytest.mark.django_db


def _register(**overrides: object) -> User:
    data: dict[str, object] = {
        "citizen_id": "040095001234",
        "full_name": "Nguyễn Thị Hoa",
        "password": PASSWORD,
        "email": "hoa@example.vn",
        "phone": "0912 345 678",
        "date_of_birth": dt.date(1995, 9, 5),
    }
    data.update(overrides)
    return services.citizen_register(**data)  # type: ignore[arg-type]


def _errors(caught: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return caught.value.extra["errors"]  # type: ignore[no-any-return]


def test_citizen_register_creates_an_audited_citizen_with_an_argon2_password(settings: Any) -> None:
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Hoa"  # NFD, as some keyboards send it
    user = _register(full_name=decomposed)
    assert user.username == user.citizen_id == "040095001234"
    assert user.kind == User.Kind.CITIZEN
    assert user.full_name == "Nguyễn Thị Hoa"
    assert user.phone == "0912345678"
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password(PASSWORD)
    event = AuditEvent.objects.get(action="account.create")
    assert event.object_id == str(user.pk)
    assert event.after["citizen_id"] == "040095001234"
    assert "password" not in event.after


def test_duplicate_citizen_id_is_refused_clearly() -> None:
    _register()
    with pytest.raises(ValidationFailed) as caught:
        _register(citizen_id="040 095 001234", email="khac@example.vn")
    assert _errors(caught) == {
        "citizen_id": "Số định danh cá nhân này đã có tài khoản. "
        "Vui lòng đăng nhập bằng số định danh và mật khẩu của bạn."
    }
    assert User.objects.count() == 1


def test_bad_citizen_id_creates_nothing() -> None:
    with pytest.raises(ValidationFailed) as caught:
        _register(citizen_id="003095001234")
    assert _errors(caught)["citizen_id"] == ("Ba chữ số đầu (003) không phải mã tỉnh, thành phố nơi đăng ký khai sinh.")
    assert caught.value.message == "Thông tin chưa hợp lệ, vui lòng sửa các mục được đánh dấu."
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_birth_year_must_match_the_citizen_id() -> None:
    with pytest.raises(ValidationFailed) as caught:
        _register(date_of_birth=dt.date(1996, 1, 2))
    assert _errors(caught) == {
        "date_of_birth": "Năm sinh 1996 không khớp với năm sinh theo số định danh cá nhân (1995)."
    }
    assert not User.objects.exists()


def test_weak_password_and_bad_contacts_are_reported_per_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        _register(password="12345", email="khong-phai-email", phone="12ab", full_name="  ")
    errors = _errors(caught)
    assert set(errors) == {"password", "email", "phone", "full_name"}
    assert errors["email"] == "Địa chỉ thư điện tử không hợp lệ (ví dụ: ten@example.vn)."
    assert errors["phone"] == "Số điện thoại không hợp lệ: 10 hoặc 11 chữ số, bắt đầu bằng 0 hoặc +84."
    assert errors["full_name"] == "Vui lòng nhập họ và tên."
    assert not User.objects.exists()


def test_business_register_uses_the_tax_code() -> None:
    user = services.business_register(
        tax_code="0100109106", full_name="Tập đoàn Viettel", password=PASSWORD, email="lienhe@viettel.example"
    )
    assert (user.username, user.tax_code, user.kind) == ("0100109106", "0100109106", User.Kind.BUSINESS)
    branch = services.business_register(
        tax_code="0100109106001", full_name="Chi nhánh", password=PASSWORD, email="cn@viettel.example"
    )
    assert branch.username == "0100109106-001"
    with pytest.raises(ValidationFailed) as caught:
        services.business_register(tax_code="0100109107", full_name="X", password=PASSWORD, email="x@example.vn")
    assert _errors(caught) == {"tax_code": "Mã số thuế không hợp lệ: chữ số kiểm tra (chữ số thứ 10) không đúng."}
    with pytest.raises(ValidationFailed) as caught:
        services.business_register(tax_code="0100109106", full_name="X", password=PASSWORD, email="x@example.vn")
    assert _errors(caught)["tax_code"].startswith("Mã số thuế này đã có tài khoản.")


def test_official_create_with_roles_by_an_administrator(agency: Agency, make_official: Callable[..., User]) -> None:
    admin = make_official("quantri", roles=(Role.ADMINISTRATOR,))
    official = services.official_create(
        username="motcua.nghean",
        password=PASSWORD,
        full_name="Trần Văn Bình",
        email="binh@nghean.gov.vn",
        agency=agency,
        roles=[Role.ONE_STOP_OFFICER, Role.SPECIALIST],
        actor=admin,
    )
    assert official.is_official and official.agency == agency
    assert official.has_role(Role.ONE_STOP_OFFICER)
    assert official.has_role(Role.SPECIALIST)
    assert not official.has_role(Role.LEADER)
    actions = list(AuditEvent.objects.filter(actor=admin).values_list("action", flat=True))
    assert actions == ["account.create", "account.role_grant", "account.role_grant"]


def test_only_administrators_create_officials(agency: Agency, make_official: Callable[..., User]) -> None:
    clerk = make_official("vanthu", roles=(Role.CLERK,))
    with pytest.raises(NotFoundOrForbidden):
        services.official_create(
            username="moi", password=PASSWORD, full_name="A", email="a@example.vn", agency=agency, roles=[], actor=clerk
        )
    with pytest.raises(ValidationFailed) as caught:
        services.official_create(
            username="040095001234",
            password=PASSWORD,
            full_name="A",
            email="a@example.vn",
            agency=agency,
            roles=["king"],
            actor=None,
        )
    assert _errors(caught) == {
        "username": "Tên đăng nhập của cán bộ không được chỉ gồm chữ số (dành cho số định danh và mã số thuế).",
        "roles": "Vai trò không tồn tại: king.",
    }


def test_role_grant_and_revoke_are_audited(agency: Agency, make_official: Callable[..., User]) -> None:
    official = make_official("chuyenvien")
    services.role_grant(user=official, role=Role.LEADER, agency=agency, actor=None)
    assert User.objects.get(pk=official.pk).has_role(Role.LEADER)
    with pytest.raises(ValidationFailed):
        services.role_grant(user=official, role=Role.LEADER, agency=agency, actor=None)
    services.role_revoke(user=official, role=Role.LEADER, agency=agency, actor=None)
    assert not RoleAssignment.objects.filter(user=official).exists()
    with pytest.raises(NotFoundOrForbidden):
        services.role_revoke(user=official, role=Role.LEADER, agency=agency, actor=None)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["account.role_grant", "account.role_revoke"]


def test_citizens_get_no_roles(agency: Agency, citizen: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.role_grant(user=citizen, role=Role.LEADER, agency=agency, actor=None)
    assert caught.value.message == "Chỉ tài khoản cán bộ, công chức mới được phân vai trò."
    assert not citizen.has_role(Role.LEADER)


def test_user_deactivate(citizen: User, make_official: Callable[..., User]) -> None:
    admin = make_official("quantri", roles=(Role.ADMINISTRATOR,))
    _token, raw = services.api_token_issue(user=citizen, name="app", actor=citizen)
    services.user_deactivate(user=citizen, actor=admin)
    citizen.refresh_from_db()
    assert not citizen.is_active
    assert api_token_user(token=raw) is None
    with pytest.raises(ValidationFailed):
        services.user_deactivate(user=admin, actor=admin)
    assert AuditEvent.objects.filter(action="account.deactivate", object_id=str(citizen.pk)).exists()


def test_api_token_issue_authenticate_revoke(citizen: User) -> None:
    token, raw = services.api_token_issue(user=citizen, name="Phần mềm kế toán", actor=citizen)
    assert len(raw) >= 43
    assert token.prefix == raw[:8]
    assert token.digest == token_digest(raw) and raw not in token.digest
    assert not ApiToken.objects.filter(digest=raw).exists()
    assert api_token_user(token=raw) == citizen
    assert api_token_user(token=raw + "x") is None
    services.api_token_revoke(token=token, actor=citizen)
    assert api_token_user(token=raw) is None
    with pytest.raises(ValidationFailed) as caught:
        services.api_token_revoke(token=token, actor=citizen)
    assert caught.value.message == "Mã truy cập này đã bị thu hồi từ trước."
    events = AuditEvent.objects.filter(object_type="accounts.apitoken")
    assert [e.action for e in events] == ["account.api_token_issue", "account.api_token_revoke"]
    assert all("digest" not in (e.after or {}) for e in events)


def test_api_token_expiry(citizen: User) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _token, raw = services.api_token_issue(
            user=citizen, name="tạm", actor=citizen, expires_at=start + dt.timedelta(days=1)
        )
        assert api_token_user(token=raw) == citizen
    with time_machine.travel(start + dt.timedelta(days=1, seconds=1), tick=False):
        assert api_token_user(token=raw) is None
    with pytest.raises(ValidationFailed) as caught:
        services.api_token_issue(user=citizen, name="cũ", actor=citizen, expires_at=start - dt.timedelta(days=1))
    assert _errors(caught) == {"expires_at": "Thời điểm hết hạn phải ở tương lai."}


def test_api_tokens_expire_by_default_and_never_last_past_the_maximum(citizen: User, settings: Any) -> None:
    settings.CQS_API_TOKEN_DAYS, settings.CQS_API_TOKEN_MAX_DAYS = 90, 365
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token, raw = services.api_token_issue(user=citizen, name="không ghi hạn", actor=citizen)
    assert token.expires_at == start + dt.timedelta(days=90)
    with time_machine.travel(start + dt.timedelta(days=89), tick=False):
        assert api_token_user(token=raw) == citizen
    with time_machine.travel(start + dt.timedelta(days=90, seconds=1), tick=False):
        assert api_token_user(token=raw) is None
    with pytest.raises(ValidationFailed) as caught:
        services.api_token_issue(
            user=citizen, name="mãi mãi", actor=citizen, expires_at=timezone.now() + dt.timedelta(days=400)
        )
    assert _errors(caught) == {"expires_at": "Mã truy cập dùng được tối đa 365 ngày."}


def test_an_unverified_account_gets_no_api_token(unverified_citizen: User) -> None:
    citizen = unverified_citizen
    with pytest.raises(ValidationFailed) as caught:
        services.api_token_issue(user=citizen, name="x", actor=citizen)
    assert caught.value.code == "identity_unverified"
    assert caught.value.message.startswith("Tài khoản chưa được xác minh danh tính nên chưa được cấp mã truy cập.")
    assert not ApiToken.objects.exists()


def test_api_token_only_for_oneself(citizen: User, make_official: Callable[..., User]) -> None:
    other = make_official("khac")
    with pytest.raises(NotFoundOrForbidden):
        services.api_token_issue(user=citizen, name="x", actor=other)
    token, _raw = services.api_token_issue(user=citizen, name="x", actor=citizen)
    with pytest.raises(NotFoundOrForbidden):
        services.api_token_revoke(token=token, actor=other)
