from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cqs.core.errors import ValidationFailed
from cqs.signing import services
from cqs.signing.models import Certificate
from cqs.signing.pdf import pdf_sign, pdf_verify

pytestmark = pytest.mark.django_db
PDFSIG = "/usr/bin/pdfsig"


def _sign(pdf: bytes, cert: Certificate, **kwargs: Any) -> bytes:
    return pdf_sign(pdf=pdf, certificate=cert, reason="Phê duyệt", location="Nghệ An", **kwargs)


def _tamper(signed: bytes, needle: bytes = b"/Type /Page") -> bytes:
    """Change one byte inside the signed range (in the original revision, before the signature)."""
    at = signed.index(needle) + 2
    return signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1 :]


def test_sign_and_verify(org_cert: Any, small_pdf: bytes) -> None:
    signed = _sign(small_pdf, org_cert)
    assert signed.startswith(b"%PDF") and b"/ETSI.CAdES.detached" in signed
    [report] = pdf_verify(pdf=signed)
    assert report.ok and report.intact and report.valid and report.trusted and not report.revoked
    assert report.signer_name == org_cert.common_name and report.covers_whole_file
    assert report.signing_time is not None and abs(report.signing_time - timezone.now()) < dt.timedelta(minutes=5)
    assert "HỢP LỆ" in report.describe()


def test_sign_and_verify_while_the_thread_runs_an_event_loop(org_cert: Any, small_pdf: bytes, chromium: Any) -> None:
    """Playwright's sync API keeps an event loop running in this thread; pyHanko cannot start its own here."""
    [report] = pdf_verify(pdf=_sign(small_pdf, org_cert))
    assert report.ok and report.signer_name == org_cert.common_name


def test_invisible_and_two_signatures(org_cert: Any, demo_ca: Any, make_official: Any, small_pdf: bytes) -> None:
    official = make_official("lanhdao")
    personal = services.certificate_issue(
        issuer=demo_ca[1], common_name="Lê Văn Lãnh Đạo", kind="personal", owner=official, actor=official
    )
    once = _sign(small_pdf, personal, visible=False)
    twice = _sign(once, org_cert, field_name="Signature2")
    first, second = pdf_verify(pdf=twice)
    assert first.ok and second.ok
    assert not first.covers_whole_file and second.covers_whole_file


def test_one_changed_byte_fails(org_cert: Any, small_pdf: bytes) -> None:
    [report] = pdf_verify(pdf=_tamper(_sign(small_pdf, org_cert)))
    assert not report.ok and not report.intact


def test_untrusted_root_fails(org_cert: Any, small_pdf: bytes) -> None:
    signed = _sign(small_pdf, org_cert)
    Certificate.objects.filter(kind="ca", issuer__isnull=True).update(
        certificate_pem=services.ca_create_demo(province_name="Hà Tĩnh")[0].certificate_pem
    )
    [report] = pdf_verify(pdf=signed)
    assert report.intact and not report.trusted and not report.ok


def test_revoked_signer_fails_and_cannot_sign(org_cert: Any, small_pdf: bytes) -> None:
    signed = _sign(small_pdf, org_cert)
    services.certificate_revoke(certificate=org_cert, reason="Lộ khoá", actor=None)
    [report] = pdf_verify(pdf=signed)
    assert report.revoked and not report.ok and "THU HỒI" in report.describe()
    with pytest.raises(ValidationFailed, match="thu hồi"):
        _sign(small_pdf, org_cert)


def test_expired_certificate_cannot_sign(org_cert: Any, small_pdf: bytes) -> None:
    Certificate.objects.filter(pk=org_cert.pk).update(not_after=timezone.now() - dt.timedelta(days=1))
    org_cert.refresh_from_db()
    with pytest.raises(ValidationFailed, match="hết hạn"):
        _sign(small_pdf, org_cert)


def test_not_a_pdf(db: Any) -> None:
    with pytest.raises(ValidationFailed, match="không phải"):
        pdf_verify(pdf=b"GIF89a not a pdf")


def _pdfsig(path: Path) -> str:
    result = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    return result.stdout + result.stderr


@pytest.mark.skipif(not Path(PDFSIG).exists(), reason="poppler-utils (pdfsig) is not installed")
def test_poppler_pdfsig_agrees(org_cert: Any, small_pdf: bytes, tmp_path: Path) -> None:
    signed = _sign(small_pdf, org_cert)
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(signed)
    bad.write_bytes(_tamper(signed))
    assert "Signature Validation: Signature is Valid." in _pdfsig(good)
    output = _pdfsig(bad)
    assert "Signature Validation:" in output and "Signature is Valid." not in output


def test_commands_sign_and_verify(agency: Any, small_pdf: bytes, tmp_path: Path, capsys: Any) -> None:
    source, target = tmp_path / "in.pdf", tmp_path / "out.pdf"
    source.write_bytes(small_pdf)
    call_command("sign_pdf", str(source), str(target))
    assert Certificate.objects.filter(kind="organisation", agency=agency).count() == 1
    assert Certificate.objects.filter(kind="ca").count() == 2
    call_command("verify_pdf", str(target))
    assert "Tất cả 1 chữ ký đều hợp lệ." in capsys.readouterr().out
    # Second use: the same CA and certificate.
    call_command("sign_pdf", str(target), str(target))
    assert Certificate.objects.count() == 3
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(_tamper(target.read_bytes()))
    with pytest.raises(CommandError, match="không hợp lệ"):
        call_command("verify_pdf", str(tampered))
    with pytest.raises(CommandError, match="không phải"):
        call_command("verify_pdf", str(_write(tmp_path, b"xin chao")))


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "note.pdf"
    path.write_bytes(data)
    return path


def test_command_personal_signer_and_production(
    make_official: Any, small_pdf: bytes, tmp_path: Path, settings: Any
) -> None:
    make_official("chuyenvien")
    source, target = tmp_path / "in.pdf", tmp_path / "out.pdf"
    source.write_bytes(small_pdf)
    call_command("sign_pdf", str(source), str(target), "--signer", "chuyenvien")
    [report] = pdf_verify(pdf=target.read_bytes())
    assert report.ok and report.signer_name == "Cán bộ chuyenvien"
    with pytest.raises(CommandError, match="Không có tài khoản"):
        call_command("sign_pdf", str(source), str(target), "--signer", "khong_ton_tai")
    Certificate.objects.filter(kind="organisation").delete()
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("sign_pdf", str(source), str(target))


def test_command_exit_code_without_signatures(agency: Any, small_pdf: bytes, tmp_path: Path) -> None:
    source = tmp_path / "unsigned.pdf"
    source.write_bytes(small_pdf)
    with pytest.raises(CommandError, match="không có chữ ký"):
        call_command("verify_pdf", str(source))
    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import ManagementUtility

        ManagementUtility(["manage.py", "verify_pdf", str(source)]).execute()
    assert exit_info.value.code != 0


def test_command_placement_and_lines(agency: Any, small_pdf: bytes, tmp_path: Path) -> None:
    source, target = tmp_path / "in.pdf", tmp_path / "out.pdf"
    source.write_bytes(small_pdf)
    call_command("sign_pdf", str(source), str(target), "--placement", "top_right", "--line", "Số: 05/QĐ-UBND")
    [report] = pdf_verify(pdf=target.read_bytes())
    assert report.ok
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("sign_pdf", str(source), str(target), "--placement", "bottom")


def test_the_next_field_is_the_first_name_no_signature_fills(org_cert: Any, small_pdf: bytes) -> None:
    from cqs.signing.pdf import next_field_name
    from cqs.signing.pdf_fields import pdf_fields_add

    assert next_field_name(small_pdf) == "Signature1"
    once = _sign(small_pdf, org_cert)
    assert next_field_name(once) == "Signature2"
    with_empty_seal = pdf_fields_add(small_pdf, [], seal_field="Signature1")  # an empty field is not taken
    assert next_field_name(with_empty_seal) == "Signature1"
    assert next_field_name(_sign(once, org_cert, field_name="Signature3")) == "Signature4"  # past the last taken
    with pytest.raises(ValidationFailed):
        next_field_name(b"%PDF-1.7 not a pdf")
