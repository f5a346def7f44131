"""What the account services share: cleaning input, the standard refusals, saving a new account,
and the one-time codes of ``AccountCode`` (issue, redeem)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.accounts.codes import code_digest, code_matches, new_long_code, new_short_code
from cqs.accounts.models import AccountCode, ApiToken, User
from cqs.accounts.permissions import is_administrator
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.text import nfc

_PHONE = re.compile(r"(?:\+84|0)\d{9,10}")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def require_administrator(actor: User | None) -> None:
    if not is_administrator(actor):
        raise NotFoundOrForbidden(_("Bạn không có quyền thực hiện thao tác này."))


def invalid(errors: dict[str, str]) -> ValidationFailed:
    return ValidationFailed(_("Thông tin chưa hợp lệ, vui lòng sửa các mục được đánh dấu."), extra={"errors": errors})


def clean_full_name(full_name: str, errors: dict[str, str]) -> str:
    value = nfc(full_name or "")
    if not value:
        errors["full_name"] = _("Vui lòng nhập họ và tên.")
    elif len(value) > 200:
        errors["full_name"] = _("Họ và tên dài quá 200 ký tự.")
    return value


def clean_email(email: str, errors: dict[str, str], *, required: bool = True) -> str:
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


def clean_phone(phone: str, errors: dict[str, str]) -> str:
    value = _PHONE_SEPARATORS.sub("", phone or "")
    if value and not _PHONE.fullmatch(value):
        errors["phone"] = _("Số điện thoại không hợp lệ: 10 hoặc 11 chữ số, bắt đầu bằng 0 hoặc +84.")
    return value


def check_password(password: str, user: User, errors: dict[str, str], field: str = "password") -> None:
    if not password:
        errors[field] = _("Vui lòng nhập mật khẩu.")
        return
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        errors[field] = " ".join(str(message) for message in exc.messages)


def save_new_account(user: User, *, password: str | None, duplicate: dict[str, str], actor: User | None) -> User:
    """Saves a new account (``password`` raw, or None for none; a hash already set on ``user`` is kept with ``""``)."""
    if password is None:
        user.set_unusable_password()
    elif password:
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise invalid(duplicate) from exc
    audit_record(actor=actor, action="account.create", obj=user, before=None, after=snapshot(user))
    return user


def api_tokens_revoke_all(*, user: User, actor: User | None, reason: str) -> int:
    """Revokes every live token of the account (a password change, reset or takeover); audited."""
    now = timezone.now()
    tokens = list(ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True))
    for token in tokens:
        token.revoked_at = now
        token.save(update_fields=["revoked_at", "updated_at"])
    if tokens:
        audit_record(
            actor=actor,
            action="account.api_tokens_revoke_all",
            obj=user,
            after={"tokens": [t.pk for t in tokens], "reason": reason},
        )
    return len(tokens)


# ---------------------------------------------------------------- one-time codes


@dataclass(frozen=True)
class IssuedCode:
    code: AccountCode
    raw: str


def code_issue(
    *, user: User, purpose: str, channel: str, lifetime: dt.timedelta, issued_by: User | None, short: bool
) -> IssuedCode:
    """A new code; earlier live codes of the same purpose for the account are void from now on."""
    now = timezone.now()
    AccountCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True, voided_at__isnull=True).update(
        voided_at=now
    )
    raw = new_short_code() if short else new_long_code()
    code = AccountCode.objects.create(
        user=user,
        purpose=purpose,
        channel=channel,
        digest=code_digest(purpose, raw),
        issued_by=issued_by if issued_by is not None and issued_by.is_authenticated else None,
        expires_at=now + lifetime,
    )
    return IssuedCode(code=code, raw=raw)


def code_live(*, user: User, purpose: str) -> AccountCode | None:
    """The account's usable code of that purpose (locked), if any."""
    return (
        AccountCode.objects.select_for_update()
        .filter(user=user, purpose=purpose, used_at__isnull=True, voided_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )


def code_check(*, code: AccountCode | None, purpose: str, raw: str) -> bool:
    """Whether ``raw`` is this live code; a wrong try is counted (and voids the code at the limit).

    The caller commits the count even when it then refuses: it leaves its ``transaction.atomic``
    block before raising, so the refusal does not roll the count back.
    """
    if code is None:
        return False
    if code_matches(code.digest, purpose, raw):
        return True
    code.failed_attempts += 1
    fields = ["failed_attempts"]
    if code.failed_attempts >= settings.CQS_CODE_MAX_ATTEMPTS:
        code.voided_at = timezone.now()
        fields.append("voided_at")
    code.save(update_fields=fields)
    return False


def code_use(code: AccountCode) -> None:
    code.used_at = timezone.now()
    code.save(update_fields=["used_at"])
