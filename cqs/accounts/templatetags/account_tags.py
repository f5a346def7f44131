"""Template helpers about accounts: ``{% if request.user|holds_role:"one_stop_officer" %}``."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def holds_role(user: Any, role: str) -> bool:
    """Whether the (official) user holds the role in any agency; False for anyone else."""
    has_role = getattr(user, "has_role", None)
    return bool(getattr(user, "is_authenticated", False) and callable(has_role) and has_role(role))
