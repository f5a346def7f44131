"""The one date field of every page, and the components every form is drawn with."""

from __future__ import annotations

import re

import pytest
from django import forms

from cqs.core.forms import VietnameseDateField


class _DayForm(forms.Form):
    day = VietnameseDateField(label="Ngày hẹn")
    note = forms.CharField(label="Ghi chú", required=False, help_text="Không bắt buộc.")
    mode = forms.ChoiceField(label="Hình thức", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/02/2025", "Ngày 31/02/2025 không có thật: tháng 2 năm 2025 chỉ có 28 ngày."),
        ("29/02/2025", "Ngày 29/02/2025 không có thật: tháng 2 năm 2025 chỉ có 28 ngày."),
        ("31/4/2026", "Ngày 31/04/2026 không có thật: tháng 4 năm 2026 chỉ có 30 ngày."),
        ("00/01/2026", "Ngày 00/01/2026 không có thật: tháng 1 năm 2026 chỉ có 31 ngày."),
        ("12/13/2026", "Tháng 13 không có thật: tháng chỉ từ 1 đến 12."),
        ("mai", "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/09/2025."),
    ],
)
def test_an_impossible_date_is_named_not_called_a_format_error(typed: str, message: str) -> None:
    form = _DayForm({"day": typed, "mode": "a"})
    assert not form.is_valid()
    assert form.errors["day"] == [message]


def test_a_real_leap_day_is_accepted() -> None:
    form = _DayForm({"day": "29/02/2028", "mode": "a"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"].isoformat() == "2028-02-29"


def test_every_form_is_drawn_with_a_linked_summary_marked_required_fields_and_described_errors() -> None:
    html = str(_DayForm({"day": "31/02/2025"}))
    summary = re.search(r'<div class="error-summary"[^>]*data-error-summary[^>]*>(.*?)</div>', html, flags=re.S)
    assert summary is not None, html
    assert 'tabindex="-1"' in html and 'role="alert"' in html
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(1))
    assert links == [
        ("id_day", "Ngày hẹn: Ngày 31/02/2025 không có thật: tháng 2 năm 2025 chỉ có 28 ngày."),
        ("id_mode_0", "Hình thức: Trường này là bắt buộc."),
    ]
    for target, _text in links:
        assert f'id="{target}"' in html
    # Required fields: the marker next to the label and the attribute on the input.
    assert re.search(r'<label for="id_day">Ngày hẹn<span class="req" aria-hidden="true"> \*</span></label>', html)
    assert re.search(r'<input[^>]*name="day"[^>]*required', html)
    assert re.search(r'<input[^>]*name="day"[^>]*aria-invalid="true"', html)
    assert 'aria-describedby="id_day_error"' in html and 'id="id_day_error"' in html
    assert '<label for="id_note">Ghi chú</label>' in html
    assert 'aria-describedby="id_note_helptext"' in html
