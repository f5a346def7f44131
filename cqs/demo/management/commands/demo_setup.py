"""``python manage.py demo_setup``: migrate, load the Nghệ An demo, print the demo accounts."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cqs.demo.services import DemoAccounts, demo_seed


class Command(BaseCommand):
    help = "Cập nhật CSDL và nạp dữ liệu mẫu tỉnh Nghệ An (chạy lại nhiều lần không tạo trùng)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Không nạp dữ liệu mẫu ở môi trường sản xuất (CQS_ENV=production).")
        started = time.monotonic()
        self.stdout.write("==> Cập nhật cấu trúc cơ sở dữ liệu (migrate)… ", ending="")
        self.stdout.flush()
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"xong ({time.monotonic() - started:.1f} s)".replace(".", ","))
        self.stdout.write("==> Nạp dữ liệu mẫu tỉnh Nghệ An")
        accounts = demo_seed(stdout=self.stdout)
        self._table(accounts)
        self.stdout.write(f"Tổng thời gian: {time.monotonic() - started:.1f} s".replace(".", ","))

    def _table(self, result: DemoAccounts) -> None:
        rows = [("Vai trò", "Tên đăng nhập", "Mật khẩu", "Họ và tên / đơn vị")]
        for account in result.accounts:
            who = f"{account.full_name} — {account.agency}" if account.agency else account.full_name
            rows.append((account.label, account.username, account.password, who))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("")
        self.stdout.write("Tài khoản mẫu:")
        for index, row in enumerate(rows):
            line = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
            self.stdout.write(f"  {line}  {row[3]}")
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths) + "  " + "-" * 20)
        self.stdout.write("")
        self.stdout.write(
            "Cán bộ đăng nhập bằng mật khẩu và mã xác thực hai lớp (TOTP). Lấy mã hiện tại bằng lệnh:\n"
            "  .venv/bin/python manage.py totp_code TÊN_ĐĂNG_NHẬP\n"
            f"hoặc thêm khóa bí mật dùng chung cho tài khoản mẫu vào ứng dụng xác thực: {result.totp_secret}"
        )
        self.stdout.write("Công dân đăng nhập bằng số định danh cá nhân, doanh nghiệp bằng mã số thuế.")
