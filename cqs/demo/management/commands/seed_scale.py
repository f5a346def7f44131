"""``python manage.py seed_scale [--count N]``: a separate database ``cqs_scale`` with a million dossiers.

The database lives on the same PostgreSQL server as the platform's (``DATABASE_URL`` or the
embedded server). The command re-runs itself with ``DATABASE_URL`` pointing at ``cqs_scale``
(Django reads the setting once, at start-up), migrates it, loads the Nghệ An demo units,
agencies, procedures and accounts, then appends generated dossiers with PostgreSQL COPY until
there are ``--count`` of them (``cqs.demo.scale``). ``--reload`` drops the database first.
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

CHILD_FLAG = "CQS_SEED_SCALE_CHILD"


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


class Command(BaseCommand):
    help = "Tạo CSDL cqs_scale với 1.000.000 hồ sơ sinh tự động (nạp bằng COPY) để đo hiệu năng."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=1_000_000, help="số hồ sơ cần có (mặc định 1000000)")
        parser.add_argument("--database", default="cqs_scale", help="tên CSDL (mặc định cqs_scale)")
        parser.add_argument("--reload", action="store_true", help="xóa và tạo lại CSDL trước khi nạp")
        parser.add_argument("--chunk", type=int, default=100_000, help="số hồ sơ mỗi lần COPY (mặc định 100000)")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Không nạp dữ liệu đo hiệu năng ở môi trường sản xuất (CQS_ENV=production).")
        if not 1 <= options["count"] <= 20_000_000:
            raise CommandError("--count phải từ 1 đến 20000000.")
        if os.environ.get(CHILD_FLAG) != "1":
            self._respawn(options)
            return
        self._load(options)

    def _respawn(self, options: dict[str, Any]) -> None:
        from cqs.demo.databases import drop_database, ensure_database, sibling_database_url

        url = sibling_database_url(options["database"])
        if options["reload"]:
            self.stdout.write(f"==> Xóa CSDL {options['database']}")
            drop_database(url)
        if ensure_database(url):
            self.stdout.write(f"==> Đã tạo CSDL {options['database']}")
        env = {**os.environ, "DATABASE_URL": url, CHILD_FLAG: "1"}
        command = [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "seed_scale",
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

    def _load(self, options: dict[str, Any]) -> None:
        from cqs.demo.scale import scale_load
        from cqs.demo.services import demo_accounts, demo_agencies, demo_catalog, demo_totp, demo_units
        from cqs.dossiers.models import Dossier

        name = connection.settings_dict["NAME"]
        if name != options["database"]:
            raise CommandError(f"Đang kết nối CSDL {name}, không phải {options['database']}.")
        started = time.monotonic()
        self.stdout.write(f"==> [1/3] Cập nhật cấu trúc CSDL {name} và nạp đơn vị, cơ quan, thủ tục, tài khoản mẫu")
        call_command("migrate", interactive=False, verbosity=0)
        demo_units()
        demo_agencies()
        demo_catalog()
        demo_accounts()
        demo_totp()
        self.stdout.write(f"    xong ({time.monotonic() - started:.1f} s)")
        present = Dossier.objects.count()
        todo = options["count"] - present
        if todo <= 0:
            self.stdout.write(f"==> [2/3] Đã có {_n(present)} hồ sơ, không nạp thêm (--reload để nạp lại)")
            return
        self.stdout.write(f"==> [2/3] Nạp {_n(todo)} hồ sơ bằng COPY (đã có {_n(present)})")
        result = scale_load(count=todo, stdout=self.stdout, chunk=options["chunk"], drop_indexes=todo >= 50_000)
        self.stdout.write(
            f"==> [3/3] Xong: {_n(result.dossiers)} hồ sơ, {_n(result.events)} sự kiện, {_n(result.steps)} bước trong "
            f"{result.seconds:.0f} s ({_n(result.dossiers / result.seconds)} hồ sơ/s; dựng chỉ mục và ANALYZE "
            f"{result.index_seconds:.0f} s)"
        )
