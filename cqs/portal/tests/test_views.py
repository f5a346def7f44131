import re

import pytest
from django.urls import reverse

from cqs.catalog.models import Level, OnlineLevel
from cqs.catalog.revision_cache import catalogue_cache
from cqs.portal.tests.factories import agency_create, birth_registration, field_create, procedure_create

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")

pytestmark = pytest.mark.django_db

LIST = reverse("portal:procedures")


@pytest.fixture
def catalog():
    """The birth registration among procedures whose names look alike."""
    civil = field_create("HT", "Hộ tịch")
    land = field_create("DD", "Đất đai")
    commune = agency_create("000.40.01.H40", "UBND xã Nghi Lộc")
    department = agency_create("000.00.10.H40", "Sở Tài nguyên và Môi trường", kind="department")
    birth = birth_registration(field=civil, agencies=[commune])
    others = {
        "again": procedure_create(
            "1.004884",
            "Thủ tục đăng ký lại khai sinh",
            field=civil,
            agencies=[commune],
            online_level=OnlineLevel.PARTIAL,
        ),
        "foreign": procedure_create(
            "1.001695",
            "Thủ tục đăng ký khai sinh có yếu tố nước ngoài",
            field=civil,
            level=Level.PROVINCE,
            online_level=OnlineLevel.PARTIAL,
        ),
        "death": procedure_create("1.000656", "Thủ tục đăng ký khai tử", field=civil, agencies=[commune]),
        "marriage": procedure_create("1.000894", "Thủ tục đăng ký kết hôn", field=civil, agencies=[commune]),
        "land": procedure_create(
            "1.012345",
            "Đăng ký đất đai lần đầu",
            field=land,
            level=Level.PROVINCE,
            agencies=[department],
            online_level=OnlineLevel.NONE,
        ),
        "draft": procedure_create("9.999999", "Thủ tục đăng ký khai sinh thử nghiệm", field=civil, published=False),
    }
    return {"birth": birth, "civil": civil, "land": land, "commune": commune, "department": department, **others}


def _codes(response):
    return [p.code for p in response.context["page_obj"].object_list]


# --------------------------------------------------------------------------- home


def test_home_offers_a_search_box_that_works_without_javascript(client, catalog):
    html = client.get(reverse("portal:home")).content.decode()
    form = re.search(r'<form method="get" action="/thu-tuc/".*?</form>', html, re.S)
    assert form is not None
    assert '<label for="q">Tìm thủ tục hành chính</label>' in form.group(0)
    assert 'name="q"' in form.group(0)
    assert not INLINE_SCRIPT.search(html)  # the one script is the site's static file, an enhancement


def test_home_shows_fields_levels_agencies_and_figures(client, catalog):
    response = client.get(reverse("portal:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '?linh-vuc=HT">Hộ tịch <span class="count">5' in html  # the draft is not counted
    assert '?linh-vuc=DD">Đất đai <span class="count">1' in html
    assert "?cap=commune" in html and "Cấp xã" in html
    assert "?co-quan=000.40.01.H40" in html and "UBND xã Nghi Lộc" in html
    assert "<strong>6</strong>" in html
    assert "Toàn trình: 3 (50%)" in html
    assert "Một phần: 2 (33%)" in html
    assert "Nộp trực tiếp: 1 (17%)" in html


def test_home_query_count_is_bounded(client, catalog, django_assert_max_num_queries):
    client.get(reverse("portal:home"))  # fills the shared cache (a table: a miss costs its write)
    with django_assert_max_num_queries(5):
        assert client.get(reverse("portal:home")).status_code == 200


def test_home_of_an_empty_catalog(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert "<strong>0</strong>" in response.content.decode()


# --------------------------------------------------------------------------- search and filters


@pytest.mark.parametrize("query", ["dang ky khai sinh", "khai sinh", "đăng ký khai sinh", "ĐĂNG KÝ KHAI SINH"])
def test_search_puts_birth_registration_first(client, catalog, query):
    response = client.get(LIST, {"q": query})
    codes = _codes(response)
    assert codes[0] == "1.001193"
    assert "1.000656" not in codes  # khai tử
    assert "1.000894" not in codes  # kết hôn
    assert "1.012345" not in codes
    assert "9.999999" not in codes  # not published


def test_search_by_code(client, catalog):
    assert _codes(client.get(LIST, {"q": "1.001193"}))[0] == "1.001193"


def test_result_count_is_announced(client, catalog):
    html = client.get(LIST, {"q": "khai sinh"}).content.decode()
    count = re.search(r'<p id="result-count"[^>]*>(.*?)</p>', html, re.S)
    assert count is not None
    assert 'aria-live="polite"' in count.group(0)
    assert "Tìm thấy 3 thủ tục cho “khai sinh”" in count.group(1)


def test_each_result_shows_code_name_field_level_online_level_and_time(client, catalog):
    html = client.get(LIST, {"q": "dang ky khai sinh"}).content.decode()
    item = re.search(r'<li class="result">.*?</li>', html, re.S).group(0)
    assert 'href="/thu-tuc/1.001193/"' in item
    assert "Thủ tục đăng ký khai sinh" in item
    assert "Mã 1.001193" in item
    assert "Hộ tịch" in item
    assert "Cấp xã" in item
    assert '<span class="badge badge-full">Toàn trình</span>' in item
    assert "Thời hạn: 1 ngày làm việc" in item


def test_browse_by_field(client, catalog):
    assert _codes(client.get(LIST, {"linh-vuc": "DD"})) == ["1.012345"]
    assert len(_codes(client.get(LIST, {"linh-vuc": "HT"}))) == 5


def test_browse_by_level(client, catalog):
    assert sorted(_codes(client.get(LIST, {"cap": "province"}))) == ["1.001695", "1.012345"]


def test_browse_by_agency(client, catalog):
    assert _codes(client.get(LIST, {"co-quan": "000.00.10.H40"})) == ["1.012345"]
    assert "1.001193" in _codes(client.get(LIST, {"co-quan": "000.40.01.H40"}))


def test_browse_by_online_level(client, catalog):
    assert sorted(_codes(client.get(LIST, {"muc-do": "partial"}))) == ["1.001695", "1.004884"]
    assert _codes(client.get(LIST, {"muc-do": "none"})) == ["1.012345"]


def test_filters_combine_with_the_query_and_are_kept_in_the_form(client, catalog):
    response = client.get(LIST, {"q": "khai sinh", "muc-do": "partial", "cap": "commune"})
    assert _codes(response) == ["1.004884"]
    html = response.content.decode()
    assert '<option value="partial" selected>' in html
    assert '<option value="commune" selected>' in html
    assert '<input type="hidden" name="q" value="khai sinh">' in html
    assert '<details class="filters" open>' in html


def test_unknown_filter_values_are_ignored(client, catalog):
    response = client.get(LIST, {"cap": "galaxy", "muc-do": "<script>"})
    assert response.status_code == 200
    assert len(_codes(response)) == 6


def test_empty_state_offers_suggestions(client, catalog):
    html = client.get(LIST, {"q": "xyzxyz", "linh-vuc": "HT"}).content.decode()
    assert "Không tìm thấy thủ tục nào phù hợp." in html
    assert "gõ không dấu" in html
    assert 'href="/thu-tuc/?q=xyzxyz">bỏ các bộ lọc đang chọn</a>' in html
    assert "?linh-vuc=DD" in html
    assert "Tìm thấy 0 thủ tục" in html


def test_results_are_paginated_twenty_a_page(client):
    field = field_create("HT", "Hộ tịch")
    for number in range(25):
        procedure_create(f"2.{number:06d}", f"Thủ tục số {number:02d}", field=field)
    first = client.get(LIST)
    assert len(_codes(first)) == 20
    html = first.content.decode()
    assert '<nav class="pagination" aria-label="Phân trang">' in html
    assert 'aria-current="page"><span class="visually-hidden">Trang </span>1</a>' in html
    assert 'href="?trang=2" rel="next"' in html
    second = client.get(LIST, {"trang": 2})
    assert len(_codes(second)) == 5
    assert '<ol class="results" start="21">' in second.content.decode()
    assert len(_codes(client.get(LIST, {"trang": "abc"}))) == 20


def test_pagination_keeps_the_query(client):
    field = field_create("HT", "Hộ tịch")
    for number in range(21):
        procedure_create(f"2.{number:06d}", f"Đăng ký khai sinh mẫu {number:02d}", field=field)
    html = client.get(LIST, {"q": "khai sinh"}).content.decode()
    assert 'href="?q=khai+sinh&amp;trang=2" rel="next"' in html


def test_list_query_count_is_bounded(client, catalog, django_assert_max_num_queries):
    client.get(LIST)  # fills the shared cache (a table: a miss costs its write)
    with django_assert_max_num_queries(7):
        assert client.get(LIST, {"q": "khai sinh", "linh-vuc": "HT"}).status_code == 200
    for number in range(30):  # a full page of results costs no more than a short one
        field = field_create(f"F{number}", f"Lĩnh vực {number}")
        agency = agency_create(f"000.40.{number:02d}.X40", f"UBND xã số {number}")
        procedure_create(f"3.{number:06d}", f"Thủ tục mẫu {number}", field=field, agencies=[agency])
    client.get(LIST)
    catalogue_cache.clear()  # the facets stay in the shared cache; the page is built again
    with django_assert_max_num_queries(7):
        response = client.get(LIST)
    assert len(_codes(response)) == 20


def test_list_seen_again_is_one_query(client, catalog, django_assert_num_queries):
    """The page's content is kept per catalogue revision: asked again, only the revision is read."""
    first = client.get(LIST, {"q": "khai sinh", "trang": "1"})
    with django_assert_num_queries(1):
        again = client.get(LIST, {"q": "khai sinh", "trang": "1"})
    assert again.content.count(b'<li class="result">') == first.content.count(b'<li class="result">') == 3


# --------------------------------------------------------------------------- a procedure


def test_procedure_page_tells_everything_needed_before_applying(client, catalog):
    response = client.get(reverse("portal:procedure", args=["1.001193"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="procedure-title">Thủ tục đăng ký khai sinh</h1>' in html
    assert "Mã thủ tục: 1.001193" in html
    assert "<dd>Hộ tịch</dd>" in html
    assert "<dd>Cấp xã</dd>" in html
    assert "<li>UBND xã Nghi Lộc</li>" in html
    assert "UBND cấp xã" in html
    assert "1 ngày làm việc" in html
    assert "Hồ sơ nhận sau 15:00 được tính từ ngày làm việc tiếp theo." in html
    assert "Lệ phí đăng ký khai sinh: <strong>Miễn phí</strong>" in html
    assert "Phí cấp bản sao trích lục: <strong>8.000 đồng</strong>" in html
    assert "Giấy khai sinh" in html
    assert "Bước 1: Nộp hồ sơ.<br>Bước 2: Nhận kết quả." in html
    assert "Trực tiếp tại Bộ phận Một cửa hoặc trực tuyến." in html
    assert "Công dân Việt Nam" in html
    assert "Luật Hộ tịch 2014" in html
    assert "Công bố theo Quyết định số 1234/QĐ-UBND ngày 01/07/2025." in html
    assert "Có hiệu lực từ ngày 15/07/2025." in html
    assert "Tiếp nhận, kiểm tra hồ sơ" in html


def test_documents_are_a_numbered_list_with_counts_and_replacements(client, catalog):
    html = client.get(reverse("portal:procedure", args=["1.001193"])).content.decode()
    documents = re.search(r'<ol class="documents">(.*?)</ol>', html, re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", documents, re.S)
    assert len(items) == 4
    assert "<strong>Tờ khai đăng ký khai sinh</strong>" in items[0]
    assert "Số lượng: 1 bản chính" in items[0]
    assert "Mẫu: Mẫu TK-KS" in items[0]
    assert "Số lượng: 1 bản sao" in items[2]
    assert "Có thể thay bằng dữ liệu từ Cơ sở dữ liệu quốc gia về dân cư" in items[2]
    assert "không bắt buộc" in items[3]
    assert "không bắt buộc" not in items[0]


def test_online_application_links_to_the_apply_page(client, catalog):
    html = client.get(reverse("portal:procedure", args=["1.001193"])).content.decode()
    assert f'href="{reverse("portal:apply", args=["1.001193"])}" role="button"' in html
    assert "Sắp có" not in html
    offline = client.get(reverse("portal:procedure", args=["1.012345"])).content.decode()
    assert "Nộp hồ sơ trực tuyến" not in offline
    assert "nộp trực tiếp" in offline


def test_eform_is_previewed_read_only(client, catalog):
    html = client.get(reverse("portal:procedure", args=["1.001193"])).content.decode()
    preview = re.search(r'<details class="eform-preview">(.*?)</details>', html, re.S).group(1)
    assert "<summary>Xem trước tờ khai điện tử</summary>" in preview
    assert "<fieldset disabled>" in preview
    assert "Họ, chữ đệm và tên của trẻ" in preview
    assert "Ngày sinh của trẻ" in preview
    assert "<form" not in preview
    inputs = re.findall(r"<input[^>]*>", preview)
    assert inputs and all("disabled" in tag for tag in inputs)


def test_procedure_without_eform_has_no_preview(client, catalog):
    html = client.get(reverse("portal:procedure", args=["1.000656"])).content.decode()
    assert "Xem trước tờ khai điện tử" not in html


def test_procedure_page_stays_small(client, catalog):
    response = client.get(reverse("portal:procedure", args=["1.001193"]))
    assert len(response.content) < 20_000
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_procedure_query_count_is_bounded(client, catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        assert client.get(reverse("portal:procedure", args=["1.001193"])).status_code == 200


@pytest.mark.parametrize("code", ["0.000000", "9.999999"])
def test_unknown_or_unpublished_procedure_is_a_friendly_404(client, catalog, code):
    response = client.get(reverse("portal:procedure", args=[code]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy trang bạn cần" in html
    assert 'action="/thu-tuc/"' in html


def test_portal_pages_refuse_writes(client, catalog):
    assert client.post(LIST).status_code == 405
    assert client.post(reverse("portal:procedure", args=["1.001193"])).status_code == 405


def test_every_page_has_landmarks_a_skip_link_and_one_h1(client, catalog):
    for url in (reverse("portal:home"), LIST, reverse("portal:procedure", args=["1.001193"])):
        html = client.get(url).content.decode()
        assert '<a class="skip-link" href="#main">' in html
        assert '<main id="main"' in html and "<header" in html and "<footer" in html
        assert html.count("<h1") == 1, url
        assert '<html lang="vi"' in html


def test_the_query_is_escaped_everywhere(client, catalog):
    html = client.get(LIST, {"q": '<script>alert("x")</script>'}).content.decode()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_any_unknown_address_gets_the_friendly_404(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang bạn cần" in response.content.decode()


def test_the_500_page_renders_without_a_request_or_database():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Hệ thống đang gặp sự cố" in html
    assert '<html lang="vi">' in html


def test_every_commune_committee_shows_as_one_group(client, catalog):
    other = agency_create("000.40.02.H40", "UBND phường Trường Vinh")
    procedure_create(
        "1.003005",
        "Thủ tục chứng thực chữ ký",
        field=catalog["civil"],
        agency_kinds=["commune_committee"],
        deciding_authority="UBND cấp xã",
    )
    home = client.get(reverse("portal:home")).content.decode()
    assert "?co-quan=%2Acommune_committee" in home
    assert "UBND xã, phường, đặc khu (2 đơn vị)" in home
    assert "UBND phường Trường Vinh" not in home  # not listed one by one
    assert _codes(client.get(LIST, {"co-quan": "*commune_committee"})) == ["1.003005"]
    assert "1.003005" in _codes(client.get(LIST, {"co-quan": other.electronic_code}))
    assert "1.003005" in _codes(client.get(LIST, {"co-quan": "000.40.01.H40"}))
    listing = client.get(LIST).content.decode()
    assert 'value="*commune_committee"' in listing
    detail = client.get(reverse("portal:procedure", args=["1.003005"])).content.decode()
    assert "Tất cả UBND cấp xã, phường, đặc khu" in detail
    assert "UBND phường Trường Vinh" not in detail
    api = client.get("/api/v1/procedures/1.003005").json()
    assert api["agency_kinds"] == [
        {
            "kind": "commune_committee",
            "name": "UBND xã, phường, đặc khu",
            "label": "Tất cả UBND cấp xã, phường, đặc khu",
        }
    ]
    assert api["agencies"] == []
