from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cqs.core.audit import audit_verify
from cqs.core.models import AuditEvent


class Command(BaseCommand):
    help = "Kiểm tra chuỗi băm của nhật ký kiểm toán; báo mọi bản ghi bị sửa hoặc bị xoá."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(audit_verify())
        for problem in problems:
            self.stderr.write(problem.message)
        if problems:
            raise CommandError(f"Nhật ký kiểm toán KHÔNG toàn vẹn: {len(problems)} lỗi.")
        self.stdout.write(f"Nhật ký kiểm toán toàn vẹn: {AuditEvent.objects.count()} bản ghi.")
