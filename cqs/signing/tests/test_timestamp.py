"""PAdES B-T: a timestamp from an RFC 3161 authority (the TSA simulator, a separate server) when one is configured."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from django.utils import timezone

from cqs.core.errors import ValidationFailed
from cqs.signing import ca
from cqs.signing.pdf import pdf_sign, pdf_verify

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def tsa(demo_ca: Any, tmp_path: Path) -> Iterator[str]:
    """The URL of a running TSA whose certificate the demo issuing CA issued (so its tokens are trusted)."""
    issuing = demo_ca[1]
    (tmp_path / "ca.pem").write_text(issuing.certificate_pem)
    key = ca.key_decrypt(issuing.private_key_pem).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "ca.key").write_bytes(key)
    server = subprocess.Popen(  # noqa: S603 (our own simulator)
        [sys.executable, "-m", "cqs.integrations.simulators.tsa", "--port=0", "--issuer-cert", str(tmp_path / "ca.pem"),
         "--issuer-key", str(tmp_path / "ca.key")],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("TSA "), line
        yield line.split()[1]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_with_a_tsa_the_signature_is_timestamped(
    org_cert: Any, small_pdf: bytes, settings: Any, tsa: str, tmp_path: Path
) -> None:
    settings.CQS_TSA_URL = tsa
    signed = pdf_sign(pdf=small_pdf, certificate=org_cert, reason="Phát hành", location="Nghệ An")
    [report] = pdf_verify(pdf=signed)
    assert report.ok and report.timestamped
    assert report.signing_time is not None and abs(report.signing_time - timezone.now()) < dt.timedelta(minutes=2)
    assert "(có dấu thời gian)" in report.describe()
    (tmp_path / "signed.pdf").write_bytes(signed)
    out = subprocess.run(["/usr/bin/pdfsig", str(tmp_path / "signed.pdf")], capture_output=True, text=True)  # noqa: S603
    assert "Signature is Valid." in out.stdout  # the CMS with its timestamp token, read by an independent verifier


def test_without_a_tsa_the_signature_is_not_timestamped(org_cert: Any, small_pdf: bytes, settings: Any) -> None:
    settings.CQS_TSA_URL = ""
    [report] = pdf_verify(pdf=pdf_sign(pdf=small_pdf, certificate=org_cert, reason="Phát hành", location="Nghệ An"))
    assert report.ok and not report.timestamped


def test_an_unreachable_tsa_is_a_clear_error(org_cert: Any, small_pdf: bytes, settings: Any) -> None:
    settings.CQS_TSA_URL = "http://127.0.0.1:9/"  # the discard port: nothing listens
    with pytest.raises(ValidationFailed) as caught:
        pdf_sign(pdf=small_pdf, certificate=org_cert, reason="Phát hành", location="Nghệ An")
    assert caught.value.message.startswith("Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA)")


def test_the_simulator_refuses_what_is_not_a_timestamp_query(tsa: str) -> None:
    assert requests.post(tsa, data=b"x", headers={"Content-Type": "text/plain"}, timeout=5).status_code == 415
    bad = requests.post(tsa, data=b"\x30\x03abc", headers={"Content-Type": "application/timestamp-query"}, timeout=5)
    assert bad.status_code == 400
