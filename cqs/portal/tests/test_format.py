from decimal import Decimal
from types import SimpleNamespace

from cqs.portal.templatetags.portal_format import copies_text, dong, percent_of, plain_number


def test_money_is_in_dong_with_dots_and_zero_is_free():
    assert dong(8000) == "8.000 đồng"
    assert dong(1_500_000) == "1.500.000 đồng"
    assert dong(500) == "500 đồng"
    assert dong(0) == "Miễn phí"
    assert dong(None) == ""


def test_numbers_lose_trailing_zeros_and_use_vietnamese_separators():
    assert plain_number(Decimal("1.00")) == "1"
    assert plain_number(Decimal("0.50")) == "0,5"
    assert plain_number(Decimal("2.25")) == "2,25"
    assert plain_number(1769) == "1.769"
    assert plain_number(None) == ""


def test_copies_are_counted_in_words():
    assert copies_text(SimpleNamespace(originals=1, copies=0)) == "1 bản chính"
    assert copies_text(SimpleNamespace(originals=1, copies=2)) == "1 bản chính, 2 bản sao"
    assert copies_text(SimpleNamespace(originals=0, copies=0)) == ""


def test_percentages_survive_an_empty_catalog():
    assert percent_of(751, 1769) == 42
    assert percent_of(3, 0) == 0
