"""The second factor (TOTP): activation codes, enrolment, verification.

Enrolling a device needs either a one-time activation code issued by an administrator (an
official's first device, or a lost phone) or a session that has already passed every factor the
account has (changing one's own device, a citizen turning the second factor on). The password
alone never lets anyone enrol a device.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts.models import AccountCode, User
from cqs.accounts.permissions import may_administer
from cqs.accounts.services._common import IssuedCode, code_check, code_issue, code_live, code_use
from cqs.core.audit import audit_record
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.notifications.services import notification_send

TOTP_DEVICE_NAME = "Ứng dụng xác thực"
_DEVICE = "otp_totp.totpdevice"


def _normalise_token(token: str) -> str:
    return re.sub(r"\s+", "", token or "")


def _wrong_activation_code() -> ValidationFailed:
    message = _("Mã kích hoạt không đúng, đã dùng hoặc đã hết hạn. Vui lòng đề nghị quản trị viên cấp mã mới.")
    return ValidationFailed(message, extra={"errors": {"activation_code": message}})


@transaction.atomic
def totp_activation_issue(*, user: User, actor: User | None) -> IssuedCode:
    """A one-time activation code for an official's (new) device, shown once to the administrator."""
    if not may_administer(actor, user):
        raise NotFoundOrForbidden(_("Không tìm thấy cán bộ này."))
    if not user.is_active:
        raise ValidationFailed(_("Tài khoản này đã bị khoá, không cấp mã kích hoạt được."))
    issued = code_issue(
        user=user,
        purpose=AccountCode.Purpose.TOTP_ACTIVATION,
        channel=AccountCode.Channel.ADMINISTRATOR,
        lifetime=dt.timedelta(hours=settings.CQS_TOTP_ACTIVATION_HOURS),
        issued_by=actor,
        short=False,
    )
    audit_record(
        actor=actor,
        action="account.totp_activation_issue",
        obj=user,
        after={"code": issued.code.pk, "expires_at": issued.code.expires_at},
    )
    if actor is not None:
        notification_send(
            user=user,
            title=_("Quản trị viên đã cấp mã kích hoạt xác thực hai lớp cho tài khoản của bạn"),
            body=_(
                "%(admin)s đã cấp mã kích hoạt để cài ứng dụng xác thực cho tài khoản %(username)s, "
                "dùng được đến %(until)s. Nếu bạn không đề nghị, hãy báo ngay cho quản trị viên."
            )
            % {
                "admin": actor.get_full_name(),
                "username": user.username,
                "until": timezone.localtime(issued.code.expires_at).strftime("%H:%M %d/%m/%Y"),
            },
        )
    return issued


def _new_pending_device(user: User, *, via: str) -> TOTPDevice:
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    audit_record(
        actor=user,
        action="account.totp_enrol_start",
        object_type=_DEVICE,
        object_id=device.pk,
        after={"user": user.pk, "confirmed": False, "via": via},
    )
    return device


def totp_enrol_start(*, user: User, activation_code: str = "", session_verified: bool = False) -> TOTPDevice:
    """A new unconfirmed device (its secret is shown to the person enrolling).

    ``activation_code`` is spent here (single use); ``session_verified`` is the caller's word that
    the session passed every factor the account has.
    """
    if activation_code:
        with transaction.atomic():
            code = code_live(user=user, purpose=AccountCode.Purpose.TOTP_ACTIVATION)
            if code_check(code=code, purpose=AccountCode.Purpose.TOTP_ACTIVATION, raw=activation_code):
                assert code is not None
                code_use(code)
                return _new_pending_device(user, via="activation_code")
        raise _wrong_activation_code()
    if not session_verified:
        raise _wrong_activation_code()
    with transaction.atomic():
        return _new_pending_device(user, via="session")


@transaction.atomic
def totp_enrol_confirm(*, user: User, device_id: int, token: str) -> TOTPDevice:
    """Confirms the pending device with a code from the app; it replaces any device the account had."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, pk=device_id, confirmed=False).first()
    if device is None:
        raise ValidationFailed(_("Phiên cài đặt xác thực hai lớp đã hết hạn; vui lòng bắt đầu lại."))
    code = _normalise_token(token)
    if not re.fullmatch(r"\d{6}", code) or not device.verify_token(code):
        raise ValidationFailed(
            _("Mã xác thực không đúng. Hãy nhập mã 6 chữ số đang hiện trong ứng dụng."),
            extra={"errors": {"token": _("Mã xác thực không đúng.")}},
        )
    replaced = list(TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).values_list("pk", "confirmed"))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    had_device = any(confirmed for _pk, confirmed in replaced)
    audit_record(
        actor=user,
        action="account.totp_enable",
        object_type=_DEVICE,
        object_id=device.pk,
        before={"user": user.pk, "confirmed": False, "replaces": [pk for pk, confirmed in replaced if confirmed]},
        after={"user": user.pk, "confirmed": True},
    )
    if had_device:
        notification_send(
            user=user,
            title=_("Ứng dụng xác thực của tài khoản đã được thay"),
            body=_(
                "Tài khoản %(username)s vừa cài ứng dụng xác thực mới lúc %(at)s; thiết bị cũ không dùng được nữa. "
                "Nếu không phải bạn, hãy báo ngay cho quản trị viên."
            )
            % {"username": user.username, "at": timezone.localtime().strftime("%H:%M %d/%m/%Y")},
        )
    return device


class TotpVerdict(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class TotpCheck:
    verdict: TotpVerdict
    wait_seconds: int = 0


def totp_verify(*, user: User, token: str) -> TotpCheck:
    """Checks a code against the account's device. THROTTLED only when django-otp's delay after
    earlier failures has not passed yet (the code is then not even looked at); a wrong code is WRONG."""
    code = _normalise_token(token)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("-pk").first()
        if device is None:
            return TotpCheck(TotpVerdict.WRONG)
        allowed, detail = device.verify_is_allowed()
        if not allowed:
            until = (detail or {}).get("locked_until")
            wait = math.ceil((until - timezone.now()).total_seconds()) if until else 1
            return TotpCheck(TotpVerdict.THROTTLED, max(1, wait))
        if not re.fullmatch(r"\d{6,8}", code):
            return TotpCheck(TotpVerdict.WRONG)  # not even a guess: not counted
        return TotpCheck(TotpVerdict.OK if device.verify_token(code) else TotpVerdict.WRONG)
