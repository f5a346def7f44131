from __future__ import annotations

import hashlib

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts.models import ApiToken, RoleAssignment, User
from cqs.core.errors import NotFoundOrForbidden


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def api_token_user(*, token: str) -> User | None:
    """The active account a valid, unexpired, unrevoked token belongs to, else None."""
    now = timezone.now()
    found = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if found is None:
        return None
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user


def user_get_by_citizen_id(*, citizen_id: str) -> User | None:
    return User.objects.filter(citizen_id=citizen_id).first()


def user_role_assignments(*, user: User) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("agency").order_by("role", "agency__name")


def user_has_role(*, user: User, role: str) -> bool:
    """Whether an official holds the role in any agency."""
    return bool(user.is_official) and RoleAssignment.objects.filter(user=user, role=role).exists()


def api_tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def api_token_get_for_user(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFoundOrForbidden(_("Không tìm thấy mã truy cập."))
    return token


def totp_confirmed_device(*, user: User) -> TOTPDevice | None:
    if not user.pk:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def totp_pending_device(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
