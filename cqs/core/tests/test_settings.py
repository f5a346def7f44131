"""Settings read from the environment: production refuses to start without its real values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _settings_in_production(**env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CQS_", "SECRET_KEY"))}
    environ |= {"CQS_ENV": "production", "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.CQS_PUBLIC_URL)",
        ],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_needs_the_public_address_links_and_qr_codes_point_to() -> None:
    secret = "k" * 40
    missing = _settings_in_production(
        SECRET_KEY=secret, CQS_AUDIT_KEY="a" * 40, DATABASE_URL="postgresql://x@127.0.0.1:1/x"
    )
    assert missing.returncode != 0
    assert "Biến môi trường CQS_PUBLIC_URL chưa được đặt." in missing.stderr
    given = _settings_in_production(
        SECRET_KEY=secret,
        CQS_AUDIT_KEY="a" * 40,
        DATABASE_URL="postgresql://x@127.0.0.1:1/x",
        CQS_PUBLIC_URL="https://dichvucong.nghean.gov.vn",
    )
    assert given.returncode == 0, given.stderr
    assert given.stdout.strip() == "https://dichvucong.nghean.gov.vn"
