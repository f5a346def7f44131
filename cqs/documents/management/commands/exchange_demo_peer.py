"""Chuẩn bị một cài đặt làm một cơ quan trên trục liên thông: cơ quan, văn thư, CA thử nghiệm, chứng thư, đối tác."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cqs.accounts.models import Role, RoleAssignment, User
from cqs.core.text import fold
from cqs.documents.models import Department, ExchangePartner, IssuingProfile
from cqs.signing import selectors, services
from cqs.signing.models import Certificate
from cqs.units.models import AdministrativeUnit, Agency


class Command(BaseCommand):
    help = (
        "Dựng dữ liệu thử nghiệm liên thông edXML cho cài đặt này: một cơ quan (--organ-id, --name) với văn thư "
        "(--clerk), CA thử nghiệm và chứng thư số tổ chức, và cơ quan đối tác (--peer-organ-id, --peer-name, "
        "--peer-endpoint). --export-ca ghi chứng thư CA gốc ra tệp PEM để bên kia nhập bằng exchange_trust_ca. "
        "Chạy lại nhiều lần không tạo trùng. Chỉ dùng cho môi trường thử nghiệm."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organ-id", required=True, help="mã định danh của cơ quan này")
        parser.add_argument("--name", required=True, help="tên cơ quan này")
        parser.add_argument("--unit-code", default="42", help="mã tỉnh của cơ quan")
        parser.add_argument("--place", default="Hà Tĩnh", help="địa danh (tên tỉnh)")
        parser.add_argument("--abbreviation", default="UBND", help="chữ viết tắt trong ký hiệu văn bản")
        parser.add_argument("--clerk", default="vanthu_lienthong", help="tên đăng nhập của văn thư")
        parser.add_argument("--password", default="Hoa-sen-no-2025!", help="mật khẩu của văn thư")
        parser.add_argument("--peer-organ-id", default="", help="mã định danh của cơ quan đối tác")
        parser.add_argument("--peer-name", default="", help="tên cơ quan đối tác")
        parser.add_argument("--peer-endpoint", default="", help="địa chỉ nhận gói tin edXML của đối tác")
        parser.add_argument("--export-ca", default="", help="ghi chứng thư CA gốc (PEM) ra tệp này")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        unit, _ = AdministrativeUnit.objects.get_or_create(
            code=options["unit_code"],
            defaults={
                "name": options["place"],
                "level": AdministrativeUnit.Level.PROVINCE,
                "division_type": "tỉnh",
                "search_name": fold(options["place"]),
            },
        )
        agency, _ = Agency.objects.get_or_create(
            electronic_code=options["organ_id"],
            defaults={
                "name": options["name"],
                "kind": Agency.Kind.PROVINCIAL_COMMITTEE,
                "unit": unit,
                "search_name": fold(options["name"]),
            },
        )
        IssuingProfile.objects.get_or_create(
            agency=agency, defaults={"abbreviation": options["abbreviation"], "place_name": options["place"]}
        )
        Department.objects.get_or_create(agency=agency, abbreviation="VP", defaults={"name": "Văn phòng"})
        clerk = User.objects.filter(username=options["clerk"]).first()
        if clerk is None:
            clerk = User.objects.create_user(
                username=options["clerk"],
                password=options["password"],
                full_name="Văn thư liên thông",
                kind="official",
                agency=agency,
            )
        RoleAssignment.objects.get_or_create(user=clerk, role=Role.CLERK, agency=agency)
        issuing = selectors.issuing_ca()
        if issuing is None:
            _root, issuing = services.ca_create_demo(province_name=options["place"])
        if selectors.certificate_of_agency(agency) is None:
            services.certificate_issue(
                issuer=issuing, common_name=agency.name, kind=Certificate.Kind.ORGANISATION, agency=agency, actor=None
            )
        if options["peer_organ_id"]:
            if not (options["peer_name"] and options["peer_endpoint"]):
                raise CommandError("Cần cả --peer-name và --peer-endpoint cho cơ quan đối tác.")
            ExchangePartner.objects.update_or_create(
                organ_id=options["peer_organ_id"],
                defaults={"name": options["peer_name"], "endpoint": options["peer_endpoint"], "is_active": True},
            )
        if options["export_ca"]:
            root = issuing
            while root.issuer is not None:
                root = root.issuer
            Path(options["export_ca"]).write_text(root.certificate_pem)
        self.stdout.write(f"Cơ quan {agency.electronic_code} «{agency.name}» sẵn sàng liên thông edXML.")
