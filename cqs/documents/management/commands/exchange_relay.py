"""Gửi các gói tin edXML đang chờ trong hộp thư đi (gửi lại các gói lỗi khi đến hạn)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cqs.documents.exchange.outbox import outbox_relay


class Command(BaseCommand):
    help = (
        "Gửi các gói tin edXML đến hạn trong hộp thư đi tới địa chỉ liên thông của cơ quan nhận. "
        "--loop để chạy liên tục (nhiều tiến trình chạy song song không gửi trùng một gói tin)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="chạy liên tục")
        parser.add_argument("--interval", type=float, default=15.0, help="số giây nghỉ giữa hai lượt (với --loop)")
        parser.add_argument("--limit", type=int, default=100, help="số gói tin tối đa mỗi lượt")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            delivered = outbox_relay(limit=options["limit"])
            if delivered or not options["loop"]:
                self.stdout.write(f"Đã gửi {delivered} gói tin edXML.")
            if not options["loop"]:
                return
            time.sleep(options["interval"])
