"""``manage.py backup``: the database, the media files and the audit anchors in one file (docs/backup.md)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cqs.core.backup import BackupRefused, backup_write


class Command(BaseCommand):
    help = (
        "Sao lưu cơ sở dữ liệu (pg_dump), các tệp (MEDIA_ROOT) và tệp mốc neo kiểm toán vào một tệp trong "
        "BACKUP_DIR (mặc định var/backups/), kèm bảng kê mã SHA-256; in đường dẫn tệp."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--directory", type=Path, default=None, help="Thư mục ghi tệp (mặc định BACKUP_DIR).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = backup_write(directory=options["directory"] or Path(settings.BACKUP_DIR))
        except BackupRefused as error:
            raise CommandError(error.message) from error
        self.stdout.write(str(path))
