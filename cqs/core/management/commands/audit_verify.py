from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cqs.core.audit import audit_verify
from cqs.core.audit_anchor import anchors_read
from cqs.core.dbroles import role_is_restricted
from cqs.core.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Kiểm tra chuỗi băm của nhật ký kiểm toán, mã xác thực (MAC) từng bản ghi và các mốc neo ngoài cơ sở dữ "
        "liệu; báo mọi bản ghi bị sửa, viết lại, bị xoá hoặc nhật ký bị cắt bớt."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(audit_verify())
        for problem in problems:
            self.stderr.write(problem.message)
        with connection.cursor() as cursor:
            if not role_is_restricted(cursor):
                self.stderr.write(
                    "Cảnh báo: ứng dụng kết nối CSDL bằng vai trò sở hữu bảng hoặc siêu người dùng; hãy đặt "
                    "DATABASE_URL là vai trò ứng dụng và DATABASE_OWNER_URL là vai trò sở hữu (docs/audit.md)."
                )
        if problems:
            raise CommandError(f"Nhật ký kiểm toán KHÔNG toàn vẹn: {len(problems)} lỗi.")
        anchors, _problems = anchors_read()
        self.stdout.write(
            f"Nhật ký kiểm toán toàn vẹn: {AuditEvent.objects.count()} bản ghi, "
            f"{len(anchors)} mốc neo trong {settings.CQS_AUDIT_ANCHOR_FILE}."
        )
