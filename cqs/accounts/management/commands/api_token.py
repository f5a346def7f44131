"""Print a new bearer token for an account, so operators and scripts can use the API (audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cqs.accounts.models import User
from cqs.accounts.services import api_token_issue
from cqs.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Cấp một mã truy cập API (Authorization: Bearer …) cho tài khoản và in ra (chỉ in một lần). "
        "Ví dụ: manage.py api_token motcua --name 'Phần mềm một cửa' --days 30"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="tên đăng nhập (số CCCD, mã số thuế hoặc tên đăng nhập cán bộ)")
        parser.add_argument("--name", default="Dòng lệnh", help="tên gợi nhớ của mã (hệ thống sẽ dùng mã)")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=(
                f"số ngày mã còn hiệu lực (mặc định {settings.CQS_API_TOKEN_DAYS}, "
                f"tối đa {settings.CQS_API_TOKEN_MAX_DAYS})"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"Không có tài khoản {username!r}.")
        if not user.is_active:
            raise CommandError(f"Tài khoản {user.username!r} đã bị khoá: không cấp mã truy cập.")
        days = options["days"]
        if days is not None and not 1 <= days <= settings.CQS_API_TOKEN_MAX_DAYS:
            raise CommandError(f"--days phải từ 1 đến {settings.CQS_API_TOKEN_MAX_DAYS}.")
        expires_at = timezone.now() + dt.timedelta(days=days) if days is not None else None
        try:
            token, raw = api_token_issue(user=user, name=options["name"], actor=None, expires_at=expires_at)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(raw)
        until = timezone.localtime(token.expires_at).strftime("%d/%m/%Y %H:%M")
        self.stderr.write(f"(mã “{token.name}” của {user.username}, hết hạn {until}; dùng: Authorization: Bearer <mã>)")
