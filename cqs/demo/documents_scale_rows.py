"""The rows of the documents bulk loader (``documents_scale``): generated official documents as COPY lines.

Rows are generated in Python in date order (so numbers run from 01 per agency, per year and per
register, classified documents on their own sequence), as tab-separated lines in the order of the
``*_COLUMNS`` below; a document's line ends with its folded metadata (``search_text``) and the
folded text of its file, from which the loader computes ``search_vector``. The folded texts are
assembled from pieces folded once (``fold`` is character-wise apart from collapsing white space,
so the folded pieces joined by spaces equal the fold of the whole): ``incoming_index`` /
``outgoing_index`` run on a loaded row store the same vector.

A share of the documents gets a main file (``DocumentFile``) carrying extracted-text-like
content; the file itself is not written (the bench measures search, not downloads). Issued
outgoing documents get one to three recipients.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from cqs.accounts.models import User
from cqs.core.calendar import office_timezone
from cqs.core.sequences import sequences_read, year_period
from cqs.core.text import fold
from cqs.demo import people
from cqs.documents.models import (
    Channel,
    DocumentType,
    IncomingStatus,
    OutgoingStatus,
    Recipient,
    Register,
    Secrecy,
    Urgency,
)
from cqs.documents.numbering import number_scope

NULL = "\\N"
DAYS = 730  # documents spread over the last two years
TEXT_SHARE = 0.3  # documents with a main file whose text was extracted
SUBJECT_POOL = 20_000  # distinct subjects per year (administrative subjects repeat a lot)
BODY_POOL = 5_000

# The columns of each table's COPY lines, in order.
INCOMING_COLUMNS = (
    "id", "created_at", "updated_at", "agency_id", "year", "number", "register", "received_at", "channel",
    "sender_name", "sender_code", "code_number", "code_notation", "document_date", "document_type_id", "subject",
    "signer_name", "urgency", "secrecy", "reply_due", "status", "registered_by_id", "instruction", "directed_by_id",
    "directed_at", "lead_department_id", "deadline", "handler_id", "handler_assigned_by_id", "handler_assigned_at",
    "assignment_note", "proposal", "completed_at", "forwarded_at", "return_reason", "note", "work_file_id",
    "search_text",
)  # fmt: skip
OUTGOING_COLUMNS = (
    "id", "created_at", "updated_at", "agency_id", "drafting_department_id", "drafter_id", "document_type_id",
    "subject", "urgency", "secrecy", "status", "reply_to_id", "signer_id", "signing_authority", "signer_position",
    "signed_at", "year", "number", "register", "notation", "issued_at", "issued_by_id", "copies", "page_count",
    "keeping_department_id", "note", "verification_code", "work_file_id", "search_text",
)  # fmt: skip
FILE_COLUMNS = (
    "created_at", "updated_at", "incoming_id", "outgoing_id", "kind", "version", "name", "file", "content_type",
    "size", "sha256", "text", "uploaded_by_id", "text_problem", "page_count", "places", "text_pending",
)  # fmt: skip
RECIPIENT_COLUMNS = (
    "outgoing_id", "channel", "agency_id", "organ_id", "name", "sent_at", "status_code", "status_at", "status_note",
    "delivered_incoming_id",
)  # fmt: skip


DEPARTMENTS = (
    ("Văn phòng", "VP"),
    ("Phòng Kinh tế", "KT"),
    ("Phòng Văn hóa - Xã hội", "VHXH"),
    ("Phòng Nội vụ", "NV"),
)
TYPE_WEIGHTS = {
    "Công văn": 45, "Quyết định": 12, "Kế hoạch": 7, "Báo cáo": 8, "Thông báo": 7, "Giấy mời": 8, "Tờ trình": 4,
    "Hướng dẫn": 2, "Chỉ thị": 1, "Công điện": 1, "Nghị quyết": 1, "Biên bản": 1, "Chương trình": 1,
}  # fmt: skip
EXTERNAL_SENDERS = (
    ("Văn phòng Chính phủ", "000.00.00.G01", "VPCP"),
    ("Bộ Nội vụ", "000.00.00.G12", "BNV"),
    ("Bộ Tài chính", "000.00.00.G09", "BTC"),
    ("Bộ Tư pháp", "000.00.00.G14", "BTP"),
    ("Bộ Nông nghiệp và Môi trường", "000.00.00.G11", "BNNMT"),
    ("Bộ Xây dựng", "000.00.00.G19", "BXD"),
    ("Bộ Y tế", "000.00.00.G21", "BYT"),
    ("Bộ Công an", "000.00.00.G03", "BCA"),
    ("Bộ Khoa học và Công nghệ", "000.00.00.G08", "BKHCN"),
    ("Tỉnh ủy Nghệ An", "000.00.00.T40", "TU"),
    ("Hội đồng nhân dân tỉnh Nghệ An", "000.00.00.K40", "HĐND"),
    ("Bảo hiểm xã hội tỉnh Nghệ An", "000.00.30.H40", "BHXH"),
    ("Kho bạc Nhà nước khu vực X", "000.00.31.H40", "KBNN"),
    ("Cục Thuế tỉnh Nghệ An", "000.00.32.H40", "CT"),
)
ACTIONS = (
    "Về việc triển khai", "Về việc thực hiện", "Về việc tăng cường", "Về việc đẩy mạnh", "Về việc báo cáo kết quả",
    "Về việc rà soát", "Về việc góp ý dự thảo", "Về việc hướng dẫn", "Về việc kiểm tra", "Về việc tổ chức",
    "Về việc phê duyệt", "Về việc giao chỉ tiêu", "Về việc chấn chỉnh", "Về việc đôn đốc", "Về việc bố trí kinh phí",
    "Về việc tổng kết", "Về việc sơ kết", "Về việc xin ý kiến", "Về việc điều chỉnh", "Về việc cung cấp thông tin",
)  # fmt: skip
TOPICS = (
    "công tác phòng, chống thiên tai và tìm kiếm cứu nạn", "chương trình mục tiêu quốc gia xây dựng nông thôn mới",
    "công tác cải cách hành chính", "chuyển đổi số và phát triển chính quyền số", "Đề án 06 về dữ liệu dân cư",
    "công tác bảo vệ môi trường", "thu ngân sách nhà nước", "giải ngân vốn đầu tư công",
    "công tác phòng cháy, chữa cháy", "phòng, chống dịch bệnh trên gia súc, gia cầm", "công tác tuyển sinh",
    "bảo hiểm xã hội tự nguyện và bảo hiểm y tế hộ gia đình", "công tác giảm nghèo bền vững",
    "cấp giấy chứng nhận quyền sử dụng đất", "quản lý trật tự xây dựng", "an toàn thực phẩm",
    "công tác tiếp công dân, giải quyết khiếu nại, tố cáo", "phòng, chống tham nhũng, tiêu cực",
    "công tác thi đua, khen thưởng", "sắp xếp tổ chức bộ máy", "tinh giản biên chế",
    "đánh giá, xếp loại cán bộ, công chức", "bồi dưỡng kiến thức quốc phòng và an ninh", "công tác tuyển quân",
    "bầu cử đại biểu Hội đồng nhân dân", "chỉ số hài lòng của người dân", "dịch vụ công trực tuyến toàn trình",
    "công tác dân số và phát triển", "chăm sóc người có công với cách mạng", "xây dựng đời sống văn hóa cơ sở",
    "phát triển du lịch cộng đồng", "trồng rừng và bảo vệ rừng", "sản xuất vụ Đông Xuân", "sản xuất vụ Hè Thu",
    "quản lý tài nguyên khoáng sản", "an toàn giao thông", "phòng, chống ma túy", "kiểm định chất lượng giáo dục",
    "quyết toán ngân sách", "mua sắm tài sản công", "sửa chữa trụ sở làm việc", "hỗ trợ nhà ở cho hộ nghèo",
    "chuyển đổi cơ cấu cây trồng", "nước sạch nông thôn", "thu gom, xử lý rác thải sinh hoạt",
    "vận hành hệ thống quản lý văn bản và điều hành", "chữ ký số chuyên dùng", "lưu trữ hồ sơ điện tử",
)  # fmt: skip
QUALIFIERS = (
    "năm {year}", "6 tháng đầu năm {year}", "quý {quarter} năm {year}", "trên địa bàn {place}",
    "giai đoạn 2026 - 2030", "đợt {quarter} năm {year}", "tại {place}", "", "", "",
)  # fmt: skip
SENTENCES = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025.",
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư.",
    "Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh tại văn bản nêu trên, đề nghị các đơn vị khẩn trương triển khai.",
    "Giao Văn phòng chủ trì, phối hợp với các phòng chuyên môn tham mưu tổ chức thực hiện.",
    "Các đơn vị báo cáo kết quả thực hiện trước ngày 25 hằng tháng để tổng hợp.",
    "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, phản ánh kịp thời để xem xét, giải quyết.",
    "Kinh phí thực hiện từ nguồn ngân sách nhà nước được giao trong dự toán năm.",
    "Tổ chức kiểm tra, giám sát việc thực hiện, xử lý nghiêm các trường hợp vi phạm.",
    "Tuyên truyền sâu rộng đến cán bộ, đảng viên và Nhân dân trên địa bàn.",
    "Bảo đảm an toàn tuyệt đối về người và tài sản của Nhà nước và Nhân dân.",
    "Rà soát, thống kê đầy đủ các hộ gia đình thuộc diện hỗ trợ theo quy định.",
    "Số liệu báo cáo tính đến hết ngày làm việc cuối cùng của kỳ báo cáo.",
    "Đề nghị Thủ trưởng các cơ quan, đơn vị nghiêm túc thực hiện.",
    "Quyết định này có hiệu lực kể từ ngày ký.",
    "Chánh Văn phòng, Trưởng các phòng, ban và các cá nhân có liên quan chịu trách nhiệm thi hành.",
    "Đẩy mạnh ứng dụng công nghệ thông tin, số hóa hồ sơ, kết quả giải quyết thủ tục hành chính.",
    "Tỷ lệ hồ sơ giải quyết đúng hạn đạt trên 98 phần trăm.",
    "Phân công cán bộ trực ban 24/24 giờ, sẵn sàng lực lượng, phương tiện ứng phó.",
    "Kiện toàn Ban Chỉ đạo, phân công nhiệm vụ cụ thể cho từng thành viên.",
    "Lập danh sách đề nghị khen thưởng gửi về Hội đồng Thi đua - Khen thưởng trước ngày 15.",
    "Hồ sơ đề nghị gồm tờ trình, biên bản họp xét và báo cáo thành tích.",
    "Thời gian tổ chức dự kiến vào 08 giờ 00 phút tại hội trường trụ sở cơ quan.",
    "Thành phần mời gồm lãnh đạo các phòng, ban, đơn vị và chủ tịch Ủy ban nhân dân các xã.",
    "Việc sử dụng chữ ký số trên văn bản điện tử thực hiện theo quy định hiện hành.",
    "Văn bản điện tử gửi qua Trục liên thông văn bản quốc gia thay cho văn bản giấy.",
    "Đánh giá mức độ hoàn thành nhiệm vụ được giao, chỉ ra tồn tại, hạn chế và nguyên nhân.",
    "Đề xuất giải pháp khắc phục trong thời gian tới.",
    "Ưu tiên bố trí vốn cho các công trình chuyển tiếp, công trình cấp bách.",
    "Thực hiện nghiêm chế độ thông tin, báo cáo theo quy định.",
    "Phối hợp chặt chẽ với lực lượng công an, quân sự trong công tác bảo đảm an ninh trật tự.",
)  # fmt: skip
SIGNER_POSITIONS = ("Chủ tịch", "Phó Chủ tịch", "Chánh Văn phòng", "Giám đốc", "Phó Giám đốc")


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", "\\n").replace("\r", " ")


def _ts(value: dt.datetime | dt.date | None) -> str:
    return NULL if value is None else value.isoformat()


def _id(value: int | None) -> str:
    return NULL if value is None else str(value)


class _Folded:
    """Each distinct piece of text folded once."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        found = self.cache.get(value)
        if found is None:
            found = self.cache[value] = fold(value)
        return found


def _join(parts: Sequence[str]) -> str:
    """Folded pieces joined as ``fold`` would fold the pieces joined by spaces."""
    return " ".join(p for p in parts if p)


@dataclass
class RegisterKeeper:
    """An agency keeping registers: its departments and the leader, clerk and specialist its documents name."""

    pk: int
    name: str
    code: str
    abbreviation: str
    place: str
    departments: list[int]
    leader: int
    clerk: int
    specialist: int


class DocumentGenerator:
    """Documents in date order, their numbers, folded metadata and file texts."""

    def __init__(self, *, rng: random.Random, agencies: list[RegisterKeeper], weights: list[float], text_share: float):
        self.rng = rng
        self.agencies = agencies
        self.agency_cum = list(itertools.accumulate(weights))
        types = list(DocumentType.objects.filter(is_active=True).values_list("pk", "name", "abbreviation"))
        wanted = [t for t in types if t[1] in TYPE_WEIGHTS]
        self.types = wanted or types
        self.type_cum = list(itertools.accumulate(TYPE_WEIGHTS.get(t[1], 1) for t in self.types))
        self.f = _Folded()
        today = timezone.localdate()
        self.signers = [people.person(rng, today=today).full_name for _ in range(2000)]
        self.senders: list[tuple[str, str, str]] = [*EXTERNAL_SENDERS]
        self.senders += [(a.name, a.code, a.abbreviation) for a in agencies]
        self.text_share = text_share
        self.scopes: dict[str, str] = {register: number_scope(register) for register in Register}
        self.sequences = sequences_read(scopes=self.scopes.values())
        self.tz = office_timezone()
        self.random = rng.random
        self.subject_pool: dict[int, list[tuple[str, str, bool]]] = {}
        self.body_pool: list[tuple[str, str]] = []
        leaders = User.objects.filter(pk__in=[a.leader for a in agencies]).values_list("pk", "full_name")
        self.leader_names: dict[int, str] = dict(leaders)

    def agency(self) -> RegisterKeeper:
        return self.agencies[_pick(self.rng, self.agency_cum)]

    def document_type(self) -> tuple[int, str, str]:
        return self.types[_pick(self.rng, self.type_cum)]

    def number(self, agency: int, year: int, register: str) -> int:
        key = (self.scopes[register], agency, year_period(year))
        value = self.sequences.get(key, 0) + 1
        self.sequences[key] = value
        return value

    def _subjects(self, year: int) -> list[tuple[str, str, bool]]:
        """A pool of subjects of ``year`` (text, folded, whether the agency's place name follows)."""
        pool = self.subject_pool.get(year)
        if pool is None:
            pool = []
            for _ in range(SUBJECT_POOL):
                action, topic = self.rng.choice(ACTIONS), self.rng.choice(TOPICS)
                template = self.rng.choice(QUALIFIERS)
                qualifier = template.format(year=year, quarter=self.rng.randint(1, 4), place="").strip()
                parts = [p for p in (action, topic, qualifier) if p]
                pool.append((" ".join(parts), _join([self.f(p) for p in parts]), "{place}" in template))
            self.subject_pool[year] = pool
        return pool

    def subject(self, year: int, place: str) -> tuple[str, str]:
        pool = self._subjects(year)
        text, folded, with_place = pool[int(self.random() * len(pool))]
        if with_place:
            return f"{text} {place}", f"{folded} {self.f(place)}"
        return text, folded

    def body(self, subject: str, folded_subject: str, place: str) -> tuple[str, str]:
        """Extracted-text-like content: the opening line names the subject, then common sentences."""
        if not self.body_pool:
            for _ in range(BODY_POOL):
                chosen = self.rng.sample(SENTENCES, self.rng.randint(4, 9))
                self.body_pool.append(("\n".join(chosen), _join([self.f(c) for c in chosen])))
        text, folded = self.body_pool[int(self.random() * len(self.body_pool))]
        return f"{place} thông báo {subject}\n{text}", f"{self.f(place)} thong bao {folded_subject} {folded}"

    def when(self, start: dt.date, index: int, total: int) -> dt.datetime:
        day = start + dt.timedelta(days=int(DAYS * index / max(total, 1)))
        minute = 7 * 60 + 15 + int(self.random() * 615)
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60, int(self.random() * 60)), self.tz)


def _pick(rng: random.Random, cumulative: Sequence[float]) -> int:
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])


@dataclass
class Chunk:
    """The COPY lines of one chunk, table by table."""

    incoming: list[str]
    outgoing: list[str]
    files: list[str]
    recipients: list[str]


def incoming_rows(gen: DocumentGenerator, *, first_id: int, start: int, size: int, total: int, first_day: dt.date,
                   now: dt.datetime, out: Chunk) -> None:  # fmt: skip
    rng = gen.rng
    rnd = rng.random
    for offset in range(size):
        pk = first_id + start + offset
        agency = gen.agency()
        received = gen.when(first_day, start + offset, total)
        year = received.year
        classified = rng.random() < 0.01
        secrecy = Secrecy.CONFIDENTIAL if classified else Secrecy.NORMAL
        register = Register.INCOMING_CLASSIFIED if classified else Register.INCOMING
        number = gen.number(agency.pk, year, register)
        sender_name, sender_code, sender_abbr = gen.senders[int(rnd() * len(gen.senders))]
        type_id, type_name, type_abbr = gen.document_type()
        notation = f"{sender_abbr}-VP" if not type_abbr else f"{type_abbr}-{sender_abbr}"
        code_number = str(rng.randint(1, 3000))
        document_date = received.date() - dt.timedelta(days=rng.randint(0, 6))
        subject, folded_subject = gen.subject(year, agency.place)
        signer = gen.signers[int(rnd() * len(gen.signers))]
        age = (now - received).days
        if age > 45:
            status = IncomingStatus.COMPLETED if rng.random() < 0.97 else IncomingStatus.IN_PROGRESS
        else:
            status = rng.choice(
                (
                    IncomingStatus.REGISTERED,
                    IncomingStatus.ASSIGNED,
                    IncomingStatus.IN_PROGRESS,
                    IncomingStatus.COMPLETED,
                )
            )
        handled = status != IncomingStatus.REGISTERED
        directed_at = received + dt.timedelta(hours=rng.uniform(0.5, 30)) if handled else None
        department = agency.departments[int(rnd() * len(agency.departments))] if handled else None
        deadline = (received.date() + dt.timedelta(days=rng.choice((5, 7, 10, 15)))) if handled else None
        handler = agency.specialist if handled and department == agency.departments[0] else None
        completed = received + dt.timedelta(days=rng.uniform(1, 14)) if status == IncomingStatus.COMPLETED else None
        urgency = rng.choices(
            (Urgency.NORMAL, Urgency.URGENT, Urgency.VERY_URGENT, Urgency.FLASH), cum_weights=(85, 95, 99, 100)
        )[0]
        channel = Channel.ELECTRONIC if rng.random() < 0.87 else Channel.PAPER
        meta = _join(
            [
                f"{code_number} {gen.f(notation)}",
                str(number),
                gen.f(sender_name),
                gen.f(sender_code),
                gen.f(type_name),
                folded_subject,
                gen.f(signer),
            ]
        )
        body = ""
        if rng.random() < gen.text_share:
            text, body = gen.body(subject, folded_subject, agency.place)
            digest = hashlib.sha256(f"i{pk}".encode()).hexdigest()
            out.files.append(
                f"{_ts(received)}\t{_ts(received)}\t{pk}\t\\N\tmain\t1\tvan-ban-{pk}.pdf\tdocuments/scale/i{pk}.pdf\t"
                f"application/pdf\t{len(text) * 40}\t{digest}\t{_esc(text)}\t\\N\t\t1\t{{}}\tf"
            )
        stamp = _ts(received)
        out.incoming.append(
            "\t".join(
                (
                    str(pk), stamp, _ts(completed or directed_at or received), str(agency.pk), str(year), str(number),
                    register, stamp, channel, _esc(sender_name), sender_code, code_number, notation,
                    document_date.isoformat(), str(type_id), _esc(subject), _esc(signer), urgency, secrecy, NULL,
                    status, str(agency.clerk), "Giao đơn vị chủ trì xử lý, báo cáo kết quả." if handled else "",
                    _id(agency.leader if handled else None), _ts(directed_at), _id(department), _ts(deadline),
                    _id(handler), _id(agency.leader if handler else None), _ts(directed_at if handler else None),
                    "", "", _ts(completed), _ts(directed_at), "", "", NULL, meta, body,
                )
            )
        )  # fmt: skip


def outgoing_rows(gen: DocumentGenerator, *, first_id: int, start: int, size: int, total: int, first_day: dt.date,
                   out: Chunk) -> None:  # fmt: skip
    rng = gen.rng
    rnd = rng.random
    for offset in range(size):
        pk = first_id + start + offset
        agency = gen.agency()
        issued = gen.when(first_day, start + offset, total)
        year = issued.year
        classified = rng.random() < 0.01
        secrecy = Secrecy.CONFIDENTIAL if classified else Secrecy.NORMAL
        register = Register.OUTGOING_CLASSIFIED if classified else Register.OUTGOING
        number = gen.number(agency.pk, year, register)
        type_id, type_name, type_abbr = gen.document_type()
        department = agency.departments[int(rnd() * len(agency.departments))]
        department_abbr = DEPARTMENTS[agency.departments.index(department) % len(DEPARTMENTS)][1]
        notation = f"{agency.abbreviation}-{department_abbr}" if not type_abbr else f"{type_abbr}-{agency.abbreviation}"
        subject, folded_subject = gen.subject(year, agency.place)
        signed = issued - dt.timedelta(hours=rng.uniform(0.2, 20))
        created = signed - dt.timedelta(days=rng.uniform(0.5, 10))
        names: list[str] = []
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.6:
                target = gen.agencies[int(rnd() * len(gen.agencies))]
                channel, name, code, agency_id = Recipient.Channel.INTERNAL, target.name, target.code, str(target.pk)
            else:
                name, code, _abbr = EXTERNAL_SENDERS[int(rnd() * len(EXTERNAL_SENDERS))]
                channel, agency_id = Recipient.Channel.EDXML, NULL
            if classified:
                channel, agency_id = Recipient.Channel.PAPER, NULL
            names.append(name)
            out.recipients.append(f"{pk}\t{channel}\t{agency_id}\t{code}\t{_esc(name)}\t{_ts(issued)}\t\t\\N\t\t\\N")
        signer_name = gen.leader_names.get(agency.leader, "")
        meta = _join(
            [
                f"{number:02d} {gen.f(notation)}",
                gen.f(type_name),
                folded_subject,
                gen.f(signer_name),
                _join([gen.f(n) for n in names]),
            ]
        )
        body = ""
        if rng.random() < gen.text_share:
            text, body = gen.body(subject, folded_subject, agency.place)
            digest = hashlib.sha256(f"o{pk}".encode()).hexdigest()
            out.files.append(
                f"{_ts(issued)}\t{_ts(issued)}\t\\N\t{pk}\tsigned\t1\t{number:02d}-{pk}.signed.pdf\t"
                f"documents/scale/o{pk}.pdf\tapplication/pdf\t{len(text) * 40}\t{digest}\t{_esc(text)}"
                "\t\\N\t\t1\t{}\tf"
            )
        out.outgoing.append(
            "\t".join(
                (
                    str(pk), _ts(created), _ts(issued), str(agency.pk), str(department), str(agency.specialist),
                    str(type_id), _esc(subject), Urgency.NORMAL, secrecy, OutgoingStatus.ISSUED, NULL,
                    str(agency.leader), "", rng.choice(SIGNER_POSITIONS), _ts(signed), str(year), str(number),
                    register, notation, _ts(issued), str(agency.clerk), str(rng.randint(1, 10)),
                    str(rng.randint(1, 6)), str(agency.departments[0]), "", "", NULL, meta, body,
                )
            )
        )  # fmt: skip
