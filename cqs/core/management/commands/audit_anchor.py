from typing import Any

from django.core.management.base import BaseCommand

from cqs.core.audit_anchor import anchor_write


class Command(BaseCommand):
    help = "Ghi đầu chuỗi nhật ký kiểm toán (đã ký) vào tệp mốc neo ngoài cơ sở dữ liệu; chạy định kỳ."

    def handle(self, *args: Any, **options: Any) -> None:
        anchor = anchor_write()
        if anchor is None:
            self.stdout.write("Nhật ký kiểm toán còn trống: chưa có gì để neo.")
            return
        sealed = "có chữ ký số" if anchor.seal else "chỉ có MAC"
        self.stdout.write(f"Đã neo bản ghi số {anchor.seq} ({anchor.hash[:16]}…), {sealed}.")
