"""VNeID sign-in for citizens: OpenID Connect authorization-code flow with PKCE, state and nonce.

Configured from ``settings.VNEID_OIDC`` (CLIENT_ID, CLIENT_SECRET, AUTHORIZATION_ENDPOINT,
TOKEN_ENDPOINT, USERINFO_ENDPOINT, JWKS_ENDPOINT, SCOPES, IDENTIFIER_CLAIM) plus these optional
keys, read with defaults: ISSUER (checked against ``iss`` when set), REDIRECT_URI (when the
public address differs from what Django sees), TOKEN_AUTH_METHOD (``client_secret_basic`` or
``client_secret_post``), ALGORITHMS (default RS256, PS256, ES256; never ``none`` or HS*).

The ID token's signature is checked against the provider's JWKS; its audience, expiry,
issuer (when configured) and nonce are checked too. Nothing is accepted unverified.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from cqs.core.errors import ApplicationError

SESSION_KEY = "accounts_vneid_flow"
# Set in the session by a VNeID login, so that what the user confirms later says how they were identified.
LOGIN_METHOD_KEY = "accounts_login_method"
LOGIN_VNEID = "vneid"
LOGIN_PASSWORD = "password"  # noqa: S105 - a method's name, not a secret
LOGIN_API_TOKEN = "api_token"  # noqa: S105 - a method's name, not a secret


def login_method(request: HttpRequest, user: Any) -> str:
    """How ``user`` was identified for this request: a VNeID login, a password login, or a bearer token.

    A request whose session is not that user's carries a bearer token (the API's other way in).
    """
    session = getattr(request, "session", None)
    if session is None or str(session.get("_auth_user_id", "")) != str(getattr(user, "pk", "")):
        return LOGIN_API_TOKEN
    return LOGIN_VNEID if session.get(LOGIN_METHOD_KEY) == LOGIN_VNEID else LOGIN_PASSWORD


FLOW_MAX_AGE_SECONDS = 600
HTTP_TIMEOUT_SECONDS = 10
DEFAULT_ALGORITHMS = ["RS256", "PS256", "ES256"]
_jwks_clients: dict[str, jwt.PyJWKClient] = {}


class VneidError(ApplicationError):
    code = "vneid_failed"


@dataclass(frozen=True)
class VneidIdentity:
    subject: str
    claims: dict[str, Any]
    next_url: str


def vneid_config() -> dict[str, Any]:
    return dict(getattr(settings, "VNEID_OIDC", {}) or {})


def vneid_enabled() -> bool:
    config = vneid_config()
    return bool(config.get("CLIENT_ID") and config.get("AUTHORIZATION_ENDPOINT") and config.get("TOKEN_ENDPOINT"))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _redirect_uri(request: HttpRequest) -> str:
    return str(vneid_config().get("REDIRECT_URI") or request.build_absolute_uri(reverse("accounts:vneid_callback")))


def vneid_authorization_url(*, request: HttpRequest, next_url: str) -> str:
    """Starts a flow: remembers state, nonce and the PKCE verifier in the session; returns where to send the browser."""
    config = vneid_config()
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    request.session[SESSION_KEY] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "next": next_url,
        "started": int(time.time()),
    }
    params = {
        "response_type": "code",
        "client_id": config["CLIENT_ID"],
        "redirect_uri": _redirect_uri(request),
        "scope": config.get("SCOPES") or "openid",
        "state": state,
        "nonce": nonce,
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
    }
    endpoint = str(config["AUTHORIZATION_ENDPOINT"])
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def _jwks_client(url: str) -> jwt.PyJWKClient:
    client = _jwks_clients.get(url)
    if client is None:
        client = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=HTTP_TIMEOUT_SECONDS)
        _jwks_clients[url] = client
    return client


def _failed() -> VneidError:
    return VneidError(_("Không xác minh được danh tính từ VNeID. Vui lòng thử lại sau."))


def verify_id_token(*, id_token: str, nonce: str) -> dict[str, Any]:
    """The ID token's claims after checking signature (JWKS), audience, expiry, issuer and nonce."""
    config = vneid_config()
    algorithms = [
        alg for alg in (config.get("ALGORITHMS") or DEFAULT_ALGORITHMS) if alg != "none" and not alg.startswith("HS")
    ]
    required = ["exp", "iat", "sub", "aud"]
    issuer = config.get("ISSUER") or None
    if issuer:
        required.append("iss")
    try:
        signing_key = _jwks_client(str(config["JWKS_ENDPOINT"])).get_signing_key_from_jwt(id_token)
        claims: dict[str, Any] = jwt.decode(
            id_token,
            signing_key.key,
            algorithms=algorithms,
            audience=config["CLIENT_ID"],
            issuer=issuer,
            leeway=60,
            options={"require": required},
        )
    except (jwt.PyJWTError, KeyError) as exc:
        raise _failed() from exc
    if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise _failed()
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != config["CLIENT_ID"]:
        raise _failed()
    return claims


def _post_token(*, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
    config = vneid_config()
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": config["CLIENT_ID"],
        "code_verifier": verifier,
    }
    auth: tuple[str, str] | None = None
    if config.get("CLIENT_SECRET"):
        if config.get("TOKEN_AUTH_METHOD", "client_secret_basic") == "client_secret_post":
            data["client_secret"] = config["CLIENT_SECRET"]
        else:
            auth = (str(config["CLIENT_ID"]), str(config["CLIENT_SECRET"]))
    try:
        response = requests.post(
            str(config["TOKEN_ENDPOINT"]),
            data=data,
            auth=auth,
            timeout=HTTP_TIMEOUT_SECONDS,
            headers={"Accept": "application/json"},
        )
        response.raise_for_status()
        payload = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise _failed() from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("id_token"), str):
        raise _failed()
    return payload


def _userinfo(*, access_token: str, subject: str) -> dict[str, Any]:
    endpoint = vneid_config().get("USERINFO_ENDPOINT")
    if not endpoint or not access_token:
        return {}
    try:
        response = requests.get(
            str(endpoint),
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=HTTP_TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        info = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise _failed() from exc
    if not isinstance(info, dict) or info.get("sub") != subject:  # OIDC Core 5.3.2: must match the ID token
        raise _failed()
    return info


def vneid_complete(*, request: HttpRequest) -> VneidIdentity:
    """Finishes the flow on the callback: checks state, swaps the code (with the PKCE verifier), verifies the token."""
    flow = request.session.pop(SESSION_KEY, None)
    state = request.GET.get("state", "")
    if (
        not isinstance(flow, dict)
        or not state
        or not secrets.compare_digest(str(flow.get("state", "")), state)
        or time.time() - int(flow.get("started", 0)) > FLOW_MAX_AGE_SECONDS
    ):
        raise VneidError(_("Phiên đăng nhập VNeID không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại."))
    if request.GET.get("error"):
        raise VneidError(_("VNeID chưa cho phép đăng nhập (bạn đã huỷ hoặc VNeID từ chối). Vui lòng thử lại."))
    code = request.GET.get("code", "")
    if not code:
        raise _failed()
    tokens = _post_token(code=code, verifier=str(flow["verifier"]), redirect_uri=_redirect_uri(request))
    claims = verify_id_token(id_token=tokens["id_token"], nonce=str(flow["nonce"]))
    subject = str(claims["sub"])
    identifier_claim = str(vneid_config().get("IDENTIFIER_CLAIM") or "citizen_id")
    if identifier_claim not in claims:
        info = _userinfo(access_token=str(tokens.get("access_token", "")), subject=subject)
        claims = {**info, **claims}
    return VneidIdentity(subject=subject, claims=claims, next_url=str(flow.get("next", "")))
