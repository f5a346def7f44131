"""Vietnamese identifiers: the citizen ID (CCCD / số định danh cá nhân) and the business tax code (MST).

Citizen ID, 12 digits ``PPP G YY RRRRRR``:

* ``PPP``: the province where the birth was registered, using the 63 pre-2025 province codes
  (001 Hà Nội … 096 Cà Mau). The 2025 merger into 34 provinces does not re-number existing IDs,
  so the old list stays the reference.
* ``G``: gender and century: 0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s.
* ``YY``: the last two digits of the birth year; with ``G`` it gives the full year, which cannot
  be in the future.
* ``RRRRRR``: six random digits. There is **no check digit**, so a well-formed ID can still be wrong.

Tax code, 10 digits ``N1 … N10`` (branches add ``-NNN``, 001–999): the check digit is
``N10 = 10 − (Σ Nᵢ·Wᵢ mod 11)`` over the first nine digits with W = 31, 29, 23, 19, 17, 13, 7, 5, 3.

Edge cases of the mod-11 rule, handled below:

* remainder 0 → the formula gives 10, which is not a digit: no valid tax code starts with these
  nine digits (the tax authority never issues them), so the code is refused whatever its 10th digit;
* remainder 10 → the check digit is 0 (10 − 10), a valid code;
* any other remainder r → the check digit is 10 − r (1–9).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.core.errors import ValidationFailed

# The 63 pre-2025 province codes used as place of birth registration in citizen IDs.
BIRTH_PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "TP. Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

TAX_CODE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)

_WHITESPACE = re.compile(r"\s+")
_CITIZEN_ID = re.compile(r"\d{12}")
_TAX_CODE = re.compile(r"(?P<base>\d{10})(?:-?(?P<branch>\d{3}))?")


@dataclass(frozen=True)
class CitizenIdParts:
    birth_province_code: str
    birth_province_name: str
    gender: str  # "male" or "female"
    birth_year: int


def _compact(value: str) -> str:
    return _WHITESPACE.sub("", value or "")


def citizen_id_parts(value: str) -> CitizenIdParts:
    """Split a citizen ID after validating it: birth province, gender and full birth year."""
    cleaned = validate_citizen_id(value)
    gender_digit = int(cleaned[3])
    century = 1900 + (gender_digit // 2) * 100
    return CitizenIdParts(
        birth_province_code=cleaned[:3],
        birth_province_name=BIRTH_PROVINCE_CODES[cleaned[:3]],
        gender="male" if gender_digit % 2 == 0 else "female",
        birth_year=century + int(cleaned[4:6]),
    )


def validate_citizen_id(value: str) -> str:
    """The citizen ID without spaces, or ValidationFailed naming the part that is wrong."""
    cleaned = _compact(value)
    if not _CITIZEN_ID.fullmatch(cleaned):
        raise ValidationFailed(_("Số định danh cá nhân phải gồm đúng 12 chữ số."), code="citizen_id_format")
    province = cleaned[:3]
    if province not in BIRTH_PROVINCE_CODES:
        raise ValidationFailed(
            _("Ba chữ số đầu (%(code)s) không phải mã tỉnh, thành phố nơi đăng ký khai sinh.") % {"code": province},
            code="citizen_id_province",
        )
    gender_digit = int(cleaned[3])
    if gender_digit > 5:
        raise ValidationFailed(
            _("Chữ số thứ tư (%(digit)s) là mã giới tính và thế kỷ sinh, chỉ được từ 0 đến 5.")
            % {"digit": gender_digit},
            code="citizen_id_gender",
        )
    birth_year = 1900 + (gender_digit // 2) * 100 + int(cleaned[4:6])
    if birth_year > timezone.localdate().year:
        raise ValidationFailed(
            _("Năm sinh theo số định danh cá nhân (%(year)s) chưa tới.") % {"year": birth_year},
            code="citizen_id_birth_year",
        )
    return cleaned


def tax_code_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when the remainder is 0 (no digit can be 10)."""
    remainder = sum(int(digit) * weight for digit, weight in zip(first_nine, TAX_CODE_WEIGHTS, strict=True)) % 11
    check = 10 - remainder
    return None if check == 10 else check


def validate_tax_code(value: str) -> str:
    """The tax code as ``NNNNNNNNNN`` or ``NNNNNNNNNN-NNN``, or ValidationFailed with the reason."""
    cleaned = _compact(value)
    match = _TAX_CODE.fullmatch(cleaned)
    if match is None:
        raise ValidationFailed(
            _("Mã số thuế phải gồm 10 chữ số; đơn vị phụ thuộc thêm dấu gạch ngang và 3 chữ số (-001 đến -999)."),
            code="tax_code_format",
        )
    base, branch = match.group("base"), match.group("branch")
    if branch == "000":
        raise ValidationFailed(
            _("Ba chữ số của đơn vị phụ thuộc phải từ 001 đến 999, không được là 000."), code="tax_code_branch"
        )
    check = tax_code_check_digit(base[:9])
    if check is None:
        raise ValidationFailed(
            _("Mã số thuế không hợp lệ: chín chữ số đầu không cho chữ số kiểm tra nào (không được cấp)."),
            code="tax_code_unissuable",
        )
    if int(base[9]) != check:
        raise ValidationFailed(
            _("Mã số thuế không hợp lệ: chữ số kiểm tra (chữ số thứ 10) không đúng."), code="tax_code_check_digit"
        )
    return f"{base}-{branch}" if branch else base
