"""Official documents in the demo: who drafts and handles them at UBND phường Trường Vinh and the province.

The home commune's People's Committee gets its issuing profile and three departments, with the
demo officials placed in them (``chanhvanphong`` heads the office, ``chuyenvien`` works in it);
the provincial People's Committee gets its office. Everything goes through the audited setup
services and is created only when missing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from html import escape

import weasyprint
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cqs.accounts.models import User
from cqs.demo import people as demo_people
from cqs.demo.clock import at
from cqs.documents.incoming import services as services_incoming
from cqs.documents.models import (
    Channel,
    Department,
    DepartmentMember,
    DocumentType,
    IncomingDocument,
    IssuingProfile,
    OutgoingDocument,
    Urgency,
)
from cqs.documents.outgoing import services as services_outgoing
from cqs.documents.setup import services as services_setup
from cqs.signing.models import Certificate
from cqs.signing.pdf import pdf_sign
from cqs.signing.selectors import certificate_of_agency, certificate_of_user
from cqs.units.models import Agency


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    abbreviation: str
    members: tuple[tuple[str, bool, str], ...] = ()  # (username, is head, position)


HOME_PROFILE = ("UBND", "Trường Vinh")
HOME_DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec(
        "Văn phòng HĐND và UBND phường",
        "VP",
        (("chanhvanphong", True, "Chánh Văn phòng"), ("chuyenvien", False, "Chuyên viên")),
    ),
    DepartmentSpec("Phòng Kinh tế, Hạ tầng và Đô thị", "KT"),
    DepartmentSpec("Phòng Văn hóa - Xã hội", "VHXH"),
)
PROVINCE_PROFILE = ("UBND", "Nghệ An")
PROVINCE_DEPARTMENTS: tuple[DepartmentSpec, ...] = (DepartmentSpec("Văn phòng UBND tỉnh", "VP"),)


def _ensure_agency(agency: Agency, profile: tuple[str, str], departments: tuple[DepartmentSpec, ...]) -> int:
    created = 0
    if not IssuingProfile.objects.filter(agency=agency).exists():
        services_setup.issuing_profile_set(agency=agency, abbreviation=profile[0], place_name=profile[1], actor=None)
        created += 1
    for spec in departments:
        department = Department.objects.filter(agency=agency, abbreviation=spec.abbreviation).first()
        if department is None:
            department = services_setup.department_create(
                agency=agency, name=spec.name, abbreviation=spec.abbreviation, actor=None
            )
            created += 1
        for username, is_head, position in spec.members:
            user = User.objects.filter(username=username, agency=agency).first()
            if user is not None and not DepartmentMember.objects.filter(department=department, user=user).exists():
                services_setup.department_member_set(
                    department=department, user=user, is_head=is_head, position=position, actor=None
                )
                created += 1
    return created


def demo_document_setup(*, home: Agency, province: Agency) -> int:
    """Issuing profiles, departments and members; returns how many rows were created."""
    return _ensure_agency(home, HOME_PROFILE, HOME_DEPARTMENTS) + _ensure_agency(
        province, PROVINCE_PROFILE, PROVINCE_DEPARTMENTS
    )


# ---------------------------------------------------------------- three months of documents

SEED = 3030

# (sender, its electronic code when it is on the platform, the symbol it writes, document types it sends)
SENDERS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Ủy ban nhân dân tỉnh Nghệ An", "000.00.00.H40", "UBND", ("Quyết định", "Công văn", "Kế hoạch", "Chỉ thị")),
    ("Văn phòng UBND tỉnh Nghệ An", "", "VPUBND", ("Công văn", "Thông báo", "Giấy mời")),
    ("Sở Tư pháp tỉnh Nghệ An", "000.00.11.H40", "STP", ("Công văn", "Hướng dẫn", "Kế hoạch")),
    ("Sở Tài chính tỉnh Nghệ An", "000.00.12.H40", "STC", ("Công văn", "Hướng dẫn", "Thông báo")),
    ("Sở Nông nghiệp và Môi trường tỉnh Nghệ An", "000.00.14.H40", "SNNMT", ("Công văn", "Kế hoạch")),
    ("Công an tỉnh Nghệ An", "000.00.18.H40", "CAT", ("Công văn", "Thông báo")),
    ("Bảo hiểm xã hội tỉnh Nghệ An", "", "BHXH", ("Công văn", "Thông báo")),
    ("Ngân hàng Chính sách xã hội chi nhánh Nghệ An", "", "NHCSXH", ("Công văn",)),
)
TOPICS: tuple[tuple[str, str], ...] = (
    ("triển khai Đề án 06 về dữ liệu dân cư, định danh và xác thực điện tử", "dữ liệu dân cư và định danh điện tử"),
    ("tăng cường cải cách thủ tục hành chính và chuyển đổi số năm 2026", "cải cách thủ tục hành chính"),
    ("phòng, chống thiên tai và tìm kiếm cứu nạn mùa mưa bão", "phòng chống thiên tai"),
    ("rà soát, cập nhật hộ nghèo, hộ cận nghèo trên địa bàn", "rà soát hộ nghèo"),
    ("quản lý trật tự xây dựng và đất đai tại khu dân cư", "trật tự xây dựng"),
    ("thu ngân sách nhà nước và quản lý chi thường xuyên quý IV", "thu chi ngân sách"),
    ("tổ chức Ngày hội Đại đoàn kết toàn dân tộc", "đại đoàn kết toàn dân tộc"),
    ("kiểm tra an toàn vệ sinh thực phẩm dịp cuối năm", "an toàn thực phẩm"),
    ("thực hiện chính sách bảo hiểm xã hội tự nguyện, bảo hiểm y tế hộ gia đình", "bảo hiểm xã hội"),
    ("chỉnh trang đô thị, vệ sinh môi trường các tuyến phố chính", "vệ sinh môi trường"),
    ("phòng cháy, chữa cháy tại cơ sở kinh doanh và nhà ở kết hợp kinh doanh", "phòng cháy chữa cháy"),
    ("số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", "số hóa hồ sơ"),
)
INSTRUCTIONS = (
    "Giao Văn phòng chủ trì, tham mưu triển khai; báo cáo kết quả trước thời hạn.",
    "Văn phòng nghiên cứu, đề xuất phương án thực hiện, trình lãnh đạo xem xét.",
    "Giao Văn phòng chủ trì, phối hợp các phòng liên quan tổ chức thực hiện.",
)
PROPOSALS = (
    "Đề xuất ban hành công văn chỉ đạo các tổ dân phố triển khai thực hiện.",
    "Đề xuất tổng hợp số liệu và báo cáo theo đề nghị của cơ quan cấp trên.",
    "Đề xuất lưu hồ sơ, theo dõi việc thực hiện tại các khu dân cư.",
)


def document_pdf(*, issuer: str, code: str, place: str, day: dt.date, kind: str, subject: str, body: str) -> bytes:
    """A one-page document in the Decree 30 layout (issuer, national motto, number, place and date, subject, text)."""
    html = f"""<html lang="vi"><head><style>
      @page {{ size: A4; margin: 20mm 15mm 20mm 30mm; }}
      body {{ font-family: "DejaVu Serif", serif; font-size: 13pt; line-height: 1.4; }}
      table.head {{ width: 100%; text-align: center; font-size: 12pt; }}
      .title {{ text-align: center; font-weight: bold; margin-top: 12mm; }}
      .subject {{ text-align: center; font-weight: bold; }}
      p.body {{ text-align: justify; text-indent: 10mm; }}
    </style></head><body>
      <table class="head"><tr>
        <td><b>{escape(issuer.upper())}</b><br>Số: {escape(code)}</td>
        <td><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br><b>Độc lập - Tự do - Hạnh phúc</b><br>
            <i>{escape(place)}, ngày {day:%d} tháng {day:%m} năm {day:%Y}</i></td>
      </tr></table>
      <p class="title">{escape(kind.upper())}</p>
      <p class="subject">Về việc {escape(subject)}</p>
      <p class="body">{escape(body)}</p>
      <p class="body">Đề nghị các cơ quan, đơn vị nghiêm túc triển khai thực hiện; trong quá trình thực hiện nếu có
      vướng mắc, phản ánh về cơ quan chủ trì để được hướng dẫn.</p>
    </body></html>"""
    return bytes(weasyprint.HTML(string=html).write_pdf())


def _working_moment(rng: random.Random, day: dt.date) -> dt.datetime:
    hour = rng.choice((7, 8, 9, 10, 13, 14, 15, 16))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, rng.randrange(0, 60))))


def _working_days_back(today: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = today
    while len(days) < count:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@dataclass
class _People:
    clerk: User
    leader: User
    head: User
    specialist: User


def _people(home: Agency) -> _People:
    users = {
        u.username: u for u in User.objects.filter(username__in=["vanthu", "lanhdao", "chanhvanphong", "chuyenvien"])
    }
    missing = {"vanthu", "lanhdao", "chanhvanphong", "chuyenvien"} - set(users)
    if missing:
        raise RuntimeError(f"Thiếu tài khoản mẫu: {', '.join(sorted(missing))}")
    if certificate_of_user(users["lanhdao"]) is None or certificate_of_agency(home) is None:
        raise RuntimeError("Chưa có chứng thư số mẫu của lãnh đạo và của UBND phường (bước tạo chứng thư số).")
    return _People(users["vanthu"], users["lanhdao"], users["chanhvanphong"], users["chuyenvien"])


def _incoming(
    rng: random.Random, *, home: Agency, people: _People, day: dt.date, types: dict[str, DocumentType]
) -> IncomingDocument:
    sender, code, symbol, kinds = rng.choice(SENDERS)
    topic, short = rng.choice(TOPICS)
    kind = rng.choice(kinds)
    doc_type = types[kind]
    number = str(rng.randrange(1, 4000))
    notation = f"{symbol}-VP" if doc_type.is_letter else f"{doc_type.abbreviation}-{symbol}"
    sent = day - dt.timedelta(days=rng.randrange(1, 4))
    pdf = document_pdf(
        issuer=sender,
        code=f"{number}/{notation}",
        place="Nghệ An",
        day=sent,
        kind=kind if not doc_type.is_letter else "Công văn",
        subject=topic,
        body=f"Thực hiện chỉ đạo về {short}, {sender} đề nghị Ủy ban nhân dân phường Trường Vinh {topic}, "
        "bảo đảm đúng tiến độ, hiệu quả và báo cáo kết quả thực hiện.",
    )
    urgency = rng.choices([Urgency.NORMAL, Urgency.URGENT, Urgency.VERY_URGENT], weights=[85, 12, 3])[0]
    channel = rng.choice([Channel.ELECTRONIC, Channel.ELECTRONIC, Channel.PAPER])
    # An electronic document carries its sender's signature (checked when registered); a sender without a
    # certificate on the platform sent paper, scanned here.
    seal = _sender_certificate(code) if channel == Channel.ELECTRONIC else None
    if seal is not None:
        pdf = pdf_sign(pdf=pdf, certificate=seal, reason="Ban hành văn bản", location="Nghệ An", visible=False)
    else:
        channel = Channel.PAPER
    with at(_working_moment(rng, day)):
        return services_incoming.incoming_register(
            agency=home,
            actor=people.clerk,
            channel=channel,
            sender_name=sender,
            document_type=doc_type,
            subject=f"Về việc {topic}",
            code_number=number,
            code_notation=notation,
            document_date=sent,
            signer_name=_signer_name(rng),
            urgency=urgency,
            files=[
                services_incoming.IncomingFile(
                    name=f"{number}-{symbol}.pdf", data=pdf, kind="main" if channel == Channel.ELECTRONIC else "scan"
                )
            ],
            reply_due=day + dt.timedelta(days=rng.randrange(5, 20)) if rng.random() < 0.3 else None,
        )


def _sender_certificate(code: str) -> Certificate | None:
    """The organisation certificate of a sender that is an agency on the platform, if it has one."""
    sender = Agency.objects.filter(electronic_code=code).first() if code else None
    return certificate_of_agency(sender) if sender is not None else None


def _signer_name(rng: random.Random) -> str:
    return demo_people.full_name(rng, female=rng.random() < 0.4)


def _handle(
    rng: random.Random, document: IncomingDocument, *, people: _People, day: dt.date, today: dt.date, vp: Department
) -> None:
    """Take the document as far as its age allows: direction, assignment, proposal, completion."""
    age = (today - day).days
    stage = rng.random() * min(1.0, age / 20)
    moment = _working_moment(rng, day)
    if stage < 0.1:
        return
    with at(moment + dt.timedelta(hours=1)):
        services_incoming.incoming_direct(
            incoming=document,
            actor=people.leader,
            instruction=rng.choice(INSTRUCTIONS),
            lead_department=vp,
            deadline=day + dt.timedelta(days=rng.randrange(5, 15)),
        )
    if stage < 0.25:
        return
    with at(moment + dt.timedelta(hours=3)):
        services_incoming.incoming_assign_handler(
            incoming=document, actor=people.head, handler=people.specialist, note="Đồng chí Minh tham mưu xử lý."
        )
    if stage < 0.45:
        return
    with at(moment + dt.timedelta(days=1, hours=1)):
        services_incoming.incoming_propose(incoming=document, actor=people.specialist, proposal=rng.choice(PROPOSALS))
    if stage < 0.6:
        return
    late = rng.random() < 0.08
    with at(moment + dt.timedelta(days=(16 if late else rng.randrange(2, 5)))):
        services_incoming.incoming_complete(incoming=document, actor=people.specialist, note="Đã xử lý xong.")


def _outgoing(
    rng: random.Random,
    *,
    home: Agency,
    province: Agency,
    people: _People,
    day: dt.date,
    vp: Department,
    types: dict[str, DocumentType],
    stage: str,
    reply_to: IncomingDocument | None,
) -> OutgoingDocument:
    topic, short = rng.choice(TOPICS)
    kind = "Công văn" if reply_to is not None else rng.choice(["Kế hoạch", "Thông báo", "Công văn", "Báo cáo"])
    moment = _working_moment(rng, day)
    with at(moment):
        outgoing = services_outgoing.outgoing_create(
            agency=home,
            actor=people.specialist,
            drafting_department=vp,
            document_type=types[kind],
            subject=f"Về việc {topic}",
            signer=people.leader,
            signing_authority="TM.",
            signer_position="Chủ tịch",
            recipients=[
                services_outgoing.RecipientSpec(channel="internal", agency=province, name=province.name),
                services_outgoing.RecipientSpec(channel="paper", name="Các tổ dân phố trên địa bàn phường"),
            ],
            reply_to=reply_to,
        )
        pdf = document_pdf(
            issuer="Ủy ban nhân dân phường Trường Vinh",
            code=f"     /{'UBND-VP' if kind == 'Công văn' else types[kind].abbreviation + '-UBND'}",
            place="Trường Vinh",
            day=day,
            kind=kind,
            subject=topic,
            body=f"Ủy ban nhân dân phường Trường Vinh báo cáo và đề nghị về {short}: phường đã chỉ đạo các tổ dân phố "
            f"triển khai, kết quả bước đầu đạt yêu cầu; đề nghị cấp trên tiếp tục hướng dẫn để {topic}.",
        )
        services_outgoing.outgoing_draft_upload(
            outgoing=outgoing, actor=people.specialist, upload=_upload("du-thao.pdf", pdf)
        )
    if stage == "draft":
        return outgoing
    with at(moment + dt.timedelta(hours=2)):
        services_outgoing.outgoing_submit_for_review(
            outgoing=outgoing, actor=people.specialist, reviewers=[people.head]
        )
    if stage == "in_review":
        return outgoing
    with at(moment + dt.timedelta(hours=4)):
        services_outgoing.outgoing_review(
            outgoing=outgoing, actor=people.head, approve=True, comment="Đồng ý, trình ký."
        )
    if stage == "awaiting_signature":
        return outgoing
    with at(moment + dt.timedelta(days=1)):
        services_outgoing.outgoing_sign(outgoing=outgoing, actor=people.leader)
    if stage == "signed":
        return outgoing
    with at(moment + dt.timedelta(days=1, hours=1)):
        services_outgoing.outgoing_issue(outgoing=outgoing, actor=people.clerk)
    return outgoing


def demo_documents_seed(*, home: Agency, province: Agency, count: int | None = None) -> tuple[int, int]:
    """About three months of incoming and outgoing documents at the home commune; (incoming, outgoing) created.

    ``count`` incoming documents (``settings.CQS_DEMO_DOCUMENTS`` by default) and a quarter as many outgoing ones.
    """
    if IncomingDocument.objects.filter(agency=home).exists():
        return 0, 0
    count = settings.CQS_DEMO_DOCUMENTS if count is None else count
    rng = random.Random(SEED)  # noqa: S311 (made-up demo data)
    people = _people(home)
    vp = Department.objects.get(agency=home, abbreviation="VP")
    types = {t.name: t for t in DocumentType.objects.all()}
    today = timezone.localdate()
    days = sorted(_working_days_back(today, 65))
    received: list[tuple[dt.date, IncomingDocument]] = []
    for index in range(count):
        day = days[int(len(days) * index / count)]
        received.append((day, _incoming(rng, home=home, people=people, day=day, types=types)))
    for day, document in received:
        _handle(rng, document, people=people, day=day, today=today, vp=vp)
    # Most outgoing documents issued, a few at every earlier stage (in this order over the period).
    pattern = ["issued"] * 7 + ["signed", "awaiting_signature", "in_review", "draft"]
    total = max(len(pattern) // 2, count // 4)
    stages = sorted((pattern * (total // len(pattern) + 1))[:total], key=pattern.index)
    answered = [d for _day, d in received if d.status == "in_progress"]
    created = 0
    for index, stage in enumerate(stages):
        day = days[min(len(days) - 3, int(len(days) * index / len(stages)))]
        reply_to = answered.pop() if answered and rng.random() < 0.4 else None
        _outgoing(
            rng,
            home=home,
            province=province,
            people=people,
            day=day,
            vp=vp,
            types=types,
            stage=stage,
            reply_to=reply_to,
        )
        created += 1
    return len(received), created
