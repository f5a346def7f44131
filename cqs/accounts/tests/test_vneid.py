"""VNeID sign-in against a small but real OpenID Connect provider served in the test.

The provider signs ID tokens with an RSA key, publishes it as a JWKS, checks the PKCE
verifier and the client's credentials at the token endpoint: the code under test runs its real
path (HTTP calls with requests, key fetch with PyJWKClient, signature and claim checks).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.urls import reverse

from cqs.accounts.models import User
from cqs.accounts.tests.conftest import verify_identity
from cqs.core.models import AuditEvent

pytestmark = pytest.mark.django_db

CLIENT_ID = "cong-dich-vu-cong-nghe-an"
CLIENT_SECRET = "bi-mat-cua-ung-dung"
REFUSED = "Không xác minh được danh tính từ VNeID. Vui lòng thử lại sau."


@dataclass
class Provider:
    base: str = ""
    key: Any = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
    kid: str = "khoa-1"
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    signing_key: Any = None  # when set, tokens are signed with this key instead (a forgery)
    claims_in_id_token: bool = True

    def authorize(self, location: str, claims: dict[str, Any], *, nonce: str | None = None) -> tuple[str, str]:
        """What VNeID does after the citizen consents: remembers the request, hands back a code."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "challenge": query["code_challenge"],
            "redirect_uri": query["redirect_uri"],
            "nonce": nonce if nonce is not None else query["nonce"],
            "claims": claims,
        }
        return code, query["state"]

    def id_token(self, grant: dict[str, Any]) -> str:
        now = int(time.time())
        payload = {"iss": self.base, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": grant["nonce"]}
        claims = grant["claims"] if self.claims_in_id_token else {"sub": grant["claims"]["sub"]}
        payload.update(claims)
        return jwt.encode(payload, self.signing_key or self.key, algorithm="RS256", headers={"kid": self.kid})

    def jwks(self) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/jwks":
                self._send(200, provider.jwks())
            elif self.path == "/userinfo":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                info = provider.access_tokens.get(token)
                self._send(200, info) if info else self._send(401, {"error": "invalid_token"})
            else:
                self._send(404, {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            provider.token_requests.append(form)
            expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if self.path != "/token" or self.headers.get("Authorization") != expected:
                return self._send(401, {"error": "invalid_client"})
            grant = provider.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if (
                grant is None
                or form.get("grant_type") != "authorization_code"
                or grant["challenge"] != challenge
                or grant["redirect_uri"] != form.get("redirect_uri")
            ):
                return self._send(400, {"error": "invalid_grant"})
            access = secrets.token_urlsafe(16)
            provider.access_tokens[access] = grant["claims"]
            return self._send(
                200, {"access_token": access, "token_type": "Bearer", "id_token": provider.id_token(grant)}
            )

    return Handler


@pytest.fixture
def provider(settings: Any) -> Iterator[Provider]:
    state = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.VNEID_OIDC = {
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "AUTHORIZATION_ENDPOINT": f"{state.base}/authorize",
        "TOKEN_ENDPOINT": f"{state.base}/token",
        "USERINFO_ENDPOINT": f"{state.base}/userinfo",
        "JWKS_ENDPOINT": f"{state.base}/jwks",
        "SCOPES": "openid profile",
        "IDENTIFIER_CLAIM": "citizen_id",
        "ISSUER": state.base,
    }
    yield state
    server.shutdown()
    server.server_close()


CLAIMS = {
    "sub": "vneid-7f3a",
    "citizen_id": "001185000001",
    "name": "Lê Thị Mai",
    "birthdate": "1985-03-08",
    "email": "mai@example.vn",
}


def _start(client: Client) -> str:
    response = client.get(reverse("accounts:vneid_start"), {"next": "/thu-tuc/"})
    assert response.status_code == 302
    return str(response["Location"])


def _callback(client: Client, code: str, state: str):  # type: ignore[no-untyped-def]
    return client.get(reverse("accounts:vneid_callback"), {"code": code, "state": state}, follow=True)


def _signed_in(client: Client) -> User | None:
    response = client.get(reverse("accounts:profile"))
    return response.context["account"] if response.status_code == 200 else None


def test_login_page_shows_the_vneid_button(client: Client, provider: Provider) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("accounts:vneid_start")}"' in html
    assert "chưa được cấu hình" not in html


def test_a_new_citizen_is_created_from_verified_claims(client: Client, provider: Provider) -> None:
    code, state = provider.authorize(_start(client), CLAIMS)
    response = _callback(client, code, state)
    assert response.redirect_chain[-1][0] == "/thu-tuc/"
    user = User.objects.get()
    assert (user.username, user.citizen_id, user.kind) == ("001185000001", "001185000001", User.Kind.CITIZEN)
    assert (user.full_name, user.email, str(user.date_of_birth)) == ("Lê Thị Mai", "mai@example.vn", "1985-03-08")
    assert user.vneid_subject == "vneid-7f3a"
    assert not user.has_usable_password()
    assert _signed_in(client) == user
    assert AuditEvent.objects.filter(action="account.create", object_id=str(user.pk)).exists()
    request = provider.token_requests[0]
    assert "client_secret" not in request and len(request["code_verifier"]) >= 43


def test_an_existing_verified_citizen_is_found_by_citizen_id_and_linked(client: Client, provider: Provider) -> None:
    existing = User.objects.create_user(username="001185000001", citizen_id="001185000001", full_name="Lê Thị Mai")
    verify_identity(existing)  # an unverified one is taken over instead (test_identity)
    code, state = provider.authorize(_start(client), CLAIMS)
    _callback(client, code, state)
    assert _signed_in(client) == existing
    existing.refresh_from_db()
    assert existing.vneid_subject == "vneid-7f3a"
    assert User.objects.count() == 1
    assert AuditEvent.objects.filter(action="account.vneid_link").exists()


def test_the_identifier_may_come_from_the_userinfo_endpoint(client: Client, provider: Provider) -> None:
    provider.claims_in_id_token = False
    code, state = provider.authorize(_start(client), CLAIMS)
    _callback(client, code, state)
    assert _signed_in(client) == User.objects.get(citizen_id="001185000001")


def test_a_wrong_state_is_refused_before_any_token_request(client: Client, provider: Provider) -> None:
    code, _state = provider.authorize(_start(client), CLAIMS)
    response = _callback(client, code, "trang-thai-gia")
    assert "Phiên đăng nhập VNeID không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại." in response.content.decode()
    assert provider.token_requests == []
    assert not User.objects.exists() and _signed_in(client) is None


def test_a_state_is_single_use(client: Client, provider: Provider) -> None:
    code, state = provider.authorize(_start(client), CLAIMS)
    _callback(client, code, state)
    client.logout()
    again = _callback(client, code, state)
    assert "Phiên đăng nhập VNeID không hợp lệ hoặc đã hết hạn." in again.content.decode()
    assert len(provider.token_requests) == 1


def test_a_token_signed_with_another_key_is_refused(client: Client, provider: Provider) -> None:
    provider.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    code, state = provider.authorize(_start(client), CLAIMS)
    response = _callback(client, code, state)
    assert REFUSED in response.content.decode()
    assert not User.objects.exists() and _signed_in(client) is None


def test_a_replayed_nonce_is_refused(client: Client, provider: Provider) -> None:
    code, state = provider.authorize(_start(client), CLAIMS, nonce="nonce-cu")
    assert REFUSED in _callback(client, code, state).content.decode()
    assert not User.objects.exists()


def test_an_invalid_citizen_id_claim_creates_nothing(client: Client, provider: Provider) -> None:
    code, state = provider.authorize(_start(client), {**CLAIMS, "citizen_id": "003185000001"})
    html = _callback(client, code, state).content.decode()
    assert (
        "VNeID không trả về số định danh cá nhân hợp lệ: "
        "Ba chữ số đầu (003) không phải mã tỉnh, thành phố nơi đăng ký khai sinh."
    ) in html
    assert not User.objects.exists()


def test_officials_cannot_sign_in_through_vneid(client: Client, provider: Provider) -> None:
    User.objects.create_user(username="canbo", citizen_id="001185000001", full_name="Cán bộ", kind="official")
    code, state = provider.authorize(_start(client), CLAIMS)
    html = _callback(client, code, state).content.decode()
    assert "Tài khoản này không đăng nhập bằng VNeID được." in html
    assert _signed_in(client) is None


def test_the_provider_refusing_is_reported(client: Client, provider: Provider) -> None:
    _start(client)
    state = client.session["accounts_vneid_flow"]["state"]
    response = client.get(reverse("accounts:vneid_callback"), {"error": "access_denied", "state": state}, follow=True)
    assert "VNeID chưa cho phép đăng nhập" in response.content.decode()


def test_the_refusal_comes_from_the_signature_check(provider: Provider) -> None:
    from cqs.accounts.vneid import VneidError, verify_id_token

    grant = {"nonce": "n", "claims": CLAIMS}
    assert verify_id_token(id_token=provider.id_token(grant), nonce="n")["citizen_id"] == "001185000001"
    provider.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(VneidError) as caught:
        verify_id_token(id_token=provider.id_token(grant), nonce="n")
    assert isinstance(caught.value.__cause__, jwt.InvalidSignatureError)
