from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cqs.units.services import units_load_from_package


class Command(BaseCommand):
    help = "Nạp 34 tỉnh, thành phố và 3.321 xã, phường, đặc khu từ gói vietnam-provinces (chạy lại không đổi gì)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province", type=int, action="append", dest="provinces", help="Chỉ nạp tỉnh có mã này (lặp lại được)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        provinces, communes = units_load_from_package(province_codes=options.get("provinces"))
        self.stdout.write(f"Đã tạo {provinces} tỉnh, thành phố và {communes} xã, phường, đặc khu.")
