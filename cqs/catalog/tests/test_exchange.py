from __future__ import annotations

import copy
import io

import pytest
from openpyxl import load_workbook

from cqs.catalog import exchange, selectors
from cqs.catalog.models import Field, Procedure, ProcedureVersion
from cqs.catalog.tests import factories
from cqs.core.errors import ValidationFailed
from cqs.core.models import AuditEvent
from cqs.units.models import Agency

pytestmark = pytest.mark.django_db


def procedure(code: str = "1.001193", name: str = "Thủ tục đăng ký khai sinh", agencies=None) -> dict:
    return {
        "code": code,
        "name": name,
        "field": "HT",
        "level": "commune",
        "agencies": agencies if agencies is not None else ["*commune_committee"],
        "deciding_authority": "UBND cấp xã",
        "steps": "Nộp hồ sơ; nhận kết quả.",
        "method": "Trực tiếp, trực tuyến, bưu chính.",
        "applicants": "Cá nhân",
        "conditions": "",
        "legal_basis": "Luật Hộ tịch 2014",
        "processing_time": 1,
        "processing_time_unit": "working_days",
        "processing_time_note": "",
        "afternoon_cutoff": "15:00",
        "online_level": "full",
        "result_type": "Giấy khai sinh",
        "result_template": "<p>Chứng nhận {{ ho_ten }}, sinh ngày {{ to_khai.ngay_sinh }}.</p>",
        "fee_note": "",
        "decision": {"number": "1234/QĐ-UBND", "date": "2025-07-01", "effective_from": "2025-07-01"},
        "change_note": "",
        "documents": [
            {
                "name": "Tờ khai đăng ký khai sinh",
                "originals": 1,
                "copies": 0,
                "optional": False,
                "template_name": "Mẫu TK-KS",
                "replaceable_by": "",
                "declaration": True,
                "note": "",
            },
            {
                "name": "Giấy chứng sinh",
                "originals": 1,
                "copies": 0,
                "optional": False,
                "template_name": "",
                "replaceable_by": "",
                "declaration": False,
                "note": "",
            },
        ],
        "fees": [
            {"name": "Lệ phí đăng ký khai sinh", "amount": 0, "quantity_field": "", "note": "Miễn lệ phí"},
            {"name": "Phí cấp bản sao", "amount": 8000, "quantity_field": "ban_sao", "note": "8.000 đồng/bản"},
        ],
        "form_fields": [
            {
                "key": "ho_ten_tre",
                "label": "Họ, chữ đệm và tên của trẻ",
                "type": "text",
                "required": True,
                "choices": [],
                "help_text": "",
                "prefill": "",
            },
            {
                "key": "gioi_tinh",
                "label": "Giới tính",
                "type": "choice",
                "required": True,
                "choices": ["Nam", "Nữ"],
                "help_text": "",
                "prefill": "",
            },
            {
                "key": "ban_sao",
                "label": "Số bản sao đề nghị cấp",
                "type": "integer",
                "required": False,
                "choices": [],
                "help_text": "",
                "prefill": "",
            },
        ],
        "process_steps": [
            {
                "name": "Tiếp nhận, kiểm tra hồ sơ",
                "role": "one_stop_officer",
                "unit_kind": "one_stop",
                "duration_hours": 2,
            },
            {"name": "Thẩm định", "role": "specialist", "unit_kind": "processing", "duration_hours": 4.5},
            {"name": "Phê duyệt", "role": "leader", "unit_kind": "leadership", "duration_hours": 1.5},
        ],
    }


def payload(*procedures: dict) -> dict:
    return {"format": "cqs-catalog/1", "fields": [{"code": "HT", "name": "Hộ tịch"}], "procedures": list(procedures)}


@pytest.fixture
def communes(db):  # type: ignore[no-untyped-def]
    return [factories.agency(code=f"000.0{i}.01.H40") for i in range(1, 4)] + [
        factories.agency(code="000.09.01.H40", is_active=False),
        factories.agency(code="000.00.00.H40", kind=Agency.Kind.PROVINCIAL_SERVICE_CENTRE),
    ]


def test_import_json_publishes_and_resolves_agency_groups(manager, communes):
    result = exchange.catalog_import_json(
        payload=payload(procedure(), procedure("1.000656", "Thủ tục đăng ký khai tử", ["000.00.00.H40"])),
        actor=manager,
        publish=True,
    )
    assert (result.procedures_created, result.versions_created, result.fields_created) == (2, 2, 1)
    found = selectors.procedure_get_published(code="1.001193")
    # "*commune_committee" is stored as the kind, never expanded into one link per commune.
    assert found.current_version.agency_kinds == ["commune_committee"]
    assert list(found.current_version.agencies.all()) == []
    assert found.current_version.agency_kind_labels == ["Tất cả UBND cấp xã, phường, đặc khu"]
    for code in ("000.01.01.H40", "000.02.01.H40", "000.03.01.H40"):
        assert [p.code for p in selectors.procedure_search(agency_code=code)] == ["1.001193"], code
    assert [p.code for p in selectors.procedure_search(agency_code="000.09.01.H40")] == []  # inactive
    assert [p.code for p in selectors.procedure_search(agency_code="000.00.00.H40")] == ["1.000656"]
    # The other one matches only through its result ("Giấy khai sinh", weight C): found, ranked lower.
    assert [p.code for p in selectors.procedure_search(query="khai sinh")] == ["1.001193", "1.000656"]
    assert AuditEvent.objects.filter(action="catalog.import").count() == 1


def test_import_without_publish_makes_drafts(manager, communes):
    exchange.catalog_import_json(payload=payload(procedure()), actor=manager)
    version = ProcedureVersion.objects.get()
    assert version.status == "draft"
    assert not Procedure.objects.get().is_published
    assert selectors.version_completeness(version=version) == []


def test_import_is_all_or_nothing_and_names_every_place(manager, communes):
    bad = procedure("1.000656", "Thủ tục đăng ký khai tử", ["999.99.99.H99"])
    bad["documents"][1]["name"] = ""
    bad["fees"][0]["amount"] = -5
    bad["level"] = "district"
    worse = procedure("12345", "")
    worse["decision"]["date"] = "31/02/2025"
    with pytest.raises(ValidationFailed) as error:
        exchange.catalog_import_json(payload=payload(procedure(), bad, worse, procedure()), actor=manager, publish=True)
    assert error.value.message == "Tệp nhập có 8 lỗi; danh mục chưa thay đổi gì."
    assert [(e["where"], e["message"]) for e in error.value.extra["errors"]] == [
        ("procedures[1].level", "Cấp thực hiện “district” không hợp lệ; chọn một trong: province, commune, multi."),
        ("procedures[1].agencies[0]", "Không có cơ quan mã định danh “999.99.99.H99”."),
        ("procedures[1].documents[1].name", "Tên giấy tờ không được để trống."),
        ("procedures[1].fees[0].amount", "Mức thu (đồng) phải là số nguyên không âm."),
        ("procedures[2].code", "Mã thủ tục “12345” không đúng định dạng mã quốc gia (ví dụ 1.001193)."),
        ("procedures[2].name", "Tên thủ tục không được để trống."),
        (
            "procedures[2].decision.date",
            "Ngày quyết định “31/02/2025” không phải ngày hợp lệ (YYYY-MM-DD hoặc dd/mm/yyyy).",
        ),
        ("procedures[3].code", "Mã thủ tục 1.001193 đã có ở thủ tục thứ 1 của tệp."),
    ]
    assert Procedure.objects.count() == 0 and Field.objects.count() == 0
    assert not AuditEvent.objects.filter(action="catalog.import").exists()


def test_import_refuses_incomplete_versions_when_publishing(manager, communes):
    item = procedure()
    item["process_steps"] = []
    item["form_fields"] = []
    with pytest.raises(ValidationFailed) as error:
        exchange.catalog_import_json(payload=payload(item), actor=manager, publish=True)
    assert error.value.extra["errors"] == [
        {
            "where": "procedures[0]",
            "field": "",
            "message": "Thủ tục chưa đủ thành phần để công bố: quy trình nội bộ (ít nhất một bước), "
            "bước lãnh đạo phê duyệt trong quy trình (dịch vụ toàn trình trả kết quả điện tử ký số), "
            "tờ khai điện tử (bắt buộc khi cung cấp trực tuyến).",
        }
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "Tệp không phải JSON hợp lệ (dòng 1, cột 2)."),
        (b"\xff\xfe\x00", "Tệp không phải văn bản UTF-8 nên không đọc được như JSON."),
        (b"[1, 2]", "Tệp nhập có 1 lỗi; danh mục chưa thay đổi gì."),
        (
            b'{"procedures": [{"code": "1.000001", "name": "A\\u0000B"}]}',
            "Tệp nhập có 4 lỗi; danh mục chưa thay đổi gì.",
        ),
    ],
)
def test_garbage_json(manager, content, message):
    with pytest.raises(ValidationFailed) as error:
        exchange.catalog_import_json(payload=content, actor=manager)
    assert error.value.message == message


def test_size_limit(manager, settings):
    settings.CATALOG_IMPORT_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationFailed) as error:
        exchange.catalog_import_json(payload=b" " * (1024 * 1024 + 1), actor=manager)
    assert error.value.message == "Tệp quá lớn: tối đa 1 MB."
    with pytest.raises(ValidationFailed) as error:
        exchange.catalog_import_xlsx(file=io.BytesIO(b"PK\x03\x04" + b"x" * (1024 * 1024)), actor=manager)
    assert error.value.message == "Tệp quá lớn: tối đa 1 MB."


@pytest.mark.parametrize("content", [b"hello, I am a CSV file", b"PK\x03\x04garbage", b"%PDF-1.4"])
def test_xlsx_checked_by_content(manager, content):
    with pytest.raises(ValidationFailed) as error:
        exchange.catalog_import_xlsx(file=io.BytesIO(content), actor=manager)
    assert error.value.message == "Tệp không phải bảng tính Excel (.xlsx) hợp lệ."


def test_round_trip_json_and_xlsx(manager, communes):
    source = payload(procedure(), procedure("1.000656", "Thủ tục đăng ký khai tử", ["000.00.00.H40"]))
    exchange.catalog_import_json(payload=copy.deepcopy(source), actor=manager, publish=True)
    exported = exchange.catalog_export_json()
    expected = copy.deepcopy(source)  # "*commune_committee" comes back as it went in
    expected["procedures"].sort(key=lambda p: p["code"])
    assert exported == expected

    workbook = exchange.catalog_export_xlsx()
    result = exchange.catalog_import_xlsx(file=io.BytesIO(workbook), actor=manager)
    assert (result.procedures_created, result.versions_created) == (0, 2)
    drafts = ProcedureVersion.objects.filter(status="draft").select_related("procedure", "field")
    for draft in drafts:
        current = ProcedureVersion.objects.get(procedure=draft.procedure, number=1)
        assert exchange.version_exchange_dict(draft) == exchange.version_exchange_dict(current)

    # A second import of the same codes is refused while the drafts are open.
    with pytest.raises(ValidationFailed) as error:
        exchange.catalog_import_json(payload=exported, actor=manager)
    assert error.value.extra["errors"][0]["message"] == (
        "Thủ tục 1.000656 đang có phiên bản 2 chưa công bố; hãy công bố hoặc huỷ phiên bản đó trước khi nhập."
    )


def test_xlsx_errors_name_their_cells(manager, communes):
    exchange.catalog_import_json(payload=payload(procedure()), actor=manager, publish=True)
    book = load_workbook(io.BytesIO(exchange.catalog_export_xlsx()))
    book["Giấy tờ"]["B3"] = None
    book["Phí"]["C2"] = "không đồng"
    book["Quy trình"].append(["9.999999", "Bước lạc", "specialist", "processing", 1])
    book["Thủ tục"]["T2"] = "2030-01-01"
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    with pytest.raises(ValidationFailed) as error:
        exchange.catalog_import_xlsx(file=buffer, actor=manager, publish=True)
    wheres = {e["where"]: e["message"] for e in error.value.extra["errors"]}
    assert wheres == {
        "Quy trình!A5": "Không có thủ tục mã “9.999999” trong sheet Thủ tục.",
        "Giấy tờ!B3": "Tên giấy tờ không được để trống.",
        "Phí!C2": "Mức thu (đồng) phải là số nguyên không âm.",
        "Thủ tục!T2": "Ngày quyết định không được sau ngày hôm nay.",
        "Thủ tục!U2": "Ngày có hiệu lực không được trước ngày quyết định.",
    }
    assert Procedure.objects.count() == 1


def test_import_of_many_procedures_publishes_and_indexes_them_all(manager, communes):
    """The bulk path at a size where per-row work would show (make bench times 5,000)."""
    items = [procedure(f"9.{i:06d}", f"Thủ tục thử nghiệm số {i} về hộ tịch") for i in range(500)]
    result = exchange.catalog_import_json(payload=payload(*items), actor=manager, publish=True)
    assert result.versions_published == 500
    assert selectors.procedure_search(query="thu nghiem so 499").first().code == "9.000499"
    assert Procedure.objects.filter(is_published=True, search_vector__isnull=False).count() == 500


def test_import_refuses_a_result_template_with_an_unknown_placeholder(manager, communes):
    bad = procedure()
    bad["result_template"] = "<p>{{ mat_khau }}</p>"
    with pytest.raises(ValidationFailed) as error:
        exchange.catalog_import_json(payload=payload(bad), actor=manager)
    assert [e["where"] for e in error.value.extra["errors"]] == ["procedures[0].result_template"]
    assert error.value.extra["errors"][0]["message"].startswith(
        "Mẫu kết quả điện tử có trường thay thế không có sẵn: {{ mat_khau }}."
    )
    assert Procedure.objects.count() == 0


def test_a_fee_multiplied_by_a_field_the_eform_lacks_cannot_be_published(manager, communes):
    bad = procedure()
    bad["fees"][1]["quantity_field"] = "so_ban_khong_co"
    with pytest.raises(ValidationFailed) as error:
        exchange.catalog_import_json(payload=payload(bad), actor=manager, publish=True)
    assert "trường số nguyên “so_ban_khong_co” của tờ khai (mức phí nhân theo trường này)" in str(
        error.value.extra["errors"]
    )
    bad["fees"][1]["quantity_field"] = "ho_ten_tre"  # a text field does not count
    with pytest.raises(ValidationFailed):
        exchange.catalog_import_json(payload=payload(bad), actor=manager, publish=True)


def test_one_declaration_per_procedure_and_never_optional(manager, communes):
    bad = procedure()
    bad["documents"][1]["declaration"] = True
    with pytest.raises(ValidationFailed) as error:
        exchange.catalog_import_json(payload=payload(bad), actor=manager)
    assert error.value.extra["errors"][0]["message"] == (
        "Chỉ một giấy tờ là tờ khai lập từ tờ khai điện tử (đã có ở dòng 1)."
    )
    bad = procedure()
    bad["documents"][0]["optional"] = True
    with pytest.raises(ValidationFailed) as error:
        exchange.catalog_import_json(payload=payload(bad), actor=manager)
    assert error.value.extra["errors"][0]["message"] == (
        "Tờ khai lập từ tờ khai điện tử là giấy tờ bắt buộc, không thay bằng dữ liệu có sẵn."
    )
