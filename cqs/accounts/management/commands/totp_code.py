"""Development aid: print the current TOTP code of an account's confirmed device."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp

from cqs.accounts.models import User
from cqs.accounts.selectors import totp_confirmed_device


class Command(BaseCommand):
    help = "In mã TOTP hiện tại của tài khoản (chỉ dùng khi phát triển, bị từ chối ở môi trường sản xuất)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Lệnh totp_code không được chạy ở môi trường sản xuất (CQS_ENV=production).")
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"Không có tài khoản {options['username']!r}.")
        device = totp_confirmed_device(user=user)
        if device is None:
            raise CommandError(f"Tài khoản {user.username!r} chưa bật xác thực hai lớp.")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
        remaining = device.step - int(time.time() - device.t0) % device.step
        self.stderr.write(f"(còn hiệu lực khoảng {remaining} giây)")
