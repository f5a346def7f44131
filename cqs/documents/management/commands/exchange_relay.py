"""Gửi ngay các gói tin edXML đến hạn trong hộp thư đi (tiến trình nền cũng làm việc này mỗi phút)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cqs.documents.exchange.outbox import outbox_relay


class Command(BaseCommand):
    help = (
        "Gửi các gói tin edXML đến hạn trong hộp thư đi tới địa chỉ liên thông của cơ quan nhận "
        "(tiến trình nền chạy việc này mỗi phút; lệnh này để gửi ngay bằng tay)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=100, help="số gói tin tối đa")

    def handle(self, *args: Any, **options: Any) -> None:
        delivered = outbox_relay(limit=options["limit"])
        self.stdout.write(f"Đã gửi {delivered} gói tin edXML.")
