"""Writes on accounts: registration, officials and their roles, API tokens, TOTP devices.

Every state change is audited in the same transaction. ``actor=None`` means the system itself
(a management command, the demo seeder, the registration form of an anonymous visitor).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts.models import ApiToken, Role, RoleAssignment, User
from cqs.accounts.permissions import is_administrator
from cqs.accounts.selectors import token_digest, totp_confirmed_device
from cqs.accounts.validators import citizen_id_parts, validate_citizen_id, validate_tax_code
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.text import nfc
from cqs.units.models import Agency

_PHONE = re.compile(r"(?:\+84|0)\d{9,10}")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_DIGITS_ONLY = re.compile(r"\d+")
_API_TOKEN_FIELDS = ["id", "user", "name", "prefix", "expires_at", "revoked_at", "created_at"]
TOTP_DEVICE_NAME = "Ứng dụng xác thực"


# ---------------------------------------------------------------- helpers


def _require_administrator(actor: User | None) -> None:
    if not is_administrator(actor):
        raise NotFoundOrForbidden(_("Bạn không có quyền thực hiện thao tác này."))


def _invalid(errors: dict[str, str]) -> ValidationFailed:
    return ValidationFailed(_("Thông tin chưa hợp lệ, vui lòng sửa các mục được đánh dấu."), extra={"errors": errors})


def _clean_full_name(full_name: str, errors: dict[str, str]) -> str:
    value = nfc(full_name or "")
    if not value:
        errors["full_name"] = _("Vui lòng nhập họ và tên.")
    elif len(value) > 200:
        errors["full_name"] = _("Họ và tên dài quá 200 ký tự.")
    return value


def _clean_email(email: str, errors: dict[str, str], *, required: bool = True) -> str:
    value = (email or "").strip()
    if not value:
        if required:
            errors["email"] = _("Vui lòng nhập địa chỉ thư điện tử.")
        return ""
    try:
        validate_email(value)
    except DjangoValidationError:
        errors["email"] = _("Địa chỉ thư điện tử không hợp lệ (ví dụ: ten@example.vn).")
        return value
    return User.objects.normalize_email(value)


def _clean_phone(phone: str, errors: dict[str, str]) -> str:
    value = _PHONE_SEPARATORS.sub("", phone or "")
    if value and not _PHONE.fullmatch(value):
        errors["phone"] = _("Số điện thoại không hợp lệ: 10 hoặc 11 chữ số, bắt đầu bằng 0 hoặc +84.")
    return value


def _check_password(password: str, user: User, errors: dict[str, str]) -> None:
    if not password:
        errors["password"] = _("Vui lòng nhập mật khẩu.")
        return
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        errors["password"] = " ".join(str(message) for message in exc.messages)


def _save_new_account(user: User, *, password: str | None, duplicate: dict[str, str], actor: User | None) -> User:
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise _invalid(duplicate) from exc
    audit_record(actor=actor, action="account.create", obj=user, before=None, after=snapshot(user))
    return user


# ---------------------------------------------------------------- citizens and businesses


def _citizen_id_taken_message() -> str:
    return _("Số định danh cá nhân này đã có tài khoản. Vui lòng đăng nhập bằng số định danh và mật khẩu của bạn.")


@transaction.atomic
def citizen_register(
    *,
    citizen_id: str,
    full_name: str,
    password: str,
    email: str,
    phone: str = "",
    date_of_birth: dt.date | None = None,
    address: str = "",
    actor: User | None = None,
) -> User:
    """A citizen account whose user name is the citizen ID (CCCD)."""
    errors: dict[str, str] = {}
    cleaned_id = ""
    try:
        cleaned_id = validate_citizen_id(citizen_id)
    except ValidationFailed as exc:
        errors["citizen_id"] = exc.message
    name = _clean_full_name(full_name, errors)
    clean_email = _clean_email(email, errors)
    clean_phone = _clean_phone(phone, errors)
    if date_of_birth is not None:
        if date_of_birth > timezone.localdate():
            errors["date_of_birth"] = _("Ngày sinh không được sau ngày hôm nay.")
        elif cleaned_id and citizen_id_parts(cleaned_id).birth_year != date_of_birth.year:
            errors["date_of_birth"] = _(
                "Năm sinh %(dob_year)s không khớp với năm sinh theo số định danh cá nhân (%(id_year)s)."
            ) % {"dob_year": date_of_birth.year, "id_year": citizen_id_parts(cleaned_id).birth_year}
    if cleaned_id and (
        User.objects.filter(citizen_id=cleaned_id).exists() or User.objects.filter(username__iexact=cleaned_id).exists()
    ):
        errors["citizen_id"] = _citizen_id_taken_message()
    user = User(
        username=cleaned_id,
        kind=User.Kind.CITIZEN,
        citizen_id=cleaned_id or None,
        full_name=name,
        email=clean_email,
        phone=clean_phone,
        address=nfc(address or ""),
        date_of_birth=date_of_birth,
    )
    _check_password(password, user, errors)
    if errors:
        raise _invalid(errors)
    return _save_new_account(
        user, password=password, duplicate={"citizen_id": _citizen_id_taken_message()}, actor=actor
    )


@transaction.atomic
def business_register(
    *,
    tax_code: str,
    full_name: str,
    password: str,
    email: str,
    phone: str = "",
    address: str = "",
    actor: User | None = None,
) -> User:
    """An organisation's account whose user name is its tax code (a branch keeps its ``-NNN``)."""
    errors: dict[str, str] = {}
    cleaned = ""
    try:
        cleaned = validate_tax_code(tax_code)
    except ValidationFailed as exc:
        errors["tax_code"] = exc.message
    name = _clean_full_name(full_name, errors)
    clean_email = _clean_email(email, errors)
    clean_phone = _clean_phone(phone, errors)
    taken = _("Mã số thuế này đã có tài khoản. Vui lòng đăng nhập bằng mã số thuế và mật khẩu của đơn vị.")
    if cleaned and (
        User.objects.filter(tax_code=cleaned).exists() or User.objects.filter(username__iexact=cleaned).exists()
    ):
        errors["tax_code"] = taken
    user = User(
        username=cleaned,
        kind=User.Kind.BUSINESS,
        tax_code=cleaned or None,
        full_name=name,
        email=clean_email,
        phone=clean_phone,
        address=nfc(address or ""),
    )
    _check_password(password, user, errors)
    if errors:
        raise _invalid(errors)
    return _save_new_account(user, password=password, duplicate={"tax_code": taken}, actor=actor)


def _claim_str(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


@transaction.atomic
def citizen_vneid_resolve(*, subject: str, claims: Mapping[str, Any], identifier_claim: str) -> User:
    """The citizen a verified VNeID identity belongs to, creating the account on first sign-in.

    ``claims`` come from a signature-checked ID token (and the user-info endpoint); the
    identifier claim carries the citizen ID, which is validated like a typed one.
    """
    try:
        cleaned_id = validate_citizen_id(_claim_str(claims, identifier_claim))
    except ValidationFailed as exc:
        raise ValidationFailed(
            _("VNeID không trả về số định danh cá nhân hợp lệ: %(reason)s") % {"reason": exc.message},
            code="vneid_identifier",
        ) from exc
    user = User.objects.select_for_update().filter(citizen_id=cleaned_id).first()
    if user is not None:
        if not user.is_active or user.kind != User.Kind.CITIZEN:
            raise NotFoundOrForbidden(_("Tài khoản này không đăng nhập bằng VNeID được. Vui lòng liên hệ cơ quan."))
        if user.vneid_subject and user.vneid_subject != subject:
            raise NotFoundOrForbidden(
                _("Danh tính VNeID không khớp với tài khoản đã liên kết. Vui lòng liên hệ cơ quan.")
            )
        if not user.vneid_subject:
            before = snapshot(user)
            user.vneid_subject = subject
            user.save(update_fields=["vneid_subject"])
            audit_record(actor=user, action="account.vneid_link", obj=user, before=before, after=snapshot(user))
        return user
    if User.objects.filter(vneid_subject=subject).exists():
        raise NotFoundOrForbidden(_("Danh tính VNeID không khớp với tài khoản đã liên kết. Vui lòng liên hệ cơ quan."))
    name = nfc(_claim_str(claims, "name") or f"{_claim_str(claims, 'family_name')} {_claim_str(claims, 'given_name')}")
    if not name:
        raise ValidationFailed(_("VNeID không trả về họ và tên; chưa thể tạo tài khoản."), code="vneid_name")
    errors: dict[str, str] = {}
    email = _clean_email(_claim_str(claims, "email"), errors, required=False)
    phone = _clean_phone(_claim_str(claims, "phone_number"), errors)
    birthdate: dt.date | None = None
    try:
        birthdate = dt.date.fromisoformat(_claim_str(claims, "birthdate")) if claims.get("birthdate") else None
    except ValueError:
        birthdate = None
    if birthdate is not None and birthdate.year != citizen_id_parts(cleaned_id).birth_year:
        birthdate = None  # the ID is authoritative; a contradicting claim is not stored
    user = User(
        username=cleaned_id,
        kind=User.Kind.CITIZEN,
        citizen_id=cleaned_id,
        full_name=name[:200],
        email="" if "email" in errors else email,
        phone="" if "phone" in errors else phone,
        date_of_birth=birthdate,
        vneid_subject=subject,
    )
    return _save_new_account(user, password=None, duplicate={"citizen_id": _citizen_id_taken_message()}, actor=None)


# ---------------------------------------------------------------- officials and roles


def _grant(*, user: User, role: str, agency: Agency, actor: User | None) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationFailed(
            _("Vai trò “%(role)s” không tồn tại.") % {"role": role}, extra={"errors": {"roles": role}}
        )
    if not user.is_official:
        raise ValidationFailed(_("Chỉ tài khoản cán bộ, công chức mới được phân vai trò."))
    if RoleAssignment.objects.filter(user=user, role=role, agency=agency).exists():
        raise ValidationFailed(
            _("%(name)s đã có vai trò “%(role)s” tại %(agency)s.")
            % {"name": user.get_full_name(), "role": Role(role).label, "agency": agency}
        )
    assignment = RoleAssignment.objects.create(user=user, role=role, agency=agency)
    audit_record(actor=actor, action="account.role_grant", obj=assignment, after=snapshot(assignment))
    return assignment


@transaction.atomic
def official_create(
    *,
    username: str,
    password: str,
    full_name: str,
    email: str,
    agency: Agency,
    roles: list[str],
    actor: User | None,
    phone: str = "",
) -> User:
    """An official's account in an agency with its roles (there) ; only an administrator may do it."""
    _require_administrator(actor)
    errors: dict[str, str] = {}
    name = nfc(username or "")
    if not name:
        errors["username"] = _("Vui lòng nhập tên đăng nhập.")
    elif _DIGITS_ONLY.fullmatch(name.replace("-", "")):
        errors["username"] = _(
            "Tên đăng nhập của cán bộ không được chỉ gồm chữ số (dành cho số định danh và mã số thuế)."
        )
    elif not re.fullmatch(r"[\w.@+-]{3,150}", name):
        errors["username"] = _("Tên đăng nhập gồm 3–150 chữ cái, chữ số hoặc các ký tự . @ + - _.")
    elif User.objects.filter(username__iexact=name).exists():
        errors["username"] = _("Tên đăng nhập này đã được dùng.")
    clean_name = _clean_full_name(full_name, errors)
    clean_email = _clean_email(email, errors)
    clean_phone = _clean_phone(phone, errors)
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        errors["roles"] = _("Vai trò không tồn tại: %(roles)s.") % {"roles": ", ".join(unknown)}
    if not agency.is_active:
        errors["agency"] = _("Cơ quan này đã ngừng hoạt động (đã sáp nhập hoặc giải thể).")
    user = User(
        username=name,
        kind=User.Kind.OFFICIAL,
        full_name=clean_name,
        email=clean_email,
        phone=clean_phone,
        agency=agency,
    )
    _check_password(password, user, errors)
    if errors:
        raise _invalid(errors)
    user = _save_new_account(
        user, password=password, duplicate={"username": _("Tên đăng nhập này đã được dùng.")}, actor=actor
    )
    for role in dict.fromkeys(roles):
        _grant(user=user, role=role, agency=agency, actor=actor)
    return user


@transaction.atomic
def role_grant(*, user: User, role: str, agency: Agency, actor: User | None) -> RoleAssignment:
    _require_administrator(actor)
    return _grant(user=user, role=role, agency=agency, actor=actor)


@transaction.atomic
def role_revoke(*, user: User, role: str, agency: Agency, actor: User | None) -> None:
    _require_administrator(actor)
    assignment = RoleAssignment.objects.select_for_update().filter(user=user, role=role, agency=agency).first()
    if assignment is None:
        raise NotFoundOrForbidden(_("Cán bộ này không có vai trò đó tại cơ quan này."))
    before = snapshot(assignment)
    assignment.delete()
    audit_record(
        actor=actor,
        action="account.role_revoke",
        object_type="accounts.roleassignment",
        object_id=before["id"],
        before=before,
        after=None,
    )


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None) -> User:
    """Locks an account out: sessions stop working and its API tokens are refused."""
    _require_administrator(actor)
    if actor is not None and actor.pk == user.pk:
        raise ValidationFailed(_("Bạn không thể tự khoá tài khoản của mình."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationFailed(_("Tài khoản này đã bị khoá từ trước."))
    before = snapshot(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="account.deactivate", obj=user, before=before, after=snapshot(user))
    return user


# ---------------------------------------------------------------- API tokens


@transaction.atomic
def api_token_issue(
    *, user: User, name: str, actor: User | None, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token; the raw value is returned once and only its SHA-256 digest is kept."""
    if not (actor is not None and actor.pk == user.pk) and not is_administrator(actor):
        raise NotFoundOrForbidden(_("Bạn không có quyền thực hiện thao tác này."))
    if not user.is_active:
        raise ValidationFailed(_("Tài khoản đã bị khoá, không cấp mã truy cập được."))
    errors: dict[str, str] = {}
    clean_name = nfc(name or "")
    if not clean_name:
        errors["name"] = _("Vui lòng đặt tên cho mã truy cập (ví dụ: tên hệ thống dùng mã).")
    elif len(clean_name) > 100:
        errors["name"] = _("Tên mã truy cập dài quá 100 ký tự.")
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = _("Thời điểm hết hạn phải ở tương lai.")
    if errors:
        raise _invalid(errors)
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=clean_name, digest=token_digest(raw), prefix=raw[:8], expires_at=expires_at
    )
    audit_record(actor=actor, action="account.api_token_issue", obj=token, after=snapshot(token, _API_TOKEN_FIELDS))
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None) -> ApiToken:
    if not (actor is not None and actor.pk == token.user_id) and not is_administrator(actor):
        raise NotFoundOrForbidden(_("Không tìm thấy mã truy cập."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationFailed(_("Mã truy cập này đã bị thu hồi từ trước."))
    before = snapshot(token, _API_TOKEN_FIELDS)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        action="account.api_token_revoke",
        obj=token,
        before=before,
        after=snapshot(token, _API_TOKEN_FIELDS),
    )
    return token


# ---------------------------------------------------------------- TOTP (second factor)


def _normalise_code(token: str) -> str:
    return re.sub(r"\s+", "", token or "")


@transaction.atomic
def totp_enrol_start(*, user: User) -> TOTPDevice:
    """An unconfirmed TOTP device (the same one until confirmed, so reloading keeps the secret)."""
    if totp_confirmed_device(user=user) is not None:
        raise ValidationFailed(_("Xác thực hai lớp đã được bật cho tài khoản này."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
        audit_record(
            actor=user,
            action="account.totp_enrol_start",
            object_type="otp_totp.totpdevice",
            object_id=device.pk,
            after={"user": user.pk, "confirmed": False},
        )
    return device


@transaction.atomic
def totp_enrol_confirm(*, user: User, token: str) -> TOTPDevice:
    """Confirms the pending device with a code from the app; the second factor is then on."""
    if totp_confirmed_device(user=user) is not None:
        raise ValidationFailed(_("Xác thực hai lớp đã được bật cho tài khoản này."))
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise ValidationFailed(_("Chưa bắt đầu cài đặt xác thực hai lớp; vui lòng tải lại trang."))
    code = _normalise_code(token)
    if not re.fullmatch(r"\d{6}", code) or not device.verify_token(code):
        raise ValidationFailed(
            _("Mã xác thực không đúng hoặc đã hết hạn. Hãy nhập mã 6 chữ số đang hiện trong ứng dụng."),
            extra={"errors": {"token": _("Mã xác thực không đúng hoặc đã hết hạn.")}},
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    audit_record(
        actor=user,
        action="account.totp_enable",
        object_type="otp_totp.totpdevice",
        object_id=device.pk,
        before={"user": user.pk, "confirmed": False},
        after={"user": user.pk, "confirmed": True},
    )
    return device


def totp_verify(*, user: User, token: str) -> bool:
    """Whether the code matches the user's confirmed device (failures are throttled by django-otp)."""
    code = _normalise_code(token)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("-pk").first()
        if device is None or not re.fullmatch(r"\d{6,8}", code):
            return False
        return bool(device.verify_token(code))
