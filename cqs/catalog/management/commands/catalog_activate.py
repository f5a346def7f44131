"""Bring into force the published versions whose effective date has come (also run daily by the worker)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cqs.catalog.services import catalog_activate_due


class Command(BaseCommand):
    help = "Áp dụng các phiên bản thủ tục đã công bố đến ngày có hiệu lực."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Ngày tính (YYYY-MM-DD); mặc định hôm nay.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError("Ngày phải theo dạng YYYY-MM-DD.") from error
        count = catalog_activate_due(today=today)
        self.stdout.write(f"Đã áp dụng {count} phiên bản thủ tục.")
