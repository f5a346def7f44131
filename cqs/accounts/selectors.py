from __future__ import annotations

import hashlib

from django.db.models import Q
from django.utils import timezone

from cqs.accounts.models import ApiToken, User


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
