"""The catalog manager's pages: the whole life of a procedure, access, import and export."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cqs.accounts.models import RoleAssignment, User
from cqs.catalog.models import Field, Procedure, ProcedureVersion
from cqs.units.models import AdministrativeUnit, Agency

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-rat-dai-123"


@pytest.fixture(autouse=True)
def _no_totp(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


@pytest.fixture
def agency() -> Agency:
    province = AdministrativeUnit.objects.create(
        code="40", name="Tỉnh Nghệ An", level="province", division_type="tỉnh", search_name="tinh nghe an"
    )
    commune = AdministrativeUnit.objects.create(
        code="16681",
        name="Xã Hưng Nguyên",
        level="commune",
        division_type="xã",
        search_name="xa hung nguyen",
        parent=province,
    )
    return Agency.objects.create(
        electronic_code="000.40.01.H40",
        name="UBND xã Hưng Nguyên",
        kind="commune_committee",
        unit=commune,
        search_name="ubnd xa hung nguyen",
    )


@pytest.fixture
def field() -> Field:
    return Field.objects.create(code="HT", name="Hộ tịch", search_name="ho tich")


def _official(username: str, agency: Agency, role: str | None) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, full_name=username.title(), kind="official", agency=agency
    )
    if role:
        RoleAssignment.objects.create(user=user, role=role, agency=agency)
    return user


@pytest.fixture
def manager(agency: Agency) -> User:
    return _official("quanly", agency, "catalog_manager")


@pytest.fixture
def manager_client(manager: User) -> Client:
    client = Client()
    client.force_login(manager)
    return client


def _formset(prefix: str, rows: list[dict[str, Any]], *, initial: int = 0) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                data[f"{prefix}-{index}-{key}"] = "on"
            elif value is not False:
                data[f"{prefix}-{index}-{key}"] = str(value)
    return data


def _errors(response: Any) -> list[str]:
    """The error texts a page shows (for readable assertion messages)."""
    import re

    page = response.content.decode()
    found = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, flags=re.S)
    found += re.findall(r'<div class="error-summary".*?</div>', page, flags=re.S)
    return [re.sub(r"<[^>]+>", " ", item).strip() for item in found]


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _create(client: Client, field: Field, code: str = "1.001193") -> ProcedureVersion:
    response = client.post(
        reverse("catalog:procedure_create"),
        {
            "code": code,
            "name": "Thủ tục đăng ký khai sinh",
            "field": field.pk,
            "level": "commune",
            "online_level": "full",
        },
    )
    assert response.status_code == 302, _errors(response)
    version = ProcedureVersion.objects.get(procedure__code=code)
    assert response["Location"] == reverse("catalog:version_detail", args=[version.pk])
    return version


SCALARS = {
    "name": "Thủ tục đăng ký khai sinh",
    "level": "commune",
    "online_level": "full",
    "deciding_authority": "UBND cấp xã",
    "steps": "Bước 1: nộp hồ sơ. Bước 2: nhận kết quả.",
    "method": "Trực tiếp hoặc trực tuyến",
    "applicants": "Công dân Việt Nam",
    "conditions": "",
    "legal_basis": "Luật Hộ tịch 2014",
    "processing_time": "1",
    "processing_time_unit": "working_days",
    "processing_time_note": "",
    "afternoon_cutoff": "15:00",
    "result_type": "Giấy khai sinh",
    "fee_note": "",
    "change_note": "",
}


def test_full_path_create_edit_lists_check_publish_new_draft(
    manager_client: Client, field: Field, agency: Agency
) -> None:
    client = manager_client
    version = _create(client, field)
    assert version.status == ProcedureVersion.Status.DRAFT
    assert version.number == 1

    detail = client.get(reverse("catalog:version_detail", args=[version.pk]))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "1.001193" in page
    assert "Còn thiếu" in page
    assert "trình tự thực hiện" in page.lower()

    # Check now: refused, every missing component named, nothing changes.
    response = client.post(reverse("catalog:version_check", args=[version.pk]), follow=True)
    text = " ".join(_messages(response))
    assert "chưa đủ thành phần" in text
    assert "thành phần hồ sơ" in text
    assert "cách thức thực hiện" in text
    version.refresh_from_db()
    assert version.status == ProcedureVersion.Status.DRAFT

    # Scalar fields.
    edit_url = reverse("catalog:version_edit", args=[version.pk])
    page = client.get(edit_url).content.decode()
    assert 'for="id_deciding_authority"' in page
    assert "Cơ quan có thẩm quyền quyết định" in page
    response = client.post(edit_url, {**SCALARS, "field": field.pk, "agencies": [agency.pk]})
    assert response.status_code == 302, _errors(response)
    version.refresh_from_db()
    assert version.method == "Trực tiếp hoặc trực tuyến"
    assert list(version.agencies.all()) == [agency]

    # The four lists.
    response = client.post(
        reverse("catalog:version_documents", args=[version.pk]),
        _formset(
            "documents",
            [
                {
                    "name": "Tờ khai đăng ký khai sinh",
                    "originals": 1,
                    "copies": 0,
                    "template_name": "Mẫu TK-KS",
                    "ORDER": 1,
                },
                {"name": "Giấy chứng sinh", "originals": 1, "copies": 0, "optional": True, "ORDER": 2},
            ],
        ),
    )
    assert response.status_code == 302, _errors(response)
    response = client.post(
        reverse("catalog:version_fees", args=[version.pk]),
        _formset("fees", [{"name": "Lệ phí đăng ký khai sinh", "amount": 1500000, "note": ""}]),
    )
    assert response.status_code == 302, _errors(response)
    response = client.post(
        reverse("catalog:version_form_fields", args=[version.pk]),
        _formset(
            "form_fields",
            [
                {"key": "ho_ten_tre", "label": "Họ, chữ đệm và tên của trẻ", "type": "text", "required": True},
                {"key": "gioi_tinh", "label": "Giới tính", "type": "choice", "required": True, "choices": "Nam\nNữ"},
                {"key": "ngay_sinh", "label": "Ngày sinh", "type": "date", "required": True},
            ],
        ),
    )
    assert response.status_code == 302, _errors(response)
    response = client.post(
        reverse("catalog:version_steps", args=[version.pk]),
        _formset(
            "process_steps",
            [
                {
                    "name": "Tiếp nhận, kiểm tra hồ sơ",
                    "role": "one_stop_officer",
                    "unit_kind": "one_stop",
                    "duration_hours": "2",
                },
                {"name": "Thẩm định", "role": "specialist", "unit_kind": "processing", "duration_hours": "4.5"},
                {"name": "Phê duyệt", "role": "leader", "unit_kind": "leadership", "duration_hours": "1.5"},
            ],
        ),
    )
    assert response.status_code == 302, _errors(response)
    assert [d.name for d in version.documents.all()] == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]
    assert version.documents.get(name="Giấy chứng sinh").is_optional is True
    assert version.form_fields.get(key="gioi_tinh").choices == ["Nam", "Nữ"]

    # The list pages show what is saved, with one extra empty row.
    page = client.get(reverse("catalog:version_documents", args=[version.pk])).content.decode()
    assert 'name="documents-TOTAL_FORMS" value="3"' in page
    assert "Giấy chứng sinh" in page

    # The detail page shows everything: money in đồng, total hours, the e-form preview.
    page = client.get(reverse("catalog:version_detail", args=[version.pk])).content.decode()
    assert "1.500.000 đồng" in page
    assert "8 giờ làm việc" in page
    assert 'name="preview-ho_ten_tre"' in page
    assert "<fieldset disabled>" in page
    assert "Đã đủ các thành phần" in page

    response = client.post(reverse("catalog:version_check", args=[version.pk]))
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == ProcedureVersion.Status.CHECKED

    # Publish: a wrong date is refused next to its field, then a good decision publishes.
    publish_url = reverse("catalog:version_publish", args=[version.pk])
    response = client.post(
        publish_url, {"decision_number": "1234/QĐ-UBND", "decision_date": "31/02/2025", "effective_from": "01/07/2025"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'aria-describedby="publish_decision_date_helptext publish_decision_date_error"' in page
    response = client.post(
        publish_url, {"decision_number": "1234/QĐ-UBND", "decision_date": "01/07/2025", "effective_from": "01/07/2025"}
    )
    assert response.status_code == 302, _errors(response)
    version.refresh_from_db()
    assert version.status == ProcedureVersion.Status.PUBLISHED
    assert str(version.decision_date) == "2025-07-01"
    page = client.get(reverse("catalog:version_detail", args=[version.pk])).content.decode()
    assert "01/07/2025" in page
    assert "Đang áp dụng" in page

    # Published versions are frozen.
    response = client.get(reverse("catalog:version_edit", args=[version.pk]))
    assert response.status_code == 302

    # New draft from the published version, with everything copied.
    response = client.post(reverse("catalog:version_new_draft", args=[version.pk]))
    assert response.status_code == 302
    draft = ProcedureVersion.objects.get(procedure=version.procedure, number=2)
    assert draft.status == ProcedureVersion.Status.DRAFT
    assert response["Location"] == reverse("catalog:version_detail", args=[draft.pk])
    assert draft.documents.count() == 2
    # A second new draft is refused with the service's message, not a 500.
    response = client.post(reverse("catalog:version_new_draft", args=[version.pk]), follow=True)
    assert response.status_code == 200
    assert any("đã có phiên bản 2" in m for m in _messages(response))

    # The open draft can be discarded; the page goes back to the published version.
    response = client.post(reverse("catalog:version_discard", args=[draft.pk]))
    assert response["Location"] == reverse("catalog:version_detail", args=[version.pk])
    assert not ProcedureVersion.objects.filter(pk=draft.pk).exists()

    # Unpublish needs a reason.
    unpublish_url = reverse("catalog:procedure_unpublish", args=[version.pk])
    response = client.post(unpublish_url, {"reason": ""})
    assert response.status_code == 400
    response = client.post(unpublish_url, {"reason": "Thủ tục bị bãi bỏ"})
    assert response.status_code == 302
    assert Procedure.objects.get(code="1.001193").is_published is False


def test_list_counts_filter_and_search_without_diacritics(manager_client: Client, field: Field) -> None:
    _create(manager_client, field, "1.001193")
    manager_client.post(
        reverse("catalog:procedure_create"),
        {
            "code": "2.000001",
            "name": "Cấp bản sao trích lục",
            "field": field.pk,
            "level": "commune",
            "online_level": "partial",
        },
    )
    response = manager_client.get(reverse("catalog:manage"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dự thảo (2)" in page
    assert "Đã công bố (0)" in page
    response = manager_client.get(reverse("catalog:manage"), {"q": "dang ky khai sinh"})
    page = response.content.decode()
    assert "Thủ tục đăng ký khai sinh" in page
    assert "Cấp bản sao trích lục" not in page
    response = manager_client.get(reverse("catalog:manage"), {"status": "published"})
    assert "Thủ tục đăng ký khai sinh" not in response.content.decode()


def test_create_refusal_is_shown_next_to_the_field(manager_client: Client, field: Field) -> None:
    _create(manager_client, field)
    response = manager_client.post(
        reverse("catalog:procedure_create"),
        {"code": "1.001193", "name": "Trùng mã", "field": field.pk, "level": "commune", "online_level": "full"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Đã có thủ tục mã 1.001193." in page
    assert 'aria-describedby="id_code_helptext id_code_error"' in page


def test_row_errors_from_the_service_are_shown_next_to_their_row(manager_client: Client, field: Field) -> None:
    version = _create(manager_client, field)
    response = manager_client.post(
        reverse("catalog:version_form_fields", args=[version.pk]),
        _formset(
            "form_fields",
            [
                {"key": "ho_ten", "label": "Họ tên", "type": "text", "required": True},
                {"key": "Ho-Ten", "label": "Họ tên 2", "type": "text", "required": True},
            ],
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_form_fields-1-key_error"' in page
    assert "chỉ gồm chữ thường không dấu" in page
    assert version.form_fields.count() == 0


def test_add_row_button_keeps_rows_and_adds_one(manager_client: Client, field: Field) -> None:
    version = _create(manager_client, field)
    data = _formset("fees", [{"name": "Lệ phí", "amount": 8000}])
    data["add_row"] = "1"
    response = manager_client.post(reverse("catalog:version_fees", args=[version.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="fees-TOTAL_FORMS" value="2"' in page
    assert 'value="Lệ phí"' in page
    assert version.fees.count() == 0


PAGES_GET = [
    ("catalog:manage", False),
    ("catalog:procedure_create", False),
    ("catalog:import", False),
    ("catalog:export_json", False),
    ("catalog:export_xlsx", False),
    ("catalog:version_detail", True),
    ("catalog:version_edit", True),
    ("catalog:version_documents", True),
    ("catalog:version_fees", True),
    ("catalog:version_form_fields", True),
    ("catalog:version_steps", True),
]
PAGES_POST = [
    "catalog:version_check",
    "catalog:version_publish",
    "catalog:version_new_draft",
    "catalog:version_discard",
    "catalog:procedure_unpublish",
]


@pytest.fixture
def some_version(manager_client: Client, field: Field) -> ProcedureVersion:
    return _create(manager_client, field)


def _urls(version: ProcedureVersion) -> list[tuple[str, str]]:
    urls = [("get", reverse(name, args=[version.pk]) if needs_pk else reverse(name)) for name, needs_pk in PAGES_GET]
    urls += [("post", reverse(name, args=[version.pk])) for name in PAGES_POST]
    return urls


@pytest.mark.parametrize("who", ["citizen", "specialist", "official_without_role"])
def test_every_page_is_not_found_for_others(who: str, some_version: ProcedureVersion, agency: Agency) -> None:
    if who == "citizen":
        user = User.objects.create_user(username="dan", password=PASSWORD, full_name="Dân", kind="citizen")
    else:
        user = _official(who, agency, "specialist" if who == "specialist" else None)
    client = Client()
    client.force_login(user)
    for method, url in _urls(some_version):
        response = getattr(client, method)(url)
        assert response.status_code == 404, (who, url)
    assert ProcedureVersion.objects.get(pk=some_version.pk).status == ProcedureVersion.Status.DRAFT


def test_every_page_sends_anonymous_visitors_to_login(some_version: ProcedureVersion) -> None:
    client = Client()
    login = reverse("accounts:login")
    for method, url in _urls(some_version):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(login), url


def test_unverified_official_is_sent_to_the_second_factor(settings: Any, manager: User) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = True
    client = Client()
    client.force_login(manager)
    response = client.get(reverse("catalog:manage"))
    assert response.status_code == 302
    assert response["Location"].startswith((reverse("accounts:totp_verify"), reverse("accounts:totp_setup")))


def test_unknown_version_is_not_found(manager_client: Client) -> None:
    assert manager_client.get(reverse("catalog:version_detail", args=[999999])).status_code == 404


def test_import_with_errors_shows_them_all_and_changes_nothing(manager_client: Client, field: Field) -> None:
    payload = {
        "format": "cqs-catalog/1",
        "fields": [{"code": "HT", "name": "Hộ tịch"}],
        "procedures": [
            {"code": "1.000001", "name": "", "field": "HT", "level": "nowhere", "online_level": "full"},
            {
                "code": "1.000002",
                "name": "Thủ tục B",
                "field": "KHONG-CO",
                "level": "commune",
                "online_level": "full",
                "fees": [{"name": "Lệ phí", "amount": -5}],
            },
        ],
    }
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("danh-muc.xlsx", json.dumps(payload).encode(), content_type="application/octet-stream")
    before = (Procedure.objects.count(), ProcedureVersion.objects.count())
    response = manager_client.post(reverse("catalog:import"), {"file": upload})
    assert response.status_code == 400
    errors = response.context["import_errors"]
    assert len(errors) >= 3, errors
    page = response.content.decode()
    assert 'id="import-errors"' in page
    assert "danh mục chưa thay đổi gì" in page
    assert "procedures[0]" in page
    assert "procedures[1]" in page
    assert page.count("<li><strong>procedures[") == len(errors)
    assert (Procedure.objects.count(), ProcedureVersion.objects.count()) == before


def test_import_of_an_unreadable_file_is_refused(manager_client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("danh-muc.json", b"\x00\x01 not json", content_type="application/json")
    response = manager_client.post(reverse("catalog:import"), {"file": upload})
    assert response.status_code == 400
    assert "Tệp không phải" in response.content.decode()


def test_import_json_then_export_both_formats(manager_client: Client, field: Field, agency: Agency) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    payload = {
        "format": "cqs-catalog/1",
        "fields": [{"code": "HT", "name": "Hộ tịch"}],
        "procedures": [
            {
                "code": "1.001193",
                "name": "Thủ tục đăng ký khai sinh",
                "field": "HT",
                "level": "commune",
                "agencies": [agency.electronic_code],
                "online_level": "partial",
                "steps": "Nộp hồ sơ",
                "method": "Trực tiếp",
                "applicants": "Công dân",
                "processing_time": 1,
                "processing_time_unit": "working_days",
                "decision": {"number": "1234/QĐ-UBND", "date": "2025-07-01", "effective_from": "2025-07-01"},
                "documents": [{"name": "Tờ khai", "originals": 1, "copies": 0}],
                "fees": [{"name": "Lệ phí", "amount": 0, "note": "Miễn"}],
                "form_fields": [{"key": "ho_ten", "label": "Họ tên", "type": "text"}],
                "process_steps": [
                    {"name": "Tiếp nhận", "role": "one_stop_officer", "unit_kind": "one_stop", "duration_hours": 2}
                ],
            }
        ],
    }
    upload = SimpleUploadedFile(
        "khong-phai-json.bin", json.dumps(payload, ensure_ascii=False).encode(), content_type="application/octet-stream"
    )
    response = manager_client.post(reverse("catalog:import"), {"file": upload, "publish": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("catalog:manage"), (
        response.context.get("import_error"),
        response.context.get("import_errors"),
    )
    assert any("1 thủ tục mới" in m for m in _messages(response))
    version = ProcedureVersion.objects.get(procedure__code="1.001193")
    assert version.status == ProcedureVersion.Status.PUBLISHED
    assert str(version.effective_from) == "2025-07-01"

    response = manager_client.get(reverse("catalog:export_json"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="danh-muc-thu-tuc-')
    assert response["Content-Disposition"].endswith('.json"')
    exported = json.loads(response.content.decode())
    assert exported["format"] == "cqs-catalog/1"

    response = manager_client.get(reverse("catalog:export_xlsx"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert response.content[:4] == b"PK\x03\x04"

    # The exported workbook imports again (decided by content: a zip), as a new draft of the same code.
    upload = SimpleUploadedFile("danh-muc.json", response.content, content_type="application/json")
    response = manager_client.post(reverse("catalog:import"), {"file": upload})
    assert response.status_code == 302, (response.context["import_error"], response.context["import_errors"])
    assert ProcedureVersion.objects.get(procedure__code="1.001193", number=2).status == ProcedureVersion.Status.DRAFT


def test_list_page_query_count_does_not_grow(
    manager_client: Client, field: Field, django_assert_max_num_queries: Any
) -> None:
    for number in range(1, 8):
        _create(manager_client, field, f"1.00000{number}")
    with django_assert_max_num_queries(12):
        response = manager_client.get(reverse("catalog:manage"))
    assert response.status_code == 200
    assert "1.000007" in response.content.decode()


def test_pages_render_for_the_manager(manager_client: Client, some_version: ProcedureVersion) -> None:
    for name, needs_pk in PAGES_GET:
        if name.startswith("catalog:export"):
            continue
        url = reverse(name, args=[some_version.pk]) if needs_pk else reverse(name)
        response = manager_client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert 'name="viewport"' in page
        # Every visible input, select and textarea of our forms has a label.
        import re

        for match in re.finditer(r'<(input|select|textarea)\b[^>]*\bid="([^"]+)"', page):
            tag = match.group(0)
            if 'type="hidden"' in tag:
                continue
            assert f'for="{match.group(2)}"' in page, (url, tag)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_version_pages_fit_a_phone(live_server: Any, phone_page: Any, agency: Agency, field: Field) -> None:
    """On a 390px-wide phone the manager's pages never scroll sideways and every action is reachable."""
    manager = _official("quanly_dt", agency, "catalog_manager")
    client = Client()
    client.force_login(manager)
    version = _create(client, field)
    page = phone_page
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    for url in (
        reverse("catalog:manage"),
        reverse("catalog:version_detail", args=[version.pk]),
        reverse("catalog:version_edit", args=[version.pk]),
        reverse("catalog:version_steps", args=[version.pk]),
        reverse("catalog:import"),
    ):
        page.goto(live_server.url + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (url, width)
    page.goto(live_server.url + reverse("catalog:version_steps", args=[version.pk]))
    page.get_by_label("Nội dung công việc").fill("Tiếp nhận hồ sơ")
    page.get_by_label("Vai trò thực hiện").select_option("one_stop_officer")
    page.get_by_label("Bộ phận thực hiện").select_option("one_stop")
    page.get_by_label("Thời gian (giờ làm việc)").fill("2")
    page.get_by_role("button", name="Lưu danh sách").click()
    page.wait_for_url(live_server.url + reverse("catalog:version_detail", args=[version.pk]))
    assert "2 giờ làm việc" in page.content()
