"""Citizens and businesses register themselves: the form, a code sent to the email address, the account.

``registration_start`` answers the same whether or not the citizen ID (or tax code) already has an
account, so the form cannot be used to learn who is registered: in both cases the visitor is sent
to "check your mail". When the identifier is free a code goes to the address typed in the form;
when it is taken nothing is stored and nothing goes to that address: the existing owner is told
instead (inbox and email). ``registration_confirm`` creates the account when the code is right.

An account made this way is *unverified* (``User.identity_verified``) until a VNeID sign-in or a
one-stop officer proves who holds it.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.accounts.codes import code_digest, code_matches, new_short_code
from cqs.accounts.models import PendingRegistration, User
from cqs.accounts.services._common import (
    check_password,
    clean_email,
    clean_full_name,
    clean_phone,
    invalid,
    save_new_account,
)
from cqs.accounts.validators import citizen_id_parts, validate_citizen_id, validate_tax_code
from cqs.core.errors import ValidationFailed
from cqs.core.ratelimit import rate_hit
from cqs.core.text import nfc
from cqs.notifications.services import email_send, notification_send

REGISTRATION_PURPOSE = "registration"
OWNER_NOTICES_PER_DAY = 3


def _citizen_id_taken_message() -> str:
    return _("Số định danh cá nhân này đã có tài khoản. Vui lòng đăng nhập bằng số định danh và mật khẩu của bạn.")


def _tax_code_taken_message() -> str:
    return _("Mã số thuế này đã có tài khoản. Vui lòng đăng nhập bằng mã số thuế và mật khẩu của đơn vị.")


def _citizen_candidate(
    *,
    citizen_id: str,
    full_name: str,
    email: str,
    phone: str,
    date_of_birth: dt.date | None,
    address: str,
    errors: dict[str, str],
) -> User:
    cleaned_id = ""
    try:
        cleaned_id = validate_citizen_id(citizen_id)
    except ValidationFailed as exc:
        errors["citizen_id"] = exc.message
    name = clean_full_name(full_name, errors)
    email_value = clean_email(email, errors)
    phone_value = clean_phone(phone, errors)
    if date_of_birth is not None:
        if date_of_birth > timezone.localdate():
            errors["date_of_birth"] = _("Ngày sinh không được sau ngày hôm nay.")
        elif cleaned_id and citizen_id_parts(cleaned_id).birth_year != date_of_birth.year:
            errors["date_of_birth"] = _(
                "Năm sinh %(dob_year)s không khớp với năm sinh theo số định danh cá nhân (%(id_year)s)."
            ) % {"dob_year": date_of_birth.year, "id_year": citizen_id_parts(cleaned_id).birth_year}
    return User(
        username=cleaned_id,
        kind=User.Kind.CITIZEN,
        citizen_id=cleaned_id or None,
        full_name=name,
        email=email_value,
        phone=phone_value,
        address=nfc(address or ""),
        date_of_birth=date_of_birth,
    )


def _business_candidate(
    *, tax_code: str, full_name: str, email: str, phone: str, address: str, errors: dict[str, str]
) -> User:
    cleaned = ""
    try:
        cleaned = validate_tax_code(tax_code)
    except ValidationFailed as exc:
        errors["tax_code"] = exc.message
    return User(
        username=cleaned,
        kind=User.Kind.BUSINESS,
        tax_code=cleaned or None,
        full_name=clean_full_name(full_name, errors),
        email=clean_email(email, errors),
        phone=clean_phone(phone, errors),
        address=nfc(address or ""),
    )


def account_holding(*, kind: str, identifier: str) -> User | None:
    """The account that already holds this citizen ID or tax code (as its number or its user name)."""
    if not identifier:
        return None
    number = Q(tax_code=identifier) if kind == User.Kind.BUSINESS else Q(citizen_id=identifier)
    return User.objects.filter(number | Q(username__iexact=identifier)).first()


def _identifier_field(kind: str) -> str:
    return "tax_code" if kind == User.Kind.BUSINESS else "citizen_id"


def _taken_message(kind: str) -> str:
    return _tax_code_taken_message() if kind == User.Kind.BUSINESS else _citizen_id_taken_message()


# ---------------------------------------------------------------- direct creation (demo, operators, tests)


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
    """A citizen account whose user name is the citizen ID (CCCD), created at once (no emailed code)."""
    errors: dict[str, str] = {}
    user = _citizen_candidate(
        citizen_id=citizen_id,
        full_name=full_name,
        email=email,
        phone=phone,
        date_of_birth=date_of_birth,
        address=address,
        errors=errors,
    )
    return _save_at_once(user, errors, password=password, actor=actor)


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
    user = _business_candidate(
        tax_code=tax_code, full_name=full_name, email=email, phone=phone, address=address, errors=errors
    )
    return _save_at_once(user, errors, password=password, actor=actor)


def _save_at_once(user: User, errors: dict[str, str], *, password: str, actor: User | None) -> User:
    """The candidate saved, unless its form had ``errors``, its identifier already has an account or the
    password is refused: then every problem at once."""
    field = _identifier_field(user.kind)
    if user.username and account_holding(kind=user.kind, identifier=user.username) is not None:
        errors[field] = _taken_message(user.kind)
    check_password(password, user, errors)
    if errors:
        raise invalid(errors)
    return save_new_account(user, password=password, duplicate={field: _taken_message(user.kind)}, actor=actor)


# ---------------------------------------------------------------- self-registration with an emailed code


def _tell_owner(owner: User) -> None:
    """The holder of the identifier learns that someone tried to register it (a few times a day at most)."""
    if not rate_hit(
        "registration-owner-notice", str(owner.pk), limit=OWNER_NOTICES_PER_DAY, window_seconds=86400
    ).allowed:
        return
    notification_send(
        user=owner,
        title=_("Có người vừa đăng ký tài khoản bằng số định danh của bạn"),
        body=_(
            "Lúc %(at)s, có người điền biểu mẫu đăng ký tài khoản mới trên cổng dịch vụ công bằng số định danh "
            "(hoặc mã số thuế) của tài khoản %(username)s. Không có tài khoản mới nào được tạo và tài khoản của bạn "
            "không thay đổi. Nếu đó là bạn: hãy đăng nhập, hoặc dùng “Quên mật khẩu”. Nếu không phải bạn: "
            "bạn không cần làm gì thêm."
        )
        % {"at": timezone.localtime().strftime("%H:%M %d/%m/%Y"), "username": owner.username},
    )


@transaction.atomic
def registration_start(
    *,
    kind: str,
    identifier: str,
    full_name: str,
    email: str,
    password: str,
    phone: str = "",
    address: str = "",
    date_of_birth: dt.date | None = None,
) -> str:
    """Checks the form and returns a handle for the "check your mail" step, whatever the identifier's state.

    Raises ``ValidationFailed`` only for what the form itself says (a malformed ID, a weak password…),
    never for an identifier that already has an account.
    """
    if kind not in {User.Kind.CITIZEN, User.Kind.BUSINESS}:
        raise ValidationFailed(_("Loại tài khoản không hợp lệ."))
    errors: dict[str, str] = {}
    if kind == User.Kind.BUSINESS:
        candidate = _business_candidate(
            tax_code=identifier, full_name=full_name, email=email, phone=phone, address=address, errors=errors
        )
    else:
        candidate = _citizen_candidate(
            citizen_id=identifier,
            full_name=full_name,
            email=email,
            phone=phone,
            date_of_birth=date_of_birth,
            address=address,
            errors=errors,
        )
    check_password(password, candidate, errors)
    if errors:
        raise invalid(errors)
    hashed = make_password(password)  # in both branches: the answer takes as long either way
    handle = secrets.token_urlsafe(32)
    owner = account_holding(kind=kind, identifier=candidate.username)
    if owner is not None:
        _tell_owner(owner)
        return handle  # a handle no row answers to: the next step refuses every code, as for a wrong one
    now = timezone.now()
    PendingRegistration.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    code = new_short_code()
    minutes = settings.CQS_REGISTRATION_CODE_MINUTES
    PendingRegistration.objects.create(
        kind=kind,
        identifier=candidate.username,
        full_name=candidate.full_name,
        email=candidate.email,
        phone=candidate.phone,
        address=candidate.address,
        date_of_birth=candidate.date_of_birth,
        password=hashed,
        handle=handle,
        digest=code_digest(REGISTRATION_PURPOSE, code),
        expires_at=now + dt.timedelta(minutes=minutes),
    )
    email_send(
        to=candidate.email,
        subject=_("Mã xác nhận đăng ký tài khoản: %(code)s") % {"code": code},
        body=_(
            "Mã xác nhận đăng ký tài khoản trên cổng dịch vụ công của bạn là: %(code)s\n\n"
            "Mã dùng được một lần, trong %(minutes)s phút. Không đưa mã này cho bất kỳ ai, kể cả người "
            "xưng là cán bộ. Nếu bạn không đăng ký tài khoản, hãy bỏ qua thư này."
        )
        % {"code": code, "minutes": minutes},
    )
    return handle


def _wrong_registration_code() -> ValidationFailed:
    message = _("Mã xác nhận không đúng hoặc đã hết hạn.")
    return ValidationFailed(message, extra={"errors": {"code": message}})


def registration_confirm(*, handle: str, code: str) -> User:
    """The account of the pending registration whose code this is; every other case gets the same refusal."""
    with transaction.atomic():
        pending = (
            PendingRegistration.objects.select_for_update()
            .filter(
                handle=handle or "-",
                completed_at__isnull=True,
                expires_at__gt=timezone.now(),
                failed_attempts__lt=settings.CQS_CODE_MAX_ATTEMPTS,
            )
            .first()
        )
        if pending is not None and code_matches(pending.digest, REGISTRATION_PURPOSE, code):
            pending.completed_at = timezone.now()
            pending.save(update_fields=["completed_at"])
            owner = account_holding(kind=pending.kind, identifier=pending.identifier)
            if owner is None:
                return _account_from(pending)
            _tell_owner(owner)  # another registration of the same number was confirmed first
        elif pending is not None:
            pending.failed_attempts += 1
            pending.save(update_fields=["failed_attempts"])
    raise _wrong_registration_code()


def _account_from(pending: PendingRegistration) -> User:
    business = pending.kind == User.Kind.BUSINESS
    user = User(
        username=pending.identifier,
        kind=pending.kind,
        citizen_id=None if business else pending.identifier,
        tax_code=pending.identifier if business else None,
        full_name=pending.full_name,
        email=pending.email,
        phone=pending.phone,
        address=pending.address,
        date_of_birth=pending.date_of_birth,
        password=pending.password,
    )
    duplicate = {_identifier_field(pending.kind): _taken_message(pending.kind)}
    return save_new_account(user, password="", duplicate=duplicate, actor=None)
