"""Tin cậy chứng thư CA gốc của một cơ quan liên thông (nhập chứng thư, không có khoá bí mật)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cqs.core.errors import ApplicationError
from cqs.documents.exchange.receive import partner_ca_trust


class Command(BaseCommand):
    help = (
        "Nhập chứng thư CA gốc (PEM) của cơ quan liên thông để kiểm tra chữ ký số trên gói tin edXML "
        "và trên tệp PDF họ gửi."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pemfile", help="tệp chứng thư CA gốc dạng PEM")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["pemfile"])
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}.")
        try:
            certificate = partner_ca_trust(pem=path.read_bytes(), actor=None)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Đã tin cậy CA gốc «{certificate.common_name}» (số hiệu {certificate.serial}).")
