from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from cqs.catalog import selectors, services
from cqs.catalog.models import Procedure, ProcedureVersion, RequiredDocument
from cqs.catalog.tests import factories
from cqs.core.errors import InvalidTransition, ValidationFailed
from cqs.core.models import AuditEvent

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 10)


def _create(manager, code="1.001193", name="Thủ tục đăng ký khai sinh"):
    return services.procedure_create(
        code=code, name=name, field=factories.field(), level="commune", online_level="full", actor=manager
    )


def test_procedure_create_makes_an_empty_draft(manager):
    procedure, version = _create(manager)
    assert (version.number, version.status) == (1, "draft")
    assert procedure.name == "Thủ tục đăng ký khai sinh"
    assert procedure.is_published is False and procedure.current_version is None
    assert AuditEvent.objects.filter(action="procedure.create", object_id=str(procedure.pk)).exists()


@pytest.mark.parametrize("code", ["1001193", "abc", "1.", "1.001193x", ""])
def test_procedure_create_refuses_bad_codes(manager, code):
    with pytest.raises(ValidationFailed) as error:
        _create(manager, code=code)
    assert error.value.message == f"Mã thủ tục “{code}” không đúng định dạng mã quốc gia (ví dụ 1.001193)."


def test_procedure_create_refuses_duplicates(manager):
    _create(manager)
    with pytest.raises(ValidationFailed) as error:
        _create(manager)
    assert error.value.message == "Đã có thủ tục mã 1.001193."


def test_field_create_and_duplicate(manager):
    services.field_create(code="DD", name="Đất đai", actor=manager)
    with pytest.raises(ValidationFailed) as error:
        services.field_create(code="DD", name="Đất đai", actor=manager)
    assert error.value.message == "Đã có lĩnh vực mã DD."


def test_completeness_lists_every_missing_component(manager):
    _procedure, version = _create(manager)
    assert selectors.version_completeness(version=version) == [
        "trình tự thực hiện",
        "cách thức thực hiện",
        "thành phần hồ sơ",
        "thời hạn giải quyết",
        "đối tượng thực hiện",
        "cơ quan thực hiện",
        "quy trình nội bộ (ít nhất một bước)",
        "bước lãnh đạo phê duyệt trong quy trình (dịch vụ toàn trình trả kết quả điện tử ký số)",
        "tờ khai điện tử (bắt buộc khi cung cấp trực tuyến)",
        "phí, lệ phí (ghi mức 0 nếu miễn)",
    ]


def test_check_refuses_an_incomplete_version(manager):
    _procedure, version = _create(manager)
    services.version_update(version=version, actor=manager, data={"online_level": "none"})
    with pytest.raises(ValidationFailed) as error:
        services.version_check(version=version, actor=manager)
    assert error.value.message == (
        "Thủ tục chưa đủ thành phần để công bố: trình tự thực hiện, cách thức thực hiện, thành phần hồ sơ, "
        "thời hạn giải quyết, đối tượng thực hiện, cơ quan thực hiện, quy trình nội bộ (ít nhất một bước), "
        "phí, lệ phí (ghi mức 0 nếu miễn)."
    )
    version.refresh_from_db()
    assert version.status == "draft"


def test_lifecycle_and_refusals(manager):
    procedure, version = _create(manager)
    factories.fill(version, manager)
    with pytest.raises(InvalidTransition) as error:
        services.version_publish(
            version=version, actor=manager, decision_number="1/QĐ-UBND", decision_date=TODAY, effective_from=TODAY
        )
    assert error.value.message == "Chỉ công bố được phiên bản đã kiểm tra; phiên bản này đang ở trạng thái “Dự thảo”."
    version = services.version_check(version=version, actor=manager)
    assert version.status == "checked"
    with pytest.raises(InvalidTransition) as error:
        services.version_check(version=version, actor=manager)
    assert error.value.message == "Chỉ kiểm tra được phiên bản dự thảo; phiên bản này đang ở trạng thái “Đã kiểm tra”."
    # Editing a checked version sends it back to draft.
    services.version_update(version=version, actor=manager, data={"conditions": "Không"})
    version.refresh_from_db()
    assert version.status == "draft"
    services.version_check(version=version, actor=manager)
    with pytest.raises(InvalidTransition) as error:
        services.version_create_draft(procedure=procedure, actor=manager)
    assert error.value.message == (
        "Thủ tục 1.001193 đã có phiên bản 1 ở trạng thái “Đã kiểm tra”; hãy hoàn tất hoặc huỷ phiên bản đó trước."
    )
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0), tick=False):
        version = services.version_publish(
            version=version,
            actor=manager,
            decision_number="1234/QĐ-UBND",
            decision_date=dt.date(2026, 3, 9),
            effective_from=dt.date(2026, 3, 10),
        )
    assert version.status == "published"
    procedure.refresh_from_db()
    assert procedure.current_version_id == version.pk and procedure.is_published
    for call in (
        lambda: services.version_update(version=version, actor=manager, data={"name": "Khác"}),
        lambda: services.version_set_documents(version=version, actor=manager, items=[]),
    ):
        with pytest.raises(InvalidTransition) as error:
            call()
        assert error.value.message == "Phiên bản đã công bố không được sửa; hãy tạo phiên bản mới."
    assert AuditEvent.objects.filter(action="procedure_version.publish", object_id=str(version.pk)).count() == 1


@pytest.mark.parametrize(
    ("number", "decision_date", "effective_from", "message"),
    [
        (
            "1234",
            dt.date(2026, 3, 1),
            dt.date(2026, 3, 1),
            "Số quyết định “1234” không đúng dạng số/ký hiệu (ví dụ 1234/QĐ-UBND).",
        ),
        (
            "QĐ-UBND/12",
            dt.date(2026, 3, 1),
            dt.date(2026, 3, 1),
            "Số quyết định “QĐ-UBND/12” không đúng dạng số/ký hiệu (ví dụ 1234/QĐ-UBND).",
        ),
        ("12/QĐ-UBND", dt.date(2026, 3, 11), dt.date(2026, 3, 11), "Ngày quyết định không được sau ngày hôm nay."),
        ("12/QĐ-UBND", dt.date(2026, 3, 5), dt.date(2026, 3, 4), "Ngày có hiệu lực không được trước ngày quyết định."),
    ],
)
def test_publish_validates_the_decision(manager, number, decision_date, effective_from, message):
    _procedure, version = _create(manager)
    factories.fill(version, manager)
    services.version_check(version=version, actor=manager)
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0), tick=False), pytest.raises(ValidationFailed) as error:
        services.version_publish(
            version=version,
            actor=manager,
            decision_number=number,
            decision_date=decision_date,
            effective_from=effective_from,
        )
    assert error.value.message == message


def test_set_items_reports_row_numbered_errors(manager):
    _procedure, version = _create(manager)
    with pytest.raises(ValidationFailed) as error:
        services.version_set_documents(
            version=version, actor=manager, items=[{"name": "Tờ khai"}, {"name": "", "originals": -1}]
        )
    assert error.value.message == "Chưa lưu được thành phần hồ sơ: có 2 lỗi, xem từng dòng."
    assert error.value.extra["errors"] == [
        {"where": "Dòng 2", "field": "name", "message": "Tên giấy tờ không được để trống."},
        {"where": "Dòng 2", "field": "originals", "message": "Số bản chính phải là số nguyên không âm."},
    ]
    with pytest.raises(ValidationFailed) as error:
        services.version_set_form_fields(
            version=version,
            actor=manager,
            items=[
                {"key": "a", "label": "A", "type": "choice"},
                {"key": "a", "label": "B", "type": "text"},
                {"key": "Bad Key", "label": "C", "type": "date"},
            ],
        )
    messages = [(e["where"], e["message"]) for e in error.value.extra["errors"]]
    assert messages == [
        ("Dòng 1", "Trường kiểu “Chọn một” cần ít nhất một lựa chọn."),
        ("Dòng 2", "Mã trường “a” trùng với dòng 1."),
        ("Dòng 3", "Mã trường “Bad Key” chỉ gồm chữ thường không dấu, số và dấu gạch dưới, bắt đầu bằng chữ."),
    ]
    assert not version.documents.exists() and not version.form_fields.exists()


def test_new_draft_copies_everything_and_publishing_it_never_changes_v1(manager):
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0), tick=False):
        procedure = factories.published(code="1.001193", name="Thủ tục đăng ký khai sinh", actor=manager)
        v1 = procedure.current_version
        v1_docs = list(RequiredDocument.objects.filter(version=v1).values())
        v1_row = ProcedureVersion.objects.filter(pk=v1.pk).values().get()
        v2 = services.version_create_draft(procedure=procedure, actor=manager)
        assert v2.number == 2 and v2.status == "draft"
        assert [d.name for d in v2.documents.all()] == ["Tờ khai đăng ký khai sinh"]
        assert v2.fees.count() == 1 and v2.form_fields.count() == 2 and v2.process_steps.count() == 3
        assert set(v2.agencies.all()) == set(v1.agencies.all())
        services.version_update(version=v2, actor=manager, data={"name": "Thủ tục đăng ký khai sinh (sửa đổi)"})
        services.version_set_documents(version=v2, actor=manager, items=[{"name": "Giấy chứng sinh", "originals": 1}])
        services.version_check(version=v2, actor=manager)
        services.version_publish(
            version=v2,
            actor=manager,
            decision_number="99/QĐ-UBND",
            decision_date=dt.date(2026, 3, 10),
            effective_from=dt.date(2026, 3, 10),
        )
    v1.refresh_from_db()
    assert v1.status == "superseded" and v1.effective_until == dt.date(2026, 3, 10)
    assert list(RequiredDocument.objects.filter(version=v1).values()) == v1_docs
    row = ProcedureVersion.objects.filter(pk=v1.pk).values().get()
    changed = {k for k in row if row[k] != v1_row[k]}
    assert changed - {"updated_at"} == {"status", "effective_until"}
    procedure.refresh_from_db()
    assert procedure.current_version_id == v2.pk
    assert procedure.name == "Thủ tục đăng ký khai sinh (sửa đổi)"


def test_future_effective_date_waits_then_activates(manager):
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0), tick=False):
        procedure = factories.published(code="1.001193", name="Thủ tục đăng ký khai sinh", actor=manager)
        v1 = procedure.current_version
        v2 = services.version_create_draft(procedure=procedure, actor=manager)
        services.version_update(version=v2, actor=manager, data={"name": "Thủ tục đăng ký khai sinh mới"})
        services.version_check(version=v2, actor=manager)
        services.version_publish(
            version=v2,
            actor=manager,
            decision_number="5/QĐ-UBND",
            decision_date=dt.date(2026, 3, 10),
            effective_from=dt.date(2026, 4, 1),
        )
        procedure.refresh_from_db()
        assert procedure.current_version_id == v1.pk
        assert selectors.procedure_get_published(code="1.001193").current_version.name == "Thủ tục đăng ký khai sinh"
        assert services.catalog_activate_due() == 0
    with time_machine.travel(dt.datetime(2026, 4, 1, 0, 5), tick=False):
        call_command("catalog_activate", stdout=open("/dev/null", "w"))  # noqa: SIM115
    procedure.refresh_from_db()
    v1.refresh_from_db()
    assert procedure.current_version_id == v2.pk
    assert procedure.name == "Thủ tục đăng ký khai sinh mới"
    assert (v1.status, v1.effective_until) == ("superseded", dt.date(2026, 4, 1))


def test_unpublish_withdraws_from_the_portal(manager):
    procedure = factories.published(code="1.001193", name="Thủ tục đăng ký khai sinh", actor=manager)
    with pytest.raises(ValidationFailed) as error:
        services.procedure_unpublish(procedure=procedure, actor=manager, reason=" ")
    assert error.value.message == "Cần nêu lý do ngừng công bố thủ tục."
    services.procedure_unpublish(procedure=procedure, actor=manager, reason="Thủ tục bị bãi bỏ")
    assert not selectors.procedure_search(query="khai sinh").exists()
    with pytest.raises(InvalidTransition) as error:
        services.procedure_unpublish(procedure=procedure, actor=manager, reason="Lại")
    assert error.value.message == "Thủ tục 1.001193 đang không được công bố."
    assert Procedure.objects.get(pk=procedure.pk).current_version_id is not None


def test_a_full_online_procedure_needs_a_leaders_step_to_sign_its_electronic_result(manager):
    """Without one, the last step finished the dossier with an uploaded paper: never an electronic result."""
    procedure = factories.published(code="1.009901", name="Cấp bản sao trích lục", actor=manager)
    draft = services.version_create_draft(procedure=procedure, actor=manager)
    steps = [s for s in factories.STEPS if s["role"] != "leader"]
    services.version_set_process_steps(version=draft, actor=manager, items=steps)
    missing = "bước lãnh đạo phê duyệt trong quy trình (dịch vụ toàn trình trả kết quả điện tử ký số)"
    assert missing in selectors.version_completeness(version=draft)
    with pytest.raises(ValidationFailed) as error:
        services.version_check(version=draft, actor=manager)
    assert missing in error.value.message
    draft = services.version_update(version=draft, actor=manager, data={"online_level": "partial"})
    draft.refresh_from_db()
    assert missing not in selectors.version_completeness(version=draft)
