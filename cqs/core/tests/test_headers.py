"""Security headers: the Content-Security-Policy on every page type, no-store on personal data, no inline
style attributes or un-nonced inline scripts and styles in any page template; ``check --deploy`` is clean."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from cqs.core.headers import content_security_policy, error_page_style_hash

pytestmark = pytest.mark.django_db

BASE_DIR = Path(django_settings.BASE_DIR)
NONCE = re.compile(r"'nonce-([A-Za-z0-9_\-]+)'")
# Rendered only to PDF by WeasyPrint (never served as HTML), or the self-contained 500 page (hashed).
NOT_SERVED_AS_HTML = {
    "cqs/dossiers/templates/dossiers/declaration.html",
    "cqs/dossiers/templates/dossiers/forms/_base.html",
    "cqs/dossiers/templates/dossiers/results/result.html",
    "cqs/documents/templates/documents/incoming/slip_pdf.html",
    "cqs/documents/templates/documents/registers/print.html",
    "cqs/templates/500.html",
}


@pytest.fixture(autouse=True)
def _urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "cqs.core.tests.urls_headers"
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


def _csp(response: Any) -> str:
    return str(response["Content-Security-Policy"])


def _nonce(response: Any) -> str:
    found = NONCE.search(_csp(response))
    assert found is not None
    return found.group(1)


def _expected(nonce: str, *, extra_style: str = "") -> str:
    style = f"'self' 'nonce-{nonce}'" + (f" {extra_style}" if extra_style else "")
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src {style}; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


def _logged_in(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_every_page_type_gets_the_policy(w: Any) -> None:
    """``w`` (root conftest): a commune with a published procedure, its officials and a citizen."""
    anonymous = Client(raise_request_exception=False)
    pages = {
        "home": (anonymous, "/"),
        "catalogue": (anonymous, reverse("portal:procedures")),
        "procedure": (anonymous, reverse("portal:procedure", args=[w.procedure.code])),
        "login form": (anonymous, reverse("accounts:login")),
        "citizen page": (_logged_in(w.citizen), reverse("portal:dossiers")),
        "official page": (_logged_in(w.officer), reverse("desk:worklist")),
        "API answer": (anonymous, "/api/v1/procedures"),
        "file download": (anonymous, "/thu-nghiem/tai-ve/"),
        "not found": (anonymous, "/khong-co-trang-nay/"),
    }
    nonces = set()
    for name, (client, url) in pages.items():
        response = client.get(url)
        assert response.status_code in {200, 404}, name
        nonce = _nonce(response)
        nonces.add(nonce)
        assert _csp(response) == _expected(nonce), name
        assert len(nonce) >= 22, name
    assert len(nonces) == len(pages)  # a fresh nonce on every answer


def test_the_server_error_page_keeps_its_inline_style_by_hash() -> None:
    response = Client(raise_request_exception=False).get("/thu-nghiem/loi/")
    assert response.status_code == 500
    html = response.content.decode()
    style = re.search(r"<style>(.*?)</style>", html, re.DOTALL)
    assert style is not None
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert error_page_style_hash() == f"'sha256-{digest}'"
    assert _csp(response) == _expected(_nonce(response), extra_style=f"'sha256-{digest}'")


def test_scripts_come_from_the_site_or_carry_the_requests_nonce(w: Any) -> None:
    client = _logged_in(w.citizen)
    response = client.get(reverse("portal:apply", args=[w.procedure.code]))
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    for attrs in scripts:
        source = re.search(r'src="([^"]*)"', attrs)
        assert (source and source.group(1).startswith("/static/")) or f'nonce="{_nonce(response)}"' in attrs, attrs


def test_a_views_own_policy_is_kept(rf: Any) -> None:
    from django.http import HttpResponse

    from cqs.core.headers import SecurityHeadersMiddleware

    def sandboxed(request: Any) -> HttpResponse:
        response = HttpResponse(b"%PDF", content_type="application/pdf")
        response["Content-Security-Policy"] = "sandbox"
        return response

    response = SecurityHeadersMiddleware(sandboxed)(rf.get("/tep/"))
    assert response["Content-Security-Policy"] == "sandbox"


def test_https_requests_also_upgrade_insecure_requests() -> None:
    policy = content_security_policy(nonce="abc", secure=True)
    assert policy.endswith("; upgrade-insecure-requests")


def test_no_template_served_as_html_has_inline_styles_or_unnonced_inline_code() -> None:
    offenders = []
    for path in sorted(BASE_DIR.glob("cqs/**/templates/**/*.html")):
        relative = str(path.relative_to(BASE_DIR))
        if relative in NOT_SERVED_AS_HTML or "/tests/" in relative:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\sstyle\s*=", text):
            offenders.append(f"{relative}: style attribute")
        for tag in re.findall(r"<(?:script|style)(?![^>]*\bsrc=)[^>]*>", text):
            if 'nonce="{{ csp_nonce }}"' not in tag:
                offenders.append(f"{relative}: {tag}")
        if re.search(r"\son[a-z]+\s*=\s*[\"']|javascript:", text):
            offenders.append(f"{relative}: inline event handler")
    assert offenders == []


# ---------------------------------------------------------------- Cache-Control


def test_personal_data_is_never_stored_and_public_pages_stay_cacheable(w: Any) -> None:
    anonymous = Client()
    for url in ("/", reverse("portal:procedures"), reverse("portal:procedure", args=[w.procedure.code])):
        assert "no-store" not in anonymous.get(url).get("Cache-Control", ""), url
    private = [
        (_logged_in(w.citizen), "/"),  # any page to a signed-in person
        (_logged_in(w.citizen), reverse("portal:dossiers")),
        (_logged_in(w.officer), reverse("desk:worklist")),
        (_logged_in(w.citizen), "/api/v1/dossiers"),
        (anonymous, "/api/v1/procedures"),  # every API answer
        (anonymous, "/thu-nghiem/tai-ve/"),  # every file
        (anonymous, reverse("accounts:login")),
    ]
    for client, url in private:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url
    bearer = Client().get("/api/v1/procedures", HTTP_AUTHORIZATION="Bearer khong-hop-le")
    assert bearer["Cache-Control"] == "private, no-store"


# ---------------------------------------------------------------- check --deploy


def _deploy_check(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"},  # the tests' own
        "CQS_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "dichvucong.nghean.gov.vn",
        "CQS_PUBLIC_URL": "https://dichvucong.nghean.gov.vn",
        "CQS_AUDIT_KEY": secrets.token_urlsafe(40),
        "DATABASE_URL": "postgresql://cqs@127.0.0.1:1/cqs",  # never connected to by the check
        "DEBUG": "",
        **env,
    }
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        command, cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_in_production_mode_gives_no_warning() -> None:
    result = _deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_tls_ended_at_the_proxy_silences_only_the_redirect_check() -> None:
    result = _deploy_check(CQS_TLS_REDIRECT_AT_PROXY="true")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_production_redirects_to_https_and_sends_hsts(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    client = Client()
    plain = client.get("/thu-tuc/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/thu-tuc/"
    secure = client.get("/thu-tuc/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "upgrade-insecure-requests" in secure["Content-Security-Policy"]
    assert client.get("/healthz").status_code == 200
