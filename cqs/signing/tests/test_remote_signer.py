"""A slow or failing remote signer or timestamp authority never freezes the page: signing gives up after
``CQS_SIGNING_TIMEOUT`` / ``CQS_TSA_TIMEOUT`` seconds with a clear Vietnamese error, and nothing is signed."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pyhanko.sign.signers import SimpleSigner

from cqs.core.errors import ValidationFailed
from cqs.signing.models import Certificate
from cqs.signing.pdf import pdf_sign, pdf_verify
from cqs.signing.signers import stored_key_signer

pytestmark = pytest.mark.django_db
SLOW = f"{__name__}.slow_signer"
BROKEN = f"{__name__}.broken_signer"


class _Slow(SimpleSigner):
    """A remote signing service that takes ten seconds to answer."""

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        await asyncio.sleep(10)
        return await super().async_sign_raw(data, digest_algorithm, dry_run)


class _Broken(SimpleSigner):
    """A remote signing service that answers with an error."""

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        raise ConnectionError("503 Service Unavailable")


def _like(kind: type[SimpleSigner], certificate: Certificate) -> SimpleSigner:
    base = stored_key_signer(certificate)
    return kind(signing_cert=base.signing_cert, signing_key=base.signing_key, cert_registry=base.cert_registry)


def slow_signer(certificate: Certificate) -> SimpleSigner:
    return _like(_Slow, certificate)


def broken_signer(certificate: Certificate) -> SimpleSigner:
    return _like(_Broken, certificate)


@pytest.fixture
def silent_tsa() -> Iterator[str]:
    """A TSA that accepts the connection and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield f"http://127.0.0.1:{server.getsockname()[1]}/"


def test_a_slow_remote_signer_gives_up_in_time(org_cert: Certificate, small_pdf: bytes, settings: Any) -> None:
    settings.CQS_SIGNER_BACKEND = SLOW
    settings.CQS_SIGNING_TIMEOUT = 1
    started = time.monotonic()
    with pytest.raises(ValidationFailed) as refused:
        pdf_sign(pdf=small_pdf, certificate=org_cert, reason="Phát hành", location="Nghệ An")
    assert time.monotonic() - started < 5
    assert refused.value.message == (
        "Máy chủ ký số không trả lời trong 1 giây: văn bản chưa được ký. Hãy thử lại sau ít phút."
    )


def test_a_failing_remote_signer_is_a_clear_error(org_cert: Certificate, small_pdf: bytes, settings: Any) -> None:
    settings.CQS_SIGNER_BACKEND = BROKEN
    with pytest.raises(ValidationFailed) as refused:
        pdf_sign(pdf=small_pdf, certificate=org_cert, reason="Phát hành", location="Nghệ An")
    assert refused.value.message == "Máy chủ ký số báo lỗi: văn bản chưa được ký. Hãy thử lại sau ít phút."


def test_a_silent_timestamp_authority_gives_up_in_time(
    org_cert: Certificate, small_pdf: bytes, settings: Any, silent_tsa: str
) -> None:
    settings.CQS_TSA_URL = silent_tsa
    settings.CQS_TSA_TIMEOUT = 0.5
    started = time.monotonic()
    with pytest.raises(ValidationFailed) as refused:
        pdf_sign(pdf=small_pdf, certificate=org_cert, reason="Phát hành", location="Nghệ An")
    assert time.monotonic() - started < 3
    assert refused.value.message.startswith("Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA)")


def test_a_sound_signer_still_signs(org_cert: Certificate, small_pdf: bytes, settings: Any) -> None:
    settings.CQS_SIGNING_TIMEOUT = 30
    assert all(r.ok for r in pdf_verify(pdf=pdf_sign(pdf=small_pdf, certificate=org_cert, reason="x", location="y")))
