"""Made-up but realistic people of Nghệ An for the demo and the scale load: names, CCCDs, addresses, phones.

Everything comes from a ``random.Random`` the caller seeds, so two runs with the same seed
produce the same people (what keeps the demo idempotent and the tests repeatable).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

FAMILY_NAMES = (
    ("Nguyễn", 30),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 6),
    ("Hồ", 5),
    ("Phan", 5),
    ("Võ", 4),
    ("Đặng", 3),
    ("Bùi", 3),
    ("Đỗ", 3),
    ("Ngô", 2),
    ("Dương", 2),
    ("Đinh", 2),
    ("Thái", 2),
    ("Cao", 1),
    ("Lương", 1),
    ("Chu", 1),
    ("Tăng", 1),
    ("Lữ", 1),
)
MIDDLE_MALE = ("Văn", "Văn", "Đức", "Hữu", "Minh", "Quang", "Công", "Đình", "Xuân", "Ngọc", "Anh", "Thanh")
MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Hồng", "Phương", "Minh", "Diệu", "Khánh", "Hoài")
GIVEN_MALE = (
    "Hùng", "Dũng", "Tuấn", "Minh", "Nam", "Hải", "Long", "Sơn", "Đức", "Thắng", "Toàn", "Phúc", "Quân",
    "Hiếu", "Trung", "Bình", "Khánh", "Đạt", "Cường", "Lực", "Thành", "Vinh", "Hoàng", "Tú", "Quý", "Lâm",
)  # fmt: skip
GIVEN_FEMALE = (
    "Lan", "Hương", "Hoa", "Mai", "Linh", "Trang", "Thảo", "Hà", "Nga", "Huyền", "Yến", "Ngọc", "Hằng",
    "Thủy", "Dung", "Vân", "Oanh", "Nhung", "Loan", "Tâm", "Hạnh", "Phượng", "Giang", "Hiền", "Quỳnh",
)  # fmt: skip

# Where the demo's people live (the communes of the demo agencies, and a few more of the province).
PLACES = (
    ("phường Trường Vinh", "Khối"),
    ("phường Trường Vinh", "Khối"),
    ("phường Trường Vinh", "Khối"),
    ("phường Thành Vinh", "Khối"),
    ("phường Vinh Hưng", "Khối"),
    ("phường Cửa Lò", "Khối"),
    ("xã Diễn Châu", "Xóm"),
    ("xã Con Cuông", "Bản"),
    ("xã Hưng Nguyên", "Xóm"),
    ("xã Nghi Lộc", "Xóm"),
)
STREETS = ("Lê Lợi", "Trường Thi", "Phan Đình Phùng", "Nguyễn Du", "Lê Hồng Phong", "Quang Trung", "Hồ Tùng Mậu")


@dataclass(frozen=True)
class Person:
    citizen_id: str
    full_name: str
    female: bool
    date_of_birth: dt.date
    address: str
    phone: str


def _weighted_family(rng: random.Random) -> str:
    names, weights = zip(*FAMILY_NAMES, strict=True)
    return rng.choices(names, weights=weights)[0]


def full_name(rng: random.Random, *, female: bool) -> str:
    middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
    given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    return f"{_weighted_family(rng)} {middle} {given}"


def citizen_id(rng: random.Random, *, female: bool, born: dt.date, province: str = "040") -> str:
    """A CCCD in the legal shape: birth province, sex and century, year of birth, six random digits."""
    century = 0 if born.year < 2000 else 2
    digit = century + (1 if female else 0)
    return f"{province}{digit}{born.year % 100:02d}{rng.randrange(1_000_000):06d}"


def address(rng: random.Random) -> str:
    place, hamlet = rng.choice(PLACES)
    if hamlet == "Khối" and rng.random() < 0.4:
        return f"Số {rng.randint(1, 180)} đường {rng.choice(STREETS)}, {place}, tỉnh Nghệ An"
    return f"{hamlet} {rng.randint(1, 15)}, {place}, tỉnh Nghệ An"


def phone(rng: random.Random) -> str:
    return rng.choice(("091", "094", "098", "097", "086", "088", "035", "036", "039")) + f"{rng.randrange(10**7):07d}"


def person(rng: random.Random, *, today: dt.date, taken: set[str] | None = None) -> Person:
    female = rng.random() < 0.5
    born = dt.date(rng.randint(1950, min(2006, today.year - 18)), rng.randint(1, 12), rng.randint(1, 28))
    while True:
        number = citizen_id(rng, female=female, born=born)
        if taken is None or number not in taken:
            break
    if taken is not None:
        taken.add(number)
    return Person(number, full_name(rng, female=female), female, born, address(rng), phone(rng))


# ---------------------------------------------------------------- a small real PDF


def _pdf_text(value: str) -> str:
    """PDF string literal contents: ASCII only (the standard Helvetica font), brackets escaped."""
    from cqs.core.text import fold

    ascii_text = fold(value) if not value.isascii() else value
    return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def minimal_pdf(title: str, lines: tuple[str, ...] = ()) -> bytes:
    """A valid one-page A4 PDF 1.4 with a few lines of text (Helvetica), with a correct xref table."""
    text_ops = ["BT", "/F1 16 Tf", "56 780 Td", f"({_pdf_text(title)}) Tj", "/F1 11 Tf"]
    for line in lines:
        text_ops += ["0 -22 Td", f"({_pdf_text(line)}) Tj"]
    text_ops.append("ET")
    stream = "\n".join(text_ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
