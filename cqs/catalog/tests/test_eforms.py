from __future__ import annotations

import datetime as dt

import pytest
from django import forms

from cqs.catalog import services
from cqs.catalog.eforms import eform_class, initial_from_user
from cqs.catalog.permissions import can_manage_catalog
from cqs.catalog.tests import factories

pytestmark = pytest.mark.django_db

FIELDS = [
    {"key": "ho_ten", "label": "Họ và tên", "type": "text", "prefill": "full_name", "help_text": "Viết hoa có dấu"},
    {"key": "ngay_sinh", "label": "Ngày sinh", "type": "date", "prefill": "date_of_birth"},
    {"key": "so_dinh_danh", "label": "Số định danh cá nhân", "type": "citizen_id", "prefill": "citizen_id"},
    {"key": "gioi_tinh", "label": "Giới tính", "type": "choice", "choices": ["Nam", "Nữ"]},
    {"key": "so_con", "label": "Số con", "type": "integer", "required": False},
    {"key": "dien_thoai", "label": "Điện thoại", "type": "phone", "prefill": "phone"},
    {"key": "cam_doan", "label": "Tôi cam đoan", "type": "checkbox"},
]


@pytest.fixture
def version(manager):  # type: ignore[no-untyped-def]
    _procedure, version = services.procedure_create(
        code="1.001193",
        name="Thủ tục đăng ký khai sinh",
        field=factories.field(),
        level="commune",
        online_level="full",
        actor=manager,
    )
    services.version_set_form_fields(version=version, actor=manager, items=FIELDS)
    return version


def test_form_fields_types_and_labels(version):
    form = eform_class(version)()
    assert list(form.fields) == [f["key"] for f in FIELDS]
    assert form.fields["ho_ten"].label == "Họ và tên" and form.fields["ho_ten"].help_text == "Viết hoa có dấu"
    assert isinstance(form.fields["ngay_sinh"], forms.DateField)
    assert isinstance(form.fields["gioi_tinh"].widget, forms.Select)
    assert isinstance(form.fields["cam_doan"], forms.BooleanField) and form.fields["cam_doan"].required
    assert 'placeholder="dd/mm/yyyy"' in str(form["ngay_sinh"])


def test_valid_and_invalid_submissions(version):
    form_class = eform_class(version)
    good = form_class(
        data={
            "ho_ten": "Nguyễn Văn A",
            "ngay_sinh": "05/09/2025",
            "so_dinh_danh": "001203012345",
            "gioi_tinh": "Nữ",
            "dien_thoai": "0912 345 678",
            "cam_doan": "on",
        }
    )
    assert good.is_valid(), good.errors
    assert good.cleaned_data["ngay_sinh"] == dt.date(2025, 9, 5)
    bad = form_class(
        data={
            "ho_ten": "A",
            "ngay_sinh": "2025/31/12",
            "so_dinh_danh": "12345",
            "gioi_tinh": "Khác",
            "dien_thoai": "12",
        }
    )
    assert not bad.is_valid()
    assert set(bad.errors) == {"ngay_sinh", "so_dinh_danh", "gioi_tinh", "dien_thoai", "cam_doan"}
    assert bad.errors["ngay_sinh"] == ["Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/09/2025."]
    assert bad.errors["cam_doan"] == ["Cần đánh dấu xác nhận để tiếp tục."]


def test_dates_and_numbers_are_bounded(version):
    """A year 9999 or 10^30 copies is refused at input, with a Vietnamese message."""
    form_class = eform_class(version)
    data = {"ho_ten": "Nguyễn Văn A", "so_dinh_danh": "001203012345", "gioi_tinh": "Nữ", "dien_thoai": "0912345678"}
    bad = form_class(data={**data, "ngay_sinh": "31/12/9999", "so_con": "1" + "0" * 30, "cam_doan": "on"})
    assert not bad.is_valid()
    assert bad.errors["ngay_sinh"] == ["Ngày phải trong khoảng 01/01/1900–31/12/2100."]
    assert bad.errors["so_con"] == ["Nhập một số nguyên từ 0 đến 999.999.999.999.999."]
    good = form_class(data={**data, "ngay_sinh": "01/01/2100", "so_con": "3", "cam_doan": "on"})
    assert good.is_valid(), good.errors


def test_initial_from_user(version):
    user = factories.citizen()
    user.citizen_id, user.date_of_birth, user.phone = "001203012345", dt.date(2003, 1, 2), "0912345678"
    assert initial_from_user(version, user) == {
        "ho_ten": "Trần Thị Dân",
        "ngay_sinh": dt.date(2003, 1, 2),
        "so_dinh_danh": "001203012345",
        "dien_thoai": "0912345678",
    }


def test_can_manage_catalog(manager):
    assert can_manage_catalog(manager)
    assert can_manage_catalog(factories.official(role="administrator"))
    assert not can_manage_catalog(factories.official(role="specialist"))
    assert not can_manage_catalog(factories.citizen())
    inactive = factories.official()
    inactive.is_active = False
    assert not can_manage_catalog(inactive)
    from django.contrib.auth.models import AnonymousUser

    assert not can_manage_catalog(AnonymousUser())


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/02/2026", "Ngày 31/02/2026 không có thật: tháng 2 năm 2026 chỉ có 28 ngày."),
        ("29/02/2025", "Ngày 29/02/2025 không có thật: tháng 2 năm 2025 chỉ có 28 ngày."),
        ("31/04/2026", "Ngày 31/04/2026 không có thật: tháng 4 năm 2026 chỉ có 30 ngày."),
        ("0/05/2026", "Ngày 00/05/2026 không có thật: tháng 5 năm 2026 chỉ có 31 ngày."),
        ("12/13/2026", "Tháng 13 không có thật: tháng chỉ từ 1 đến 12."),
        ("2026/02/31", "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/09/2025."),
        ("hôm qua", "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/09/2025."),
    ],
)
def test_an_impossible_date_is_named_as_such(version, typed, message):
    form = eform_class(version)(data={"ngay_sinh": typed})
    form.is_valid()
    assert form.errors["ngay_sinh"] == [message]


def test_a_leap_day_is_a_date(version):
    form = eform_class(version)(data={"ngay_sinh": "29/02/2024"})
    form.is_valid()
    assert "ngay_sinh" not in form.errors
