"""What the bulk loaders (``seed_scale``, ``seed_documents_scale``) share: arguments, re-running in the scale DB.

The scale database lives on the same PostgreSQL server as the platform's (``DATABASE_URL`` or the
embedded server). A loader re-runs itself with ``DATABASE_URL`` pointing at it (Django reads the
setting once, at start-up) and does its work in that child process (``load``). ``--reload`` drops
the database first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection


class ScaleLoadCommand(BaseCommand):
    """Subclasses set the names and defaults below and implement ``load`` (runs in the scale database)."""

    command_name: str
    child_flag: str
    noun: str  # what --count counts ("hồ sơ", "văn bản")
    default_count: int
    default_chunk: int

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--count",
            type=int,
            default=self.default_count,
            help=f"số {self.noun} cần có (mặc định {self.default_count})",
        )
        parser.add_argument("--database", default="cqs_scale", help="tên CSDL (mặc định cqs_scale)")
        parser.add_argument("--reload", action="store_true", help="xóa và tạo lại CSDL trước khi nạp")
        parser.add_argument(
            "--chunk",
            type=int,
            default=self.default_chunk,
            help=f"số {self.noun} mỗi lần COPY (mặc định {self.default_chunk})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Không nạp dữ liệu đo hiệu năng ở môi trường sản xuất (CQS_ENV=production).")
        if not 1 <= options["count"] <= 20_000_000:
            raise CommandError("--count phải từ 1 đến 20000000.")
        if os.environ.get(self.child_flag) != "1":
            self._respawn(options)
            return
        name = connection.settings_dict["NAME"]
        if name != options["database"]:
            raise CommandError(f"Đang kết nối CSDL {name}, không phải {options['database']}.")
        self.load(options)

    def load(self, options: dict[str, Any]) -> None:
        raise NotImplementedError

    def prepare(self, options: dict[str, Any], *, catalog: bool) -> None:
        """Step 1 of a load: migrate the scale database, load the demo units, agencies (catalogue) and accounts."""
        from cqs.demo.services import demo_accounts, demo_agencies, demo_catalog, demo_totp, demo_units

        started = time.monotonic()
        what = "đơn vị, cơ quan, thủ tục, tài khoản mẫu" if catalog else "đơn vị, cơ quan, tài khoản mẫu"
        self.stdout.write(f"==> [1/3] Cập nhật cấu trúc CSDL {options['database']} và nạp {what}")
        call_command("migrate", interactive=False, verbosity=0)
        demo_units()
        demo_agencies()
        if catalog:
            demo_catalog()
        demo_accounts()
        demo_totp()
        self.stdout.write(f"    xong ({time.monotonic() - started:.1f} s)")

    def _respawn(self, options: dict[str, Any]) -> None:
        from cqs.demo.databases import drop_database, ensure_database, sibling_database_url

        url = sibling_database_url(options["database"])
        if options["reload"]:
            self.stdout.write(f"==> Xóa CSDL {options['database']}")
            drop_database(url)
        if ensure_database(url):
            self.stdout.write(f"==> Đã tạo CSDL {options['database']}")
        env = {**os.environ, "DATABASE_URL": url, self.child_flag: "1"}
        command = [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            self.command_name,
            "--count",
            str(options["count"]),
            "--chunk",
            str(options["chunk"]),
            "--database",
            options["database"],
        ]
        self.stdout.flush()
        code = subprocess.run(command, env=env, check=False).returncode  # noqa: S603 (our own manage.py)
        if code:
            raise CommandError(f"Nạp dữ liệu thất bại (mã {code}).")
