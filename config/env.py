"""Reading settings from the environment (the only place that does)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

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
