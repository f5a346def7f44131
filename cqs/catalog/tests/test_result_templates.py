"""The result template language: fixed placeholders, escaped values, a few tags, defaults by kind of result."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cqs.catalog import result_templates as rt
from cqs.catalog import services
from cqs.catalog.models import Field, ProcedureVersion
from cqs.catalog.tests.test_manage_views import (  # noqa: F401 (fixtures)
    SCALARS,
    _create,
    _errors,
    _no_totp,
    agency,
    field,
    manager,
    manager_client,
)
from cqs.units.models import Agency


def test_values_are_escaped_and_only_known_placeholders_are_filled() -> None:
    html = rt.render(
        "<p>Ông/Bà {{ ho_ten }}, {{to_khai.ho_ten_tre}}, {{ to_khai.xac_nhan }}, {{ dia_chi }}</p>",
        values={"ho_ten": "<b>Lan</b> & {{ dia_chi }}", "dia_chi": ""},
        form={"ho_ten_tre": "Bình\nNam", "xac_nhan": True},
    )
    assert html == ("<p>Ông/Bà &lt;b&gt;Lan&lt;/b&gt; &amp; {{ dia_chi }}, Bình<br>Nam, Có, ……………………</p>")


def test_the_fragment_keeps_formatting_tags_only() -> None:
    html = rt.sanitise(
        '<p class="value" style="color:red" onclick="x()">A<script>alert(1)</script>'
        '<img src="file:///etc/passwd"><a href="http://x">B</a></p>'
        '<table><tr><td colspan="2" rowspan="x">C</td></tr></table><style>p{}</style><ul><li>D'
    )
    assert html == '<p class="value">AB</p><table><tr><td colspan="2">C</td></tr></table><ul><li>D</li></ul>'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "<p>{{ ho_ten }} {{ mat_khau }}</p>",
            "Mẫu kết quả điện tử có trường thay thế không có sẵn: {{ mat_khau }}. Các trường có sẵn: "
            "{{ ho_ten }}, {{ so_dinh_danh }}, {{ dia_chi }}, {{ ten_thu_tuc }}, {{ ma_ho_so }}, "
            "{{ ngay_quyet_dinh }}, {{ noi_dung_ket_qua }}, {{ co_quan }}, {{ ket_qua_thuc_hien }}.",
        ),
        ("<p>{% debug %}</p>", "Mẫu kết quả điện tử không dùng thẻ lệnh {% … %}; chỉ dùng trường thay thế {{ … }}."),
        ("<p>{{ ho ten }}</p>", "Mẫu kết quả điện tử có trường thay thế viết sai; viết dạng {{ ho_ten }}."),
        (
            '<p><img src="x"><script>1</script></p>',
            "Mẫu kết quả điện tử dùng thẻ HTML không được phép: <img>, <script>.",
        ),
    ],
)
def test_problems_are_named(text: str, message: str) -> None:
    assert rt.template_problems(text) == [message]


def test_a_good_template_and_every_default_have_no_problem() -> None:
    assert rt.template_problems("<h3>Xác nhận</h3><p>{{ ho_ten }} — {{ to_khai.ngay_sinh }}</p>") == []
    for template in rt.DEFAULT_TEMPLATES.values():
        assert rt.template_problems(template) == []


@pytest.mark.parametrize(
    ("result_type", "kind", "title"),
    [
        ("Giấy khai sinh (bản chính) và bản sao Giấy khai sinh nếu có yêu cầu", rt.CERTIFICATE, "Giấy khai sinh"),
        ("Giấy xác nhận tình trạng hôn nhân", rt.CERTIFICATE, "Giấy xác nhận tình trạng hôn nhân"),
        ("Bản sao có chứng thực (bản giấy hoặc bản điện tử)", rt.ATTESTATION, "Bản sao có chứng thực"),
        ("Văn bản trả lời", rt.NOTICE, "Văn bản trả lời"),
        ("", rt.NOTICE, "Kết quả giải quyết thủ tục hành chính"),
    ],
)
def test_defaults_by_kind_of_result(result_type: str, kind: str, title: str) -> None:
    assert rt.result_kind(result_type) == kind
    assert rt.result_title(result_type) == title
    assert rt.template_for(result_template="  ", result_type=result_type) == rt.DEFAULT_TEMPLATES[kind]
    assert rt.template_for(result_template="<p>Riêng</p>", result_type=result_type) == "<p>Riêng</p>"


@pytest.mark.django_db
def test_the_manager_edits_the_template_on_the_version_page_and_a_new_draft_keeps_it(
    request: pytest.FixtureRequest,
) -> None:
    web: Client = request.getfixturevalue("manager_client")
    the_field: Field = request.getfixturevalue("field")
    the_agency: Agency = request.getfixturevalue("agency")
    the_manager = request.getfixturevalue("manager")
    version = _create(web, the_field)
    edit_url = reverse("catalog:version_edit", args=[version.pk])
    assert 'name="result_template"' in web.get(edit_url).content.decode()
    bad = {**SCALARS, "field": the_field.pk, "agencies": [the_agency.pk], "result_template": "<p>{{ mat_khau }}</p>"}
    response = web.post(edit_url, bad)
    assert response.status_code != 302
    assert any("{{ mat_khau }}" in error for error in _errors(response)), _errors(response)
    version.refresh_from_db()
    assert version.result_template == ""
    good = {**bad, "result_template": "<p>Chứng nhận {{ ho_ten }}</p>"}
    assert web.post(edit_url, good).status_code == 302
    version.refresh_from_db()
    assert version.result_template == "<p>Chứng nhận {{ ho_ten }}</p>"
    detail = web.get(reverse("catalog:version_detail", args=[version.pk])).content.decode()
    assert "Mẫu riêng của phiên bản" in detail
    ProcedureVersion.objects.filter(pk=version.pk).update(status=ProcedureVersion.Status.PUBLISHED)
    new = services.version_create_draft(procedure=version.procedure, actor=the_manager)
    assert new.result_template == "<p>Chứng nhận {{ ho_ten }}</p>"
