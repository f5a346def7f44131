"""``manage.py restore FILE``: a backup put back into an empty database and media directory (docs/backup.md)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from cqs.core.backup import BackupRefused, backup_restore
from cqs.core.dbroles import app_role_name


class Command(BaseCommand):
    help = (
        "Khôi phục một tệp sao lưu vào cơ sở dữ liệu trống (tạo mới nếu chưa có), thư mục tệp trống và tệp mốc "
        "neo; kiểm tra mã SHA-256 của mọi tệp trước, không thay đổi gì nếu bản sao lưu bị sửa."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--database-name", default=None, help="Tên cơ sở dữ liệu đích (mặc định cơ sở dữ liệu đã cấu hình)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        database = options["database_name"] or str(connection.settings_dict["NAME"])
        try:
            restored = backup_restore(file=options["file"], database=database, app_role=app_role_name())
        except BackupRefused as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Đã khôi phục vào cơ sở dữ liệu “{restored.database}”: "
            f"{sum(restored.row_counts.values())} dòng, {restored.files} tệp. "
            "Chạy `manage.py audit_verify` để kiểm tra."
        )
