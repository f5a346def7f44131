"""Who may manage the procedure catalog (deny by default)."""

from __future__ import annotations

from typing import Any

from cqs.accounts.models import Role

CATALOG_ROLES = (Role.CATALOG_MANAGER, Role.ADMINISTRATOR)


def can_manage_catalog(user: Any) -> bool:
    """An active official holding the catalog manager or administrator role."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if not getattr(user, "is_official", False):
        return False
    return any(user.has_role(role) for role in CATALOG_ROLES)
