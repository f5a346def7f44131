"""Kiểm tra các chữ ký số trong một tệp PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cqs.core.errors import ApplicationError
from cqs.signing.pdf import pdf_verify


class Command(BaseCommand):
    help = "Kiểm tra chữ ký số trong tệp PDF; thoát với mã khác 0 nếu có chữ ký không hợp lệ hoặc tệp không phải PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="tệp PDF cần kiểm tra")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}.")
        try:
            reports = pdf_verify(pdf=path.read_bytes())
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if not reports:
            raise CommandError("Tệp PDF không có chữ ký số nào.")
        for report in reports:
            self.stdout.write(report.describe())
        invalid = sum(1 for r in reports if not r.ok)
        if invalid:
            raise CommandError(f"{invalid}/{len(reports)} chữ ký không hợp lệ.")
        self.stdout.write(f"Tất cả {len(reports)} chữ ký đều hợp lệ.")
