"""Passwords: changed by their holder, reset with a one-time code.

Citizens and businesses ask for a code by email or SMS ("Quên mật khẩu"): the request gets the
same answer whether or not the account exists, has that contact, or was sent a code lately.
Officials get their code from an administrator. Changing or resetting a password ends every
other session (the session hash follows the password), revokes the account's API tokens and
voids its other reset codes; the holder is told.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.accounts.models import AccountCode, User
from cqs.accounts.permissions import may_administer
from cqs.accounts.services._common import (
    IssuedCode,
    api_tokens_revoke_all,
    check_password,
    code_check,
    code_issue,
    code_live,
    code_use,
    invalid,
)
from cqs.core.audit import audit_record
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.ratelimit import RateLimited, rate_hit
from cqs.notifications.services import email_send, notification_send, sms_send
from cqs.notifications.sms import sms_available

CHANGE_TRIES_PER_HOUR = 10
_RESET = AccountCode.Purpose.PASSWORD_RESET


def _now_text() -> str:
    return timezone.localtime().strftime("%H:%M %d/%m/%Y")


def _set_new_password(user: User, password: str, *, actor: User | None, action: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    AccountCode.objects.filter(user=user, purpose=_RESET, used_at__isnull=True, voided_at__isnull=True).update(
        voided_at=timezone.now()
    )
    api_tokens_revoke_all(user=user, actor=actor, reason=action)
    audit_record(actor=actor, action=f"account.{action}", obj=user, after={"password": "changed"})
    notification_send(
        user=user,
        title=_("Mật khẩu tài khoản của bạn vừa được thay đổi"),
        body=_(
            "Mật khẩu của tài khoản %(username)s đã được đổi lúc %(at)s. Các phiên đăng nhập khác và mã truy cập "
            "API của tài khoản đã bị huỷ. Nếu không phải bạn, hãy dùng “Quên mật khẩu” hoặc liên hệ cơ quan ngay."
        )
        % {"username": user.username, "at": _now_text()},
    )


def password_change(*, user: User, current_password: str, new_password: str) -> User:
    """The holder sets a new password, giving the current one (a few tries an hour, counted even when refused)."""
    verdict = rate_hit("password-change", str(user.pk), limit=CHANGE_TRIES_PER_HOUR, window_seconds=3600)
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)
    with transaction.atomic():
        return _password_change(user=user, current_password=current_password, new_password=new_password)


def _password_change(*, user: User, current_password: str, new_password: str) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    errors: dict[str, str] = {}
    if not user.has_usable_password():
        errors["current_password"] = _(
            "Tài khoản này chưa có mật khẩu (đăng nhập bằng VNeID). Dùng “Quên mật khẩu” để đặt mật khẩu."
        )
    elif not current_password or not user.check_password(current_password):
        errors["current_password"] = _("Mật khẩu hiện tại không đúng.")
    check_password(new_password, user, errors, field="new_password")
    if "new_password" not in errors and current_password and new_password == current_password:
        errors["new_password"] = _("Mật khẩu mới phải khác mật khẩu hiện tại.")
    if errors:
        raise invalid(errors)
    _set_new_password(user, new_password, actor=user, action="password_change")
    return user


def _reset_account(identifier: str) -> User | None:
    value = "".join((identifier or "").split())
    if not value:
        return None
    return User.objects.filter(username__iexact=value, is_active=True).first()


@transaction.atomic
def password_reset_request(*, identifier: str, channel: str) -> None:
    """Sends a reset code to a citizen's or business's email or phone, if all is in order; says nothing either way."""
    user = _reset_account(identifier)
    if user is None or user.is_official:
        return  # officials get their code from an administrator
    if channel == AccountCode.Channel.SMS:
        if not user.phone or not sms_available():
            return
    elif channel == AccountCode.Channel.EMAIL:
        if not user.email:
            return
    else:
        return
    limit = settings.CQS_PASSWORD_RESET_PER_ACCOUNT_PER_HOUR
    if not rate_hit("password-reset-account", str(user.pk), limit=limit, window_seconds=3600).allowed:
        return
    minutes = settings.CQS_PASSWORD_RESET_MINUTES
    issued = code_issue(
        user=user,
        purpose=_RESET,
        channel=channel,
        lifetime=dt.timedelta(minutes=minutes),
        issued_by=None,
        short=True,
    )
    audit_record(
        actor=None,
        action="account.password_reset_request",
        obj=user,
        after={"code": issued.code.pk, "channel": channel, "expires_at": issued.code.expires_at},
    )
    text = _(
        "Mã đặt lại mật khẩu tài khoản %(username)s trên cổng dịch vụ công: %(code)s (dùng một lần, trong %(minutes)s "
        "phút). Không đưa mã cho bất kỳ ai. Nếu bạn không yêu cầu, hãy bỏ qua."
    ) % {"username": user.username, "code": issued.raw, "minutes": minutes}
    if channel == AccountCode.Channel.SMS:
        sms_send(to=user.phone, text=text)
    else:
        email_send(to=user.email, subject=_("Mã đặt lại mật khẩu: %(code)s") % {"code": issued.raw}, body=text)


def _wrong_reset_code() -> ValidationFailed:
    message = _("Tên đăng nhập hoặc mã đặt lại mật khẩu không đúng, hoặc mã đã hết hạn.")
    return ValidationFailed(message, extra={"errors": {"code": message}})


def password_reset_complete(*, identifier: str, code: str, new_password: str) -> User:
    """Sets the new password when the code is the account's live reset code (a wrong try is counted)."""
    errors: dict[str, str] = {}
    try:
        validate_password(new_password or "", user=None)
    except DjangoValidationError as exc:
        errors["new_password"] = " ".join(str(message) for message in exc.messages)
    if not new_password:
        errors["new_password"] = _("Vui lòng nhập mật khẩu mới.")
    if errors:
        raise invalid(errors)
    with transaction.atomic():
        user = _reset_account(identifier)
        live = code_live(user=user, purpose=_RESET) if user is not None else None
        if user is not None and code_check(code=live, purpose=_RESET, raw=code):
            assert live is not None
            check_password(new_password, user, errors, field="new_password")
            if errors:
                raise invalid(errors)
            code_use(live)
            _set_new_password(user, new_password, actor=user, action="password_reset")
            return user
    raise _wrong_reset_code()


def password_reset_code_hand_over(*, user: User, actor: User | None, channel: str) -> IssuedCode:
    """A long reset code shown once to the official who hands it over in person (no permission check here)."""
    issued = code_issue(
        user=user,
        purpose=_RESET,
        channel=channel,
        lifetime=dt.timedelta(hours=settings.CQS_HANDED_RESET_CODE_HOURS),
        issued_by=actor,
        short=False,
    )
    audit_record(
        actor=actor,
        action="account.password_reset_issue",
        obj=user,
        after={"code": issued.code.pk, "channel": channel, "expires_at": issued.code.expires_at},
    )
    return issued


@transaction.atomic
def official_password_reset_issue(*, user: User, actor: User | None) -> IssuedCode:
    """A reset code for an official, shown once to the administrator who hands it over."""
    if not may_administer(actor, user):
        raise NotFoundOrForbidden(_("Không tìm thấy cán bộ này."))
    if not user.is_active:
        raise ValidationFailed(_("Tài khoản này đã bị khoá, không cấp mã đặt lại mật khẩu được."))
    issued = password_reset_code_hand_over(user=user, actor=actor, channel=AccountCode.Channel.ADMINISTRATOR)
    if actor is not None:
        notification_send(
            user=user,
            title=_("Quản trị viên đã cấp mã đặt lại mật khẩu cho tài khoản của bạn"),
            body=_(
                "%(admin)s đã cấp mã đặt lại mật khẩu cho tài khoản %(username)s lúc %(at)s. Nếu bạn không đề nghị, "
                "hãy báo ngay cho quản trị viên."
            )
            % {"admin": actor.get_full_name(), "username": user.username, "at": _now_text()},
        )
    return issued
