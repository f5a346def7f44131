"""What each demo dossier is filed with: the e-form's answers, the papers (small real PDFs), the applicant."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from cqs.catalog.models import FormField
from cqs.demo import people
from cqs.demo.dossier_plans import Plan
from cqs.dossiers import services
from cqs.dossiers.models import Delivery, DossierFile, FilingMode


def _date(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def _form_data(plan: Plan, submitted: dt.datetime, rng: random.Random) -> dict[str, Any]:
    person, day = plan.person, timezone.localtime(submitted).date()
    values: dict[str, Any] = {}
    specific: dict[str, Callable[[], Any]] = {
        "ho_ten_tre": lambda: (
            f"{person.full_name.split()[0]} {people.full_name(rng, female=rng.random() < 0.5).split(' ', 1)[1]}"
        ),
        "ngay_sinh_tre": lambda: _date(day - dt.timedelta(days=rng.randint(3, 55))),
        "noi_sinh": lambda: "Bệnh viện Sản Nhi Nghệ An",
        "ngay_chet": lambda: _date(day - dt.timedelta(days=rng.randint(1, 20))),
        "noi_chet": lambda: person.address,
        "ho_ten_nguoi_chet": lambda: people.full_name(rng, female=rng.random() < 0.5),
        "quan_he": lambda: "Con",
        "ten_giay_to": lambda: rng.choice(("Bằng tốt nghiệp đại học", "Giấy khai sinh", "Học bạ THPT", "Sổ đỏ")),
        "ten_ho_kinh_doanh": lambda: (
            f"Hộ kinh doanh {person.full_name.split()[-1]} {rng.choice(('Tạp hóa', 'Ăn uống', 'Điện máy', 'May mặc'))}"
        ),
        "dia_diem_kinh_doanh": lambda: person.address,
        "nganh_nghe": lambda: rng.choice(("Bán lẻ hàng tạp hóa", "Dịch vụ ăn uống", "Sửa chữa xe máy")),
        "thua_dat": lambda: f"Thửa đất số {rng.randint(10, 900)}, tờ bản đồ số {rng.randint(1, 60)}",
        "dia_chi_thua_dat": lambda: person.address,
        "nguon_goc": lambda: "Đất ở do gia đình sử dụng ổn định từ năm 1995, không tranh chấp.",
        "noi_tam_tru": lambda: people.address(rng),
        "muc_dich": lambda: "Bổ sung hồ sơ xin việc",
        "thong_tin_can": lambda: "Trích lục bản đồ địa chính thửa đất",
        "ho_ten_nu": lambda: people.full_name(rng, female=True),
        "noi_cu_tru_nu": lambda: people.address(rng),
    }
    integers = {"so_ban": (1, 3), "ban_sao": (0, 2), "so_luong": (1, 2), "so_trang": (1, 8), "thoi_han": (3, 24),
                "von_kinh_doanh": (50, 500), "dien_tich_xay_dung": (60, 200), "tong_dien_tich_san": (80, 600),
                "so_tang": (1, 5), "chieu_cao": (4, 20), "dien_tich": (80, 600), "so_lao_dong": (1, 6)}  # fmt: skip
    for row in plan.version.form_fields.all():
        if row.prefill:
            value: Any = {
                "full_name": person.full_name,
                "citizen_id": person.citizen_id,
                "phone": person.phone,
                "email": plan.applicant.email if plan.applicant is not None else "",
                "address": person.address,
                "date_of_birth": _date(person.date_of_birth),
            }.get(row.prefill, "")
        elif row.key in specific and row.type != FormField.Type.CHOICE:
            value = specific[row.key]()
        elif row.type == FormField.Type.INTEGER:
            low, high = integers.get(row.key, (1, 5))
            value = rng.randint(low, high) * (1_000_000 if row.key == "von_kinh_doanh" else 1)
        elif row.type == FormField.Type.CHOICE:
            choices = [c for c in row.choices or [] if c != "Đang có vợ/chồng"]
            value = rng.choice(choices) if choices else ""
        elif row.type == FormField.Type.CHECKBOX:
            value = True
        elif row.type == FormField.Type.DATE:
            value = _date(people.person(rng, today=day).date_of_birth)
        elif row.type == FormField.Type.CITIZEN_ID:
            value = people.person(rng, today=day).citizen_id
        elif row.type == FormField.Type.PHONE:
            value = person.phone
        elif row.type == FormField.Type.EMAIL or not row.required:
            value = ""
        else:
            value = "Theo giấy tờ kèm theo"
        if value not in ("", None):
            values[row.key] = value
    return values


def paper_pdf(title: str, *lines: str) -> io.BytesIO:
    upload = io.BytesIO(people.minimal_pdf(title, lines))
    upload.name = "giay-to.pdf"
    return upload


def filing_for(plan: Plan, submitted: dt.datetime, rng: random.Random) -> services.Filing:
    source = DossierFile.Source.UPLOAD if plan.online else DossierFile.Source.SCAN
    attachments = [
        services.Attachment(
            required_document_id=document.pk,
            upload=paper_pdf(document.name[:80], plan.person.full_name, f"So dinh danh: {plan.person.citizen_id}"),
            source=source,
        )
        for document in plan.version.documents.all()
        if ((not document.is_optional and not document.replaceable_by) or rng.random() < 0.2)
        # Online, the declaration is made from the e-form at filing; at the counter its signed paper is scanned.
        and not (plan.online and document.is_declaration)
    ]
    filing = services.Filing(
        version=plan.version,
        receiving_agency=plan.receiving,
        deciding_agency=plan.deciding,
        form_data=_form_data(plan, submitted, rng),
        attachments=attachments,
        applicant_name=plan.person.full_name,
        applicant_id_number=plan.person.citizen_id,
        applicant_address=plan.person.address,
        applicant_phone=plan.person.phone,
        applicant_email=plan.applicant.email if plan.applicant is not None else "",
        delivery=Delivery.ONLINE if plan.online else (Delivery.POST if plan.by_post else Delivery.DESK),
    )
    if plan.filing_mode == FilingMode.ON_BEHALF:
        principal = people.person(rng, today=submitted.date())
        filing.filing_mode = FilingMode.ON_BEHALF
        filing.principal_name, filing.principal_id_number = principal.full_name, principal.citizen_id
        filing.authorisation_note = "Giấy ủy quyền chứng thực tại UBND phường ngày " + _date(submitted.date())
    elif plan.filing_mode == FilingMode.ASSISTED:
        filing.filing_mode = FilingMode.ASSISTED
        filing.assisted_by = f"{people.full_name(rng, female=rng.random() < 0.5)} (Tổ công nghệ số cộng đồng)"
    return filing
