"""API authentication: the browser's session (with CSRF) or a bearer token issued to an account."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from cqs.accounts.permissions import official_needs_otp
from cqs.accounts.selectors import api_token_user


class BearerToken(HttpBearer):
    openapi_description = "Mã truy cập cấp cho tài khoản: `Authorization: Bearer <mã>`."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token=token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session; unsafe methods also need the CSRF token."""

    param_name = "sessionid"
    openapi_description = "Phiên đăng nhập của trình duyệt."

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not official_needs_otp(user):
            return user  # an official's session counts only once past the TOTP step
        return None


class Anonymous:
    """Lets public endpoints be called without credentials while still reading them when present."""

    def __call__(self, request: HttpRequest) -> Any:
        return True


api_auth = [BearerToken(), SessionAuth()]
public_auth = [BearerToken(), SessionAuth(), Anonymous()]
