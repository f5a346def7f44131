from __future__ import annotations

import hashlib

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqs.accounts.models import AccountCode, ApiToken, RoleAssignment, User
from cqs.core.errors import NotFoundOrForbidden
from cqs.core.text import fold


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def api_token_user(*, token: str) -> User | None:
    """The active account a valid, unexpired, unrevoked token belongs to, else None."""
    now = timezone.now()
    found = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)
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


def account_for_counter(*, number: str) -> User | None:
    """The active citizen's or business's account holding this citizen ID or tax code (exact match)."""
    value = "".join((number or "").split())
    if not value:
        return None
    return (
        User.objects.filter(is_active=True)
        .exclude(kind=User.Kind.OFFICIAL)
        .filter(Q(citizen_id=value) | Q(tax_code=value) | Q(username__iexact=value))
        .first()
    )


def officials_for_administrator(*, actor: User, query: str = "") -> QuerySet[User]:
    """The officials ``actor`` administers, with their roles, whether they have a TOTP device, and their codes."""
    from cqs.accounts.permissions import officials_administered_by

    rows = (
        officials_administered_by(actor)
        .select_related("agency")
        .prefetch_related(
            Prefetch("roles", queryset=RoleAssignment.objects.select_related("agency").order_by("role")),
            Prefetch(
                "account_codes",
                queryset=AccountCode.objects.filter(channel=AccountCode.Channel.ADMINISTRATOR).order_by("-created_at"),
                to_attr="handed_codes",
            ),
        )
        .annotate(has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .order_by("agency__name", "full_name", "username")
    )
    text = " ".join((query or "").split())[:100]
    if text:
        rows = rows.filter(Q(full_name__unaccent__icontains=fold(text)) | Q(username__icontains=text))
    return rows
