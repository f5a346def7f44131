"""Ký số một tệp PDF (PAdES) bằng chứng thư lưu trên hệ thống."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cqs.core.errors import ApplicationError
from cqs.signing import selectors, services
from cqs.signing.models import Certificate
from cqs.signing.pdf import PLACEMENTS, next_field_name, pdf_sign
from cqs.units.models import Agency

PROVINCIAL_COMMITTEE_CODE = "000.00.00.H40"


class Command(BaseCommand):
    help = (
        "Ký số tệp PDF IN, ghi ra OUT. Mặc định ký bằng chứng thư của UBND tỉnh (000.00.00.H40); "
        "--signer USERNAME để ký bằng chứng thư cá nhân của cán bộ. Ngoài môi trường production, "
        "CA thử nghiệm và chứng thư được tạo ở lần dùng đầu tiên."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", help="tệp PDF cần ký")
        parser.add_argument("output", help="tệp PDF đã ký")
        parser.add_argument("--signer", default="", help="tên đăng nhập của cán bộ ký")
        parser.add_argument("--reason", default="Phê duyệt văn bản", help="lý do ký")
        parser.add_argument("--location", default="", help="nơi ký")
        parser.add_argument("--invisible", action="store_true", help="không hiển thị ô chữ ký trên trang")
        parser.add_argument(
            "--placement",
            choices=PLACEMENTS,
            default="signature",
            help="vị trí: signature (ô chữ ký cuối văn bản), seal (con dấu trùm 1/3 chữ ký bên trái), "
            "top_right (góc trên bên phải trang đầu, cho phụ lục)",
        )
        parser.add_argument(
            "--line", action="append", default=[], dest="lines", help="dòng ghi thêm trong ô chữ ký (lặp lại được)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["input"])
        if not source.is_file():
            raise CommandError(f"Không tìm thấy tệp {source}.")
        try:
            certificate = self._certificate(options["signer"])
            agency = certificate.agency or getattr(certificate.owner, "agency", None)
            location = options["location"] or (agency.unit.name if agency is not None else "")
            data = source.read_bytes()
            signed = pdf_sign(
                pdf=data,
                field_name=next_field_name(data),
                certificate=certificate,
                reason=options["reason"],
                location=location,
                visible=not options["invisible"],
                placement=options["placement"],
                extra_lines=options["lines"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        Path(options["output"]).write_bytes(signed)
        self.stdout.write(f"Đã ký {source} bằng chứng thư «{certificate.common_name}», ghi ra {options['output']}.")

    def _certificate(self, username: str) -> Certificate:
        from cqs.accounts.models import User

        if username:
            user = User.objects.filter(username=username).select_related("agency__unit").first()
            if user is None:
                raise CommandError(f"Không có tài khoản {username}.")
            found = selectors.certificate_of_user(user)
            if found is not None:
                return found
            issuer = self._issuing_ca(user.agency)
            return services.certificate_issue(
                issuer=issuer,
                common_name=user.full_name or user.username,
                kind=Certificate.Kind.PERSONAL,
                owner=user,
                agency=None,
                actor=None,
            )
        agency = Agency.objects.filter(electronic_code=PROVINCIAL_COMMITTEE_CODE).select_related("unit").first()
        if agency is None:
            raise CommandError(f"Không có cơ quan mã {PROVINCIAL_COMMITTEE_CODE} (UBND tỉnh).")
        found = selectors.certificate_of_agency(agency)
        if found is not None:
            return found
        issuer = self._issuing_ca(agency)
        return services.certificate_issue(
            issuer=issuer, common_name=agency.name, kind=Certificate.Kind.ORGANISATION, agency=agency, actor=None
        )

    def _issuing_ca(self, agency: Agency | None) -> Certificate:
        if settings.PRODUCTION:
            raise CommandError(
                "Chưa có chứng thư số phù hợp. Trong môi trường production, chứng thư phải do CA được cấp phép cấp "
                "và nạp vào hệ thống; lệnh không tự tạo CA thử nghiệm."
            )
        found = selectors.issuing_ca()
        if found is not None:
            return found
        province = agency.unit.name if agency is not None else "thử nghiệm"
        _root, issuing = services.ca_create_demo(province_name=province)
        self.stdout.write(f"Đã tạo CA thử nghiệm cho {province}.")
        return issuing
