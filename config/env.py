"""Reading settings from the environment (the only place that does)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "django-insecure", "xxx"}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Biến môi trường {name} chưa được đặt.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"Biến môi trường {name} phải là true hoặc false, không phải {value!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def secret_key(*, production: bool, var_dir: Path) -> str:
    """The production key must come from the environment; development keeps one under var/."""
    value = os.environ.get("SECRET_KEY", "")
    if production:
        if value.lower() in PLACEHOLDER_SECRETS or value.startswith("django-insecure") or len(value) < 32:
            raise ImproperlyConfigured(
                "SECRET_KEY phải được đặt trong môi trường sản xuất (ít nhất 32 ký tự, không phải giá trị mẫu)."
            )
        return value
    if value:
        return value
    key_file = var_dir / "secret_key"
    if not key_file.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def audit_key(*, production: bool, var_dir: Path) -> str:
    """The key of the audit log's MACs, kept out of the database.

    Production: ``CQS_AUDIT_KEY`` (at least 32 characters) or ``CQS_AUDIT_KEY_FILE`` naming a file
    that holds it; development keeps one under var/ (``audit_key``).
    """
    value = os.environ.get("CQS_AUDIT_KEY", "")
    path = os.environ.get("CQS_AUDIT_KEY_FILE", "")
    if not value and path:
        try:
            value = Path(path).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"Không đọc được CQS_AUDIT_KEY_FILE ({path}): {error}.") from error
    if production:
        if value.lower() in PLACEHOLDER_SECRETS or len(value) < 32:
            raise ImproperlyConfigured(
                "CQS_AUDIT_KEY (hoặc CQS_AUDIT_KEY_FILE) phải được đặt trong môi trường sản xuất: khoá ít nhất "
                "32 ký tự, giữ ngoài cơ sở dữ liệu, để nhật ký kiểm toán không thể bị viết lại."
            )
        return value
    if value:
        return value
    key_file = var_dir / "audit_key"
    if not key_file.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


MEDIA_STORAGES = ("filesystem", "s3")
_S3_ADDRESSING_STYLES = ("auto", "path", "virtual")


def media_storage() -> tuple[str, dict[str, Any]]:
    """Where uploaded and generated files live (``CQS_MEDIA_STORAGE``) and the ``STORAGES["default"]`` entry for it.

    ``filesystem`` (the default): ``MEDIA_ROOT``. ``s3``: a bucket of S3-compatible object storage
    (AWS S3, MinIO, Ceph…) through django-storages, its objects private (``cqs.core.media_s3``):
    ``CQS_S3_BUCKET`` is required; ``CQS_S3_ACCESS_KEY`` and ``CQS_S3_SECRET_KEY`` go together (both
    absent: boto3's own chain, e.g. an instance role); ``CQS_S3_ENDPOINT_URL`` for storage other than
    AWS, then addressed by path unless ``CQS_S3_ADDRESSING_STYLE`` says otherwise.
    """
    kind = env_str("CQS_MEDIA_STORAGE", "filesystem").lower()
    if kind not in MEDIA_STORAGES:
        raise ImproperlyConfigured(f"CQS_MEDIA_STORAGE phải là {' hoặc '.join(MEDIA_STORAGES)}, không phải {kind!r}.")
    if kind == "filesystem":
        return kind, {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    access_key = os.environ.get("CQS_S3_ACCESS_KEY", "")
    secret_key = os.environ.get("CQS_S3_SECRET_KEY", "")
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "CQS_S3_ACCESS_KEY và CQS_S3_SECRET_KEY phải được đặt cùng nhau (hoặc cùng để trống)."
        )
    endpoint = os.environ.get("CQS_S3_ENDPOINT_URL", "")
    style = env_str("CQS_S3_ADDRESSING_STYLE", "path" if endpoint else "auto")
    if style not in _S3_ADDRESSING_STYLES:
        raise ImproperlyConfigured(
            f"CQS_S3_ADDRESSING_STYLE phải là {', '.join(_S3_ADDRESSING_STYLES)}, không phải {style!r}."
        )
    options = {
        "bucket_name": env_str("CQS_S3_BUCKET"),
        "endpoint_url": endpoint or None,
        "region_name": os.environ.get("CQS_S3_REGION") or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "addressing_style": style,
    }
    return kind, {"BACKEND": "cqs.core.media_s3.PrivateS3Storage", "OPTIONS": options}
