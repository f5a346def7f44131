"""Proving who holds a citizen's or business's account: VNeID sign-in, the one-stop officer at the counter.

A self-registered account is unverified. Whoever proves the identity takes precedence over
whoever typed the number first:

- a VNeID sign-in for the citizen ID of an unverified account **takes it over**: the old
  password, sessions (the session hash follows the password), API tokens, pending one-time codes
  and TOTP devices stop working, the contact details become VNeID's, and the owner is told;
- at the counter, a one-stop officer who has checked the original card either confirms the
  account (its details match) or, when they do not, gives it back to the person in front of
  them in the same way, with the contact details they give, and hands them a one-time code to
  set their password.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts.models import AccountCode, IdentityProof, Role, User
from cqs.accounts.services._common import (
    api_tokens_revoke_all,
    clean_email,
    clean_full_name,
    clean_phone,
    invalid,
    save_new_account,
)
from cqs.accounts.services.passwords import password_reset_code_hand_over
from cqs.accounts.validators import citizen_id_parts, validate_citizen_id
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.text import nfc
from cqs.notifications.services import notification_send

IDENTITY_FIELDS = [
    "id",
    "username",
    "kind",
    "full_name",
    "email",
    "phone",
    "address",
    "date_of_birth",
    "vneid_subject",
    "identity_verified_at",
    "identity_proof",
]


@dataclass(frozen=True)
class VneidSignIn:
    user: User
    taken_over: bool = False


def _claim_str(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def _birthdate(claims: Mapping[str, Any], citizen_id: str) -> dt.date | None:
    try:
        value = dt.date.fromisoformat(_claim_str(claims, "birthdate")) if claims.get("birthdate") else None
    except ValueError:
        return None
    if value is not None and value.year != citizen_id_parts(citizen_id).birth_year:
        return None  # the ID is authoritative; a contradicting claim is not stored
    return value


def _mark_verified(user: User, proof: str) -> None:
    user.identity_verified_at = timezone.now()
    user.identity_proof = proof


def _take_over(user: User, *, actor: User | None, proof: str, reason: str) -> None:
    """Everything the earlier holder could use stops working (the caller has set the new details)."""
    user.set_unusable_password()  # changes the session hash: every open session ends
    _mark_verified(user, proof)
    user.save()
    api_tokens_revoke_all(user=user, actor=actor, reason=reason)
    AccountCode.objects.filter(user=user, used_at__isnull=True, voided_at__isnull=True).update(voided_at=timezone.now())
    TOTPDevice.objects.filter(user=user).delete()


def _tell_taken_over(user: User, *, how: str) -> None:
    notification_send(
        user=user,
        title=_("Tài khoản mang số định danh của bạn đã được chuyển về bạn"),
        body=_(
            "Trước đó có người đã đăng ký tài khoản %(username)s bằng số định danh của bạn mà chưa xác minh danh "
            "tính. Lúc %(at)s, %(how)s, nên tài khoản đã được chuyển về bạn: mật khẩu, các phiên đăng nhập và mã "
            "truy cập cũ không còn dùng được; thông tin liên hệ cũ đã được thay. Hãy xem lại các hồ sơ trong mục "
            "“Hồ sơ của tôi”: hồ sơ nào bạn không nộp, hãy báo cho cơ quan giải quyết."
        )
        % {"username": user.username, "at": timezone.localtime().strftime("%H:%M %d/%m/%Y"), "how": how},
        url="/ho-so-cua-toi/",
    )


@transaction.atomic
def citizen_vneid_resolve(*, subject: str, claims: Mapping[str, Any], identifier_claim: str) -> VneidSignIn:
    """The citizen a verified VNeID identity belongs to: found, taken over from an unverified holder, or created.

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
    mismatch = _("Danh tính VNeID không khớp với tài khoản đã liên kết. Vui lòng liên hệ cơ quan.")
    name = nfc(_claim_str(claims, "name") or f"{_claim_str(claims, 'family_name')} {_claim_str(claims, 'given_name')}")
    errors: dict[str, str] = {}
    email = clean_email(_claim_str(claims, "email"), errors, required=False)
    phone = clean_phone(_claim_str(claims, "phone_number"), errors)
    email, phone = ("" if "email" in errors else email), ("" if "phone" in errors else phone)
    user = User.objects.select_for_update().filter(citizen_id=cleaned_id).first()
    if user is not None:
        if not user.is_active or user.kind != User.Kind.CITIZEN:
            raise NotFoundOrForbidden(_("Tài khoản này không đăng nhập bằng VNeID được. Vui lòng liên hệ cơ quan."))
        if user.vneid_subject and user.vneid_subject != subject:
            raise NotFoundOrForbidden(mismatch)
        if User.objects.filter(vneid_subject=subject).exclude(pk=user.pk).exists():
            raise NotFoundOrForbidden(mismatch)
        before = snapshot(user, IDENTITY_FIELDS)
        if user.identity_verified:
            if user.vneid_subject:
                return VneidSignIn(user)
            user.vneid_subject = subject
            user.save(update_fields=["vneid_subject"])
            audit_record(actor=user, action="account.vneid_link", obj=user, before=before, after=snapshot(user))
            return VneidSignIn(user)
        user.vneid_subject = subject
        user.full_name = name[:200] or user.full_name
        user.email, user.phone, user.address = email, phone, ""
        user.date_of_birth = _birthdate(claims, cleaned_id)
        _take_over(user, actor=user, proof=IdentityProof.VNEID, reason="vneid_takeover")
        audit_record(
            actor=user,
            action="account.vneid_takeover",
            obj=user,
            before=before,
            after=snapshot(user, IDENTITY_FIELDS),
        )
        _tell_taken_over(user, how=_("bạn đã đăng nhập bằng VNeID"))
        return VneidSignIn(user, taken_over=True)
    if User.objects.filter(vneid_subject=subject).exists():
        raise NotFoundOrForbidden(mismatch)
    if not name:
        raise ValidationFailed(_("VNeID không trả về họ và tên; chưa thể tạo tài khoản."), code="vneid_name")
    user = User(
        username=cleaned_id,
        kind=User.Kind.CITIZEN,
        citizen_id=cleaned_id,
        full_name=name[:200],
        email=email,
        phone=phone,
        date_of_birth=_birthdate(claims, cleaned_id),
        vneid_subject=subject,
    )
    _mark_verified(user, IdentityProof.VNEID)
    duplicate = {"citizen_id": _("Số định danh cá nhân này đã có tài khoản.")}
    return VneidSignIn(save_new_account(user, password=None, duplicate=duplicate, actor=None))


# ---------------------------------------------------------------- at the counter


def _require_counter_officer(actor: User | None) -> None:
    if actor is None or not actor.is_active or not actor.is_official or not actor.has_role(Role.ONE_STOP_OFFICER):
        raise NotFoundOrForbidden(_("Bạn không có quyền thực hiện thao tác này."))


def _counter_account(user: User) -> User:
    found = User.objects.select_for_update().filter(pk=user.pk, is_active=True).exclude(kind=User.Kind.OFFICIAL).first()
    if found is None:
        raise NotFoundOrForbidden(_("Không tìm thấy tài khoản công dân, tổ chức này."))
    return found


def _clean_document(document: str, errors: dict[str, str]) -> str:
    value = nfc(document or "")
    if not value:
        errors["document"] = _("Vui lòng ghi loại và số giấy tờ đã đối chiếu (ví dụ: thẻ CCCD gắn chip).")
    elif len(value) > 200:
        errors["document"] = _("Ghi chú giấy tờ dài quá 200 ký tự.")
    return value


@transaction.atomic
def identity_verify_at_counter(*, user: User, actor: User | None, document: str) -> User:
    """A one-stop officer has checked the original card and the account's details match it."""
    _require_counter_officer(actor)
    user = _counter_account(user)
    if user.identity_verified:
        raise ValidationFailed(_("Tài khoản này đã được xác minh danh tính từ trước."))
    errors: dict[str, str] = {}
    checked = _clean_document(document, errors)
    if errors:
        raise invalid(errors)
    before = snapshot(user, IDENTITY_FIELDS)
    _mark_verified(user, IdentityProof.COUNTER)
    user.save(update_fields=["identity_verified_at", "identity_proof"])
    audit_record(
        actor=actor,
        action="account.identity_verify",
        obj=user,
        before=before,
        after={**snapshot(user, IDENTITY_FIELDS), "document": checked},
    )
    notification_send(
        user=user,
        title=_("Tài khoản của bạn đã được xác minh danh tính"),
        body=_("Lúc %(at)s, Bộ phận Một cửa đã đối chiếu giấy tờ và xác minh tài khoản %(username)s.")
        % {"at": timezone.localtime().strftime("%H:%M %d/%m/%Y"), "username": user.username},
    )
    return user


@dataclass(frozen=True)
class CounterReclaim:
    user: User
    reset_code: str  # shown once to the officer, handed to the owner to set a password


@transaction.atomic
def identity_reclaim_at_counter(
    *,
    user: User,
    actor: User | None,
    document: str,
    full_name: str,
    email: str = "",
    phone: str = "",
    date_of_birth: dt.date | None = None,
) -> CounterReclaim:
    """The card does not match the account: it goes to the person who showed the card, with their details.

    The earlier holder loses everything (as at a VNeID takeover); the officer hands the owner a
    one-time code with which they set their password (the "Đặt mật khẩu mới" page).
    """
    _require_counter_officer(actor)
    user = _counter_account(user)
    if user.identity_verified:
        raise ValidationFailed(
            _("Tài khoản này đã được xác minh danh tính; không chuyển cho người khác tại quầy được.")
        )
    errors: dict[str, str] = {}
    checked = _clean_document(document, errors)
    name = clean_full_name(full_name, errors)
    email_value = clean_email(email, errors, required=False)
    phone_value = clean_phone(phone, errors)
    if (
        date_of_birth is not None
        and user.citizen_id
        and citizen_id_parts(user.citizen_id).birth_year != date_of_birth.year
    ):
        errors["date_of_birth"] = _("Năm sinh không khớp với năm sinh theo số định danh cá nhân.")
    if errors:
        raise invalid(errors)
    before = snapshot(user, IDENTITY_FIELDS)
    user.full_name, user.email, user.phone, user.address = name, email_value, phone_value, ""
    if user.kind == User.Kind.CITIZEN:
        user.date_of_birth = date_of_birth
    _take_over(user, actor=actor, proof=IdentityProof.COUNTER, reason="counter_reclaim")
    audit_record(
        actor=actor,
        action="account.identity_reclaim",
        obj=user,
        before=before,
        after={**snapshot(user, IDENTITY_FIELDS), "document": checked},
    )
    issued = password_reset_code_hand_over(user=user, actor=actor, channel=AccountCode.Channel.COUNTER)
    _tell_taken_over(user, how=_("Bộ phận Một cửa đã đối chiếu giấy tờ của bạn"))
    return CounterReclaim(user=user, reset_code=issued.raw)
