from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from cqs.accounts.validators import (
    BIRTH_PROVINCE_CODES,
    citizen_id_parts,
    tax_code_check_digit,
    validate_citizen_id,
    validate_tax_code,
)
from cqs.core.errors import ValidationFailed

OFFICIAL_63 = [
    "001",
    "002",
    "004",
    "006",
    "008",
    "010",
    "011",
    "012",
    "014",
    "015",
    "017",
    "019",
    "020",
    "022",
    "024",
    "025",
    "026",
    "027",
    "030",
    "031",
    "033",
    "034",
    "035",
    "036",
    "037",
    "038",
    "040",
    "042",
    "044",
    "045",
    "046",
    "048",
    "049",
    "051",
    "052",
    "054",
    "056",
    "058",
    "060",
    "062",
    "064",
    "066",
    "067",
    "068",
    "070",
    "072",
    "074",
    "075",
    "077",
    "079",
    "080",
    "082",
    "083",
    "084",
    "086",
    "087",
    "089",
    "091",
    "092",
    "093",
    "094",
    "095",
    "096",
]


def test_the_63_pre_2025_province_codes() -> None:
    assert sorted(BIRTH_PROVINCE_CODES) == OFFICIAL_63
    assert len(BIRTH_PROVINCE_CODES) == 63
    assert BIRTH_PROVINCE_CODES["001"] == "Hà Nội"
    assert BIRTH_PROVINCE_CODES["096"] == "Cà Mau"


@pytest.mark.parametrize(
    ("value", "province", "gender", "year"),
    [
        ("040095001234", "040", "male", 1995),
        ("040 0 95 001234", "040", "male", 1995),
        ("001185000001", "001", "female", 1985),
        ("079203123456", "079", "male", 2003),
        ("038305999999", "038", "female", 2005),
        ("011100000000", "011", "female", 1900),
    ],
)
def test_valid_citizen_ids_and_their_parts(value: str, province: str, gender: str, year: int) -> None:
    cleaned = validate_citizen_id(value)
    assert cleaned == value.replace(" ", "")
    parts = citizen_id_parts(value)
    assert (parts.birth_province_code, parts.gender, parts.birth_year) == (province, gender, year)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("04009500123", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
        ("0400950012345", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
        ("04009500123A", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
        ("", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
        ("003095001234", "Ba chữ số đầu (003) không phải mã tỉnh, thành phố nơi đăng ký khai sinh."),
        ("097095001234", "Ba chữ số đầu (097) không phải mã tỉnh, thành phố nơi đăng ký khai sinh."),
        ("040695001234", "Chữ số thứ tư (6) là mã giới tính và thế kỷ sinh, chỉ được từ 0 đến 5."),
        ("040995001234", "Chữ số thứ tư (9) là mã giới tính và thế kỷ sinh, chỉ được từ 0 đến 5."),
        ("040299001234", "Năm sinh theo số định danh cá nhân (2099) chưa tới."),
        ("040400001234", "Năm sinh theo số định danh cá nhân (2100) chưa tới."),
    ],
)
def test_invalid_citizen_ids_say_why(value: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_citizen_id(value)
    assert caught.value.message == message


def test_birth_year_this_year_is_accepted_next_year_is_not() -> None:
    with time_machine.travel(dt.datetime(2026, 6, 1, tzinfo=dt.UTC), tick=False):
        assert citizen_id_parts("040226001234").birth_year == 2026
        with pytest.raises(ValidationFailed) as caught:
            validate_citizen_id("040227001234")
    assert caught.value.message == "Năm sinh theo số định danh cá nhân (2027) chưa tới."


WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def _check_digit_from_the_rule(first_nine: str) -> int | None:
    """The algorithm as written in the reference, independently of the module under test."""
    total = sum(int(d) * w for d, w in zip(first_nine, WEIGHTS, strict=True))
    result = 10 - total % 11
    return None if result == 10 else result


def test_viettel_tax_code_is_valid_under_the_algorithm() -> None:
    # 0*31 + 1*29 + 0*23 + 0*19 + 1*17 + 0*13 + 9*7 + 1*5 + 0*3 = 114; 114 mod 11 = 4; 10 - 4 = 6
    assert _check_digit_from_the_rule("010010910") == 6
    assert validate_tax_code("0100109106") == "0100109106"
    assert validate_tax_code(" 0100 109 106 ") == "0100109106"


def test_a_computed_tax_code_is_valid() -> None:
    first_nine = "280123456"
    check = _check_digit_from_the_rule(first_nine)
    assert check is not None
    assert tax_code_check_digit(first_nine) == check
    assert validate_tax_code(f"{first_nine}{check}") == f"{first_nine}{check}"


def test_remainder_ten_gives_check_digit_zero() -> None:
    # 3*29 + 1*17 + 2*13 + 3*7 + 4*5 + 5*3 = 186; 186 mod 11 = 10; 10 - 10 = 0
    assert _check_digit_from_the_rule("030012345") == 0
    assert validate_tax_code("0300123450") == "0300123450"


def test_remainder_zero_means_no_valid_code() -> None:
    # 1*31 + 0 … + 1*13 + 0 + 0 + 0 = 44 = 4 * 11: the formula gives 10, not a digit
    assert _check_digit_from_the_rule("100001000") is None
    assert tax_code_check_digit("100001000") is None
    for last in "0123456789":
        with pytest.raises(ValidationFailed) as caught:
            validate_tax_code(f"100001000{last}")
        assert caught.value.message == (
            "Mã số thuế không hợp lệ: chín chữ số đầu không cho chữ số kiểm tra nào (không được cấp)."
        )


def test_wrong_check_digit() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_tax_code("0100109107")
    assert caught.value.message == "Mã số thuế không hợp lệ: chữ số kiểm tra (chữ số thứ 10) không đúng."


def test_branch_suffix() -> None:
    assert validate_tax_code("0100109106-001") == "0100109106-001"
    assert validate_tax_code("0100109106-999") == "0100109106-999"
    assert validate_tax_code("0100109106001") == "0100109106-001"
    with pytest.raises(ValidationFailed) as caught:
        validate_tax_code("0100109106-000")
    assert caught.value.message == "Ba chữ số của đơn vị phụ thuộc phải từ 001 đến 999, không được là 000."
    with pytest.raises(ValidationFailed) as caught:
        validate_tax_code("0100109107-001")
    assert caught.value.message == "Mã số thuế không hợp lệ: chữ số kiểm tra (chữ số thứ 10) không đúng."


@pytest.mark.parametrize("value", ["010010910", "01001091061", "0100109106-01", "0100109106-0001", "01001O9106", ""])
def test_tax_code_format(value: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_tax_code(value)
    assert caught.value.message == (
        "Mã số thuế phải gồm 10 chữ số; đơn vị phụ thuộc thêm dấu gạch ngang và 3 chữ số (-001 đến -999)."
    )
