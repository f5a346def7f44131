"""Who performs a change, as the services accept it (a signed-in account, or None for the system)."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

Actor = AbstractBaseUser | AnonymousUser | None
