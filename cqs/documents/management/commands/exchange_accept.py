"""Văn thư tiếp nhận (hoặc từ chối) một gói tin văn bản điện tử đang chờ, theo mã gói tin."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cqs.accounts.models import User
from cqs.core.errors import ApplicationError
from cqs.documents.exchange.receive import package_accept, package_refuse
from cqs.documents.models import ExchangeMessage


class Command(BaseCommand):
    help = (
        "Tiếp nhận gói tin edXML có mã DOCUMENT_ID vào sổ văn bản đến, với tư cách văn thư --clerk; "
        "--refuse LÝ_DO để từ chối tiếp nhận. Nơi gửi được báo trạng thái 03 hoặc 02."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("document_id", help="mã gói tin (DocumentId)")
        parser.add_argument("--clerk", required=True, help="tên đăng nhập của văn thư cơ quan nhận")
        parser.add_argument("--refuse", default="", help="lý do từ chối tiếp nhận")

    def handle(self, *args: Any, **options: Any) -> None:
        clerk = User.objects.filter(username=options["clerk"], is_active=True).first()
        message = ExchangeMessage.objects.filter(
            direction=ExchangeMessage.Direction.IN,
            kind=ExchangeMessage.Kind.DOCUMENT,
            document_id=options["document_id"],
        ).first()
        if clerk is None or message is None:
            raise CommandError("Không tìm thấy văn thư hoặc gói tin văn bản điện tử này.")
        try:
            if options["refuse"]:
                package_refuse(message=message, actor=clerk, reason=options["refuse"])
                self.stdout.write(f"Đã từ chối tiếp nhận gói tin {message.document_id}.")
                return
            incoming = package_accept(message=message, actor=clerk)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Đã tiếp nhận, số đến {incoming.number}/{incoming.year} (mã {incoming.pk}).")
