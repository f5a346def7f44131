"""``manage.py backup`` and ``restore`` (cqs.core.backup), tried on dossiers and their files: one file brings back
the database, the files and the audit chain."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cqs.core.backup import MANIFEST, _connect_arguments, _owner, row_counts
from cqs.dossiers import services
from cqs.dossiers.models import Dossier, DossierFile
from cqs.dossiers.tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _files(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


@contextmanager
def _connected_to(name: str) -> Iterator[None]:
    """The platform's own connection (its restricted role) on database ``name`` for the block."""
    saved = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved


def _backup(tmp_path: Path) -> Path:
    out = io.StringIO()
    call_command("backup", directory=tmp_path / "backups", stdout=out)
    path = Path(out.getvalue().strip())
    assert path.parent == tmp_path / "backups" and path.name.startswith("cqs-backup-") and path.suffix == ".tar"
    return path


def test_a_backup_restores_into_a_new_database_and_media_directory(
    settings: Any, tmp_path: Path, elsewhere: str
) -> None:
    w = factories.world()
    for _ in range(3):
        services.dossier_submit_online(applicant=w.citizen, filing=factories.filing(w))
    call_command("audit_anchor", stdout=io.StringIO())
    media = Path(settings.MEDIA_ROOT)
    files = _files(media)
    assert len(files) >= 3 and DossierFile.objects.count() >= 3
    with connection.cursor() as cursor:
        counts = row_counts(cursor)
    assert counts["dossiers_dossier"] == 3 and counts["core_auditevent"] > 0
    anchors = Path(settings.CQS_AUDIT_ANCHOR_FILE).read_bytes()

    path = _backup(tmp_path)
    with tarfile.open(path) as archive:
        manifest = json.load(archive.extractfile(MANIFEST))  # type: ignore[arg-type]
    assert manifest["row_counts"] == counts
    assert set(manifest["files"]) == {
        "database.dump",
        "audit/anchors.log",
        *(f"media/{name}" for name in files),
    }

    settings.MEDIA_ROOT = tmp_path / "restored-media"
    settings.CQS_AUDIT_ANCHOR_FILE = tmp_path / "restored-audit" / "anchors.log"
    out = io.StringIO()
    call_command("restore", str(path), database_name=elsewhere, stdout=out)
    assert out.getvalue().startswith(f"Đã khôi phục vào cơ sở dữ liệu “{elsewhere}”")

    assert _files(tmp_path / "restored-media") == files
    assert Path(settings.CQS_AUDIT_ANCHOR_FILE).read_bytes() == anchors
    with _connected_to(elsewhere):
        with connection.cursor() as cursor:
            assert row_counts(cursor) == counts
        verified = io.StringIO()
        call_command("audit_verify", stdout=verified, stderr=io.StringIO())
        assert verified.getvalue().startswith("Nhật ký kiểm toán toàn vẹn:")
        # The application's role has its grants back: it reads and writes, the audit log stays append-only.
        dossier = Dossier.objects.first()
        assert dossier is not None
        Dossier.objects.filter(pk=dossier.pk).update(applicant_phone="0900000000")
        with pytest.raises(Exception, match="permission denied"), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent")


def _tampered(path: Path, member: str) -> Path:
    """A copy of the backup with ``member`` changed (a byte of a file, a figure of the manifest)."""
    out = path.with_name("tampered.tar")
    with tarfile.open(path) as source, tarfile.open(out, "w") as target:
        for info in source.getmembers():
            data = source.extractfile(info).read()  # type: ignore[union-attr]
            if info.name == member == MANIFEST:  # a count lowered: the manifest's MAC no longer matches
                manifest = json.loads(data)
                manifest["row_counts"]["dossiers_dossier"] = 0
                data = json.dumps(manifest).encode()
                info.size = len(data)
            elif info.name == member:
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.addfile(info, io.BytesIO(data))
    return out


@pytest.mark.parametrize("member", ["database.dump", "media", "manifest.json"])
def test_a_tampered_backup_is_refused_and_nothing_changes(
    settings: Any, tmp_path: Path, elsewhere: str, member: str
) -> None:
    w = factories.world()
    services.dossier_submit_online(applicant=w.citizen, filing=factories.filing(w))
    path = _backup(tmp_path)
    with tarfile.open(path) as archive:
        names = archive.getnames()
    name = next(n for n in names if n.startswith(member))
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(_tampered(path, name)), database_name=elsewhere)
    message = str(refused.value)
    assert message.startswith("Bản sao lưu không hợp lệ, không khôi phục gì: ")
    if member == MANIFEST:
        assert message.endswith(
            "mã xác thực của bảng kê không khớp (bảng kê bị sửa, hoặc khoá CQS_AUDIT_KEY khác khoá lúc sao lưu)."
        )
    else:
        assert message.endswith(f"tệp “{name}” đã bị thay đổi (mã SHA-256 không khớp).")
    assert not (tmp_path / "restored-media").exists()
    with psycopg.connect(**_connect_arguments({**_owner(), "NAME": "postgres"})) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [elsewhere]).fetchone() is None


def test_a_database_that_is_not_empty_is_refused(settings: Any, tmp_path: Path) -> None:
    factories.world()
    path = _backup(tmp_path)
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    settings.CQS_AUDIT_ANCHOR_FILE = tmp_path / "restored-audit" / "anchors.log"
    with pytest.raises(CommandError, match="đã có bảng; chỉ khôi phục vào một cơ sở dữ liệu trống"):
        call_command("restore", str(path), database_name=str(settings.DATABASES["default"]["NAME"]))
    assert not (tmp_path / "restored-media").exists()


def test_a_media_directory_that_is_not_empty_is_refused(settings: Any, tmp_path: Path, elsewhere: str) -> None:
    factories.world()
    path = _backup(tmp_path)
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    (tmp_path / "restored-media").mkdir()
    (tmp_path / "restored-media" / "cu.pdf").write_bytes(b"%PDF")
    with pytest.raises(CommandError, match="không trống; chỉ khôi phục vào một thư mục trống"):
        call_command("restore", str(path), database_name=elsewhere)
    with psycopg.connect(**_connect_arguments({**_owner(), "NAME": "postgres"})) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [elsewhere]).fetchone() is None
