"""Officials and their roles: created, granted, revoked, locked out by an administrator."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from cqs.accounts.models import Role, RoleAssignment, User
from cqs.accounts.services._common import (
    check_password,
    clean_email,
    clean_full_name,
    clean_phone,
    invalid,
    require_administrator,
    save_new_account,
)
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.text import nfc
from cqs.units.models import Agency

_DIGITS_ONLY = re.compile(r"\d+")


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
    require_administrator(actor)
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
    clean_name = clean_full_name(full_name, errors)
    email_value = clean_email(email, errors)
    phone_value = clean_phone(phone, errors)
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        errors["roles"] = _("Vai trò không tồn tại: %(roles)s.") % {"roles": ", ".join(unknown)}
    if not agency.is_active:
        errors["agency"] = _("Cơ quan này đã ngừng hoạt động (đã sáp nhập hoặc giải thể).")
    user = User(
        username=name,
        kind=User.Kind.OFFICIAL,
        full_name=clean_name,
        email=email_value,
        phone=phone_value,
        agency=agency,
    )
    check_password(password, user, errors)
    if errors:
        raise invalid(errors)
    user = save_new_account(
        user, password=password, duplicate={"username": _("Tên đăng nhập này đã được dùng.")}, actor=actor
    )
    for role in dict.fromkeys(roles):
        _grant(user=user, role=role, agency=agency, actor=actor)
    return user


@transaction.atomic
def role_grant(*, user: User, role: str, agency: Agency, actor: User | None) -> RoleAssignment:
    require_administrator(actor)
    return _grant(user=user, role=role, agency=agency, actor=actor)


@transaction.atomic
def role_revoke(*, user: User, role: str, agency: Agency, actor: User | None) -> None:
    require_administrator(actor)
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
    require_administrator(actor)
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
