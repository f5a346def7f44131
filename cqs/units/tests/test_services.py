import datetime as dt
import re

import pytest

from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.models import AuditEvent
from cqs.units import selectors
from cqs.units.models import AdministrativeUnit, Agency, AgencyCodeAlias, UnitCodeAlias
from cqs.units.services import agency_create, agency_merge, agency_update, unit_merge

pytestmark = pytest.mark.django_db

DECISION = "Nghị quyết 1665/NQ-UBTVQH15"
MERGED_AT = dt.date(2027, 7, 1)


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code)


def state() -> list[tuple]:
    """Everything a refused merge must leave as it was."""
    return [
        list(
            AdministrativeUnit.objects.order_by("pk").values_list("pk", "is_active", "merged_into_id", "merge_decision")
        ),
        list(Agency.objects.order_by("pk").values_list("pk", "is_active", "merged_into_id", "unit_id")),
        list(UnitCodeAlias.objects.values_list("code", "unit_id")),
        list(AgencyCodeAlias.objects.values_list("code", "agency_id")),
        AuditEvent.objects.count(),
    ]


# --------------------------------------------------------------------------- selectors


def test_resolve_province_and_search_communes_without_diacritics(nghe_an):
    assert selectors.province_get(code="40") == nghe_an
    assert selectors.province_get(code=40) == nghe_an
    assert selectors.unit_resolve(code=" 16681 ").name == "Phường Thành Vinh"
    names = list(selectors.communes_of(province=nghe_an, query="vinh").values_list("name", flat=True))
    assert set(names) == {
        "Phường Trường Vinh",
        "Phường Thành Vinh",
        "Phường Vinh Hưng",
        "Phường Vinh Phú",
        "Phường Vinh Lộc",
        "Xã Vĩnh Tường",  # "Vĩnh" folds to "vinh" too
    }
    assert list(selectors.communes_of(province=nghe_an, query="VINH hưng").values_list("code", flat=True)) == ["17920"]
    assert selectors.communes_of(province=nghe_an).count() == 130
    assert not selectors.communes_of(province=nghe_an, query="Kỳ Anh").exists()  # Hà Tĩnh's
    with pytest.raises(NotFoundOrForbidden, match=exactly("Không tìm thấy đơn vị hành chính có mã 77777.")):
        selectors.unit_resolve(code="77777")
    with pytest.raises(NotFoundOrForbidden, match=exactly("Không tìm thấy tỉnh, thành phố có mã 16681.")):
        selectors.province_get(code="16681")


def test_search_folds_the_letter_d(nghe_an):
    communes = selectors.communes_of(province=nghe_an, query="dien chau")
    assert "Xã Diễn Châu" in set(communes.values_list("name", flat=True))
    assert selectors.communes_of(province=nghe_an, query="đức châu").get().name == "Xã Đức Châu"


# --------------------------------------------------------------------------- agencies


def test_agency_create_validates_and_audits(nghe_an, actor, province_committee):
    assert province_committee.search_name == "ubnd tinh nghe an"
    event = AuditEvent.objects.filter(action="agency.create").latest("seq")
    assert event.object_id == str(province_committee.pk) and event.after["electronic_code"] == "000.00.00.H40"
    department = agency_create(
        electronic_code="000.40.01.H40",
        name="Sở Tư pháp",
        kind=Agency.Kind.DEPARTMENT,
        unit=nghe_an,
        parent=province_committee,
        email="stp@nghean.gov.vn",
        actor=actor,
    )
    assert selectors.agency_resolve(code="000.40.01.H40") == department
    assert list(selectors.agencies_of(unit=nghe_an, kind=Agency.Kind.DEPARTMENT)) == [department]
    assert list(selectors.agency_list(query="tu phap")) == [department]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"electronic_code": "000.00.00.h40"},
            "Mã định danh điện tử «000.00.00.h40» không hợp lệ: chỉ gồm chữ in hoa, chữ số và dấu chấm, "
            "ví dụ 000.00.00.H40.",
        ),
        (
            {"electronic_code": "H40"},
            "Mã định danh điện tử «H40» không hợp lệ: chỉ gồm chữ in hoa, chữ số và dấu chấm, ví dụ 000.00.00.H40.",
        ),
        (
            {"electronic_code": "000..00.H40"},
            "Mã định danh điện tử «000..00.H40» không hợp lệ: chỉ gồm chữ in hoa, chữ số và dấu chấm, "
            "ví dụ 000.00.00.H40.",
        ),
        ({"electronic_code": "000.00.00.H40"}, "Mã định danh điện tử 000.00.00.H40 đã được dùng cho một cơ quan khác."),
        ({"kind": "ministry"}, "Loại cơ quan «ministry» không hợp lệ."),
        ({"name": "   "}, "Tên cơ quan không được để trống."),
        ({"email": "khong-phai-email"}, "Địa chỉ thư điện tử «khong-phai-email» không hợp lệ."),
    ],
)
def test_agency_create_refusals(nghe_an, actor, province_committee, fields, message):
    before = state()
    arguments = {"electronic_code": "000.40.02.H40", "name": "Sở Y tế", "kind": "department", "unit": nghe_an}
    with pytest.raises(ValidationFailed) as excinfo:
        agency_create(**{**arguments, **fields}, actor=actor)
    assert excinfo.value.message == message
    assert state() == before


def test_agency_code_must_not_reuse_an_alias(nghe_an, actor, province_committee):
    agency_update(agency=province_committee, electronic_code="000.00.01.H40", actor=actor)
    assert selectors.agency_resolve(code="000.00.00.H40") == province_committee  # the old code still resolves
    with pytest.raises(ValidationFailed) as excinfo:
        agency_create(electronic_code="000.00.00.H40", name="Khác", kind="other", unit=nghe_an, actor=actor)
    assert excinfo.value.message == "Mã định danh điện tử 000.00.00.H40 đã được dùng cho một cơ quan khác."


def test_agency_update_changes_only_what_is_given_and_audits(nghe_an, actor, province_committee):
    updated = agency_update(
        agency=province_committee, phone="0238 3844 100", name="Ủy ban nhân dân tỉnh Nghệ An", actor=actor
    )
    assert (updated.phone, updated.electronic_code, updated.kind) == (
        "0238 3844 100",
        "000.00.00.H40",
        "provincial_committee",
    )
    assert updated.search_name == "uy ban nhan dan tinh nghe an"
    event = AuditEvent.objects.filter(action="agency.update").latest("seq")
    assert event.before["phone"] == "" and event.after["phone"] == "0238 3844 100"
    count = AuditEvent.objects.count()
    agency_update(agency=updated, phone="0238 3844 100", actor=actor)  # no change, no event
    assert AuditEvent.objects.count() == count
    with pytest.raises(ValidationFailed) as excinfo:
        agency_update(agency=updated, parent=updated, actor=actor)
    assert excinfo.value.message == "Cơ quan cấp trên không thể là chính cơ quan này hoặc một cơ quan trực thuộc nó."


# --------------------------------------------------------------------------- unit merges


def test_unit_merge_keeps_history_and_the_old_code_resolves(nghe_an, actor, province_committee):
    source, target = unit("16690"), unit("16681")  # Trường Vinh into Thành Vinh
    committee = agency_create(
        electronic_code="000.40.16690.H40",
        name="UBND phường Trường Vinh",
        kind="commune_committee",
        unit=source,
        actor=actor,
    )
    merged = unit_merge(source=source, target=target, decision=DECISION, merged_at=MERGED_AT, actor=actor)

    merged.refresh_from_db()
    assert (merged.is_active, merged.merged_into, merged.merged_at, merged.merge_decision) == (
        False,
        target,
        MERGED_AT,
        DECISION,
    )
    assert AdministrativeUnit.objects.filter(code="16690").exists()  # history kept
    assert UnitCodeAlias.objects.get(code="16690").unit == target
    assert selectors.unit_resolve(code="16690") == target
    # The agency stays on its old unit, and is found through the new one.
    committee.refresh_from_db()
    assert committee.unit == source and committee.is_active
    assert committee in selectors.agencies_of(unit=target)
    assert selectors.unit_current(unit=committee.unit) == target
    assert selectors.agency_resolve(code="000.40.16690.H40") == committee
    # The merged commune is no longer offered, its successor is.
    codes = set(selectors.communes_of(province=nghe_an).values_list("code", flat=True))
    assert "16690" not in codes and "16681" in codes

    event = AuditEvent.objects.filter(action="unit.merge").get()
    assert event.object_id == str(source.pk) and event.actor_id == actor.pk
    assert event.before["is_active"] is True and event.after["merged_into"] == target.pk
    assert event.after["target_code"] == "16681"

    # A second merge follows the chain: 16690 → 16681 → 17920.
    unit_merge(source=target, target=unit("17920"), decision=DECISION, merged_at=MERGED_AT, actor=actor)
    assert selectors.unit_resolve(code="16690").code == "17920"
    assert committee in selectors.agencies_of(unit=unit("17920"))


def test_province_merge_brings_its_communes_along(nghe_an, ha_tinh, actor):
    unit_merge(source=ha_tinh, target=nghe_an, decision=DECISION, merged_at=MERGED_AT, actor=actor)
    assert selectors.province_get(code="42") == nghe_an
    assert selectors.communes_of(province=nghe_an).count() == 130 + 69
    assert selectors.communes_of(province=nghe_an, query="ky anh").get().code == "18775"


def test_unit_merge_refusals_change_nothing(nghe_an, ha_tinh, actor):
    a, b, c = unit("16690"), unit("16681"), unit("17920")
    unit_merge(source=a, target=b, decision=DECISION, merged_at=MERGED_AT, actor=actor)
    a, b = unit("16690"), unit("16681")
    cases = [
        ({"source": c, "target": c}, "Không thể sáp nhập đơn vị Phường Vinh Hưng (17920) vào chính nó."),
        (
            {"source": a, "target": c},
            "Đơn vị Phường Trường Vinh (16690) đã được sáp nhập vào Phường Thành Vinh (16681) trước đó.",
        ),
        (
            {"source": b, "target": a},
            "Không thể sáp nhập Phường Thành Vinh (16681) vào Phường Trường Vinh (16690): "
            "Phường Trường Vinh (16690) đã được sáp nhập vào Phường Thành Vinh (16681) (vòng lặp).",
        ),
        (
            {"source": c, "target": a},
            "Không thể sáp nhập vào Phường Trường Vinh (16690) vì đơn vị này không còn hoạt động.",
        ),
        (
            {"source": c, "target": nghe_an},
            "Không thể sáp nhập Phường Vinh Hưng (17920) (Xã, phường, đặc khu) vào Nghệ An (40) (Tỉnh, thành phố): "
            "hai đơn vị phải cùng cấp.",
        ),
        (
            {"source": ha_tinh, "target": c},
            "Không thể sáp nhập Hà Tĩnh (42) (Tỉnh, thành phố) vào Phường Vinh Hưng (17920) (Xã, phường, đặc khu): "
            "hai đơn vị phải cùng cấp.",
        ),
        ({"source": c, "target": b, "decision": "  "}, "Cần ghi số, ký hiệu của quyết định sáp nhập."),
    ]
    before = state()
    for arguments, message in cases:
        with pytest.raises(ValidationFailed) as excinfo:
            unit_merge(**{"decision": DECISION, **arguments}, merged_at=MERGED_AT, actor=actor)
        assert excinfo.value.message == message
        assert state() == before


# --------------------------------------------------------------------------- agency merges


def test_agency_merge_keeps_the_old_code_resolving(nghe_an, actor, province_committee):
    old = agency_create(electronic_code="000.40.03.H40", name="Sở Nội vụ", kind="department", unit=nghe_an, actor=actor)
    new = agency_create(
        electronic_code="000.40.04.H40", name="Sở Nội vụ (mới)", kind="department", unit=nghe_an, actor=actor
    )
    merged = agency_merge(source=old, target=new, decision=DECISION, actor=actor)
    assert (merged.is_active, merged.merged_into) == (False, new)
    assert selectors.agency_resolve(code="000.40.03.H40") == new
    assert AgencyCodeAlias.objects.get(code="000.40.03.H40").agency == new
    assert list(selectors.agencies_of(unit=nghe_an, kind="department")) == [new]
    assert set(selectors.agencies_of(unit=nghe_an, kind="department", active_only=False)) == {old, new}
    event = AuditEvent.objects.filter(action="agency.merge").get()
    assert event.after["target_code"] == "000.40.04.H40" and event.after["decision"] == DECISION
    with pytest.raises(ValidationFailed) as excinfo:
        agency_create(electronic_code="000.40.03.H40", name="X", kind="department", unit=nghe_an, actor=actor)
    assert excinfo.value.message == "Mã định danh điện tử 000.40.03.H40 đã được dùng cho một cơ quan khác."


def test_agency_merge_refusals_change_nothing(nghe_an, actor, province_committee):
    a = agency_create(electronic_code="000.40.05.H40", name="Sở A", kind="department", unit=nghe_an, actor=actor)
    b = agency_create(electronic_code="000.40.06.H40", name="Sở B", kind="department", unit=nghe_an, actor=actor)
    c = agency_create(electronic_code="000.40.07.H40", name="Sở C", kind="department", unit=nghe_an, actor=actor)
    agency_merge(source=a, target=b, decision=DECISION, actor=actor)
    a.refresh_from_db()
    cases = [
        ({"source": c, "target": c}, "Không thể sáp nhập cơ quan Sở C (000.40.07.H40) vào chính nó."),
        (
            {"source": a, "target": c},
            "Cơ quan Sở A (000.40.05.H40) đã được sáp nhập vào Sở B (000.40.06.H40) trước đó.",
        ),
        (
            {"source": b, "target": a},
            "Không thể sáp nhập Sở B (000.40.06.H40) vào Sở A (000.40.05.H40): Sở A (000.40.05.H40) đã được sáp nhập "
            "vào Sở B (000.40.06.H40) (vòng lặp).",
        ),
        ({"source": c, "target": a}, "Không thể sáp nhập vào Sở A (000.40.05.H40) vì cơ quan này không còn hoạt động."),
        ({"source": c, "target": b, "decision": ""}, "Cần ghi số, ký hiệu của quyết định sáp nhập."),
    ]
    before = state()
    for arguments, message in cases:
        with pytest.raises(ValidationFailed) as excinfo:
            agency_merge(**{"decision": DECISION, **arguments}, actor=actor)
        assert excinfo.value.message == message
        assert state() == before


def test_agency_of_a_merged_unit_cannot_be_created(nghe_an, actor):
    source, target = unit("16690"), unit("16681")
    unit_merge(source=source, target=target, decision=DECISION, merged_at=MERGED_AT, actor=actor)
    source.refresh_from_db()
    with pytest.raises(ValidationFailed) as excinfo:
        agency_create(electronic_code="000.40.99.H40", name="UBND", kind="commune_committee", unit=source, actor=actor)
    assert excinfo.value.message == (
        "Đơn vị hành chính Phường Trường Vinh (16690) không còn hoạt động; hãy chọn đơn vị đang hoạt động."
    )
