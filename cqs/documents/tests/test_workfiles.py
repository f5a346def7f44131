"""Work files (hồ sơ công việc): who opens and changes them, documents in date order, every change audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.core.models import AuditEvent
from cqs.documents.models import Secrecy, WorkFile
from cqs.documents.tests import factories
from cqs.documents.tests.factories import DocumentsWorld
from cqs.documents.tests.registers_support import at, incoming, outgoing
from cqs.documents.workfiles import selectors as selectors_workfiles
from cqs.documents.workfiles.services import workfile_add, workfile_close, workfile_create, workfile_remove

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _officials_without_totp(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


@pytest.fixture
def w(db: Any) -> DocumentsWorld:
    return factories.documents_world()


def new_file(w: DocumentsWorld, actor: Any = None, **values: Any) -> WorkFile:
    data: dict[str, Any] = {
        "agency": w.agency,
        "actor": actor or w.kt_specialist,
        "department": w.kt,
        "code": "05.KT",
        "title": "Hồ sơ dự án đường giao thông nông thôn xã Hưng Nguyên",
        "year": 2026,
        "retention": "10 năm",
    }
    data.update(values)
    return workfile_create(**data)


def actions(workfile: WorkFile) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="documents.workfile", object_id=str(workfile.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_a_department_member_opens_a_work_file_of_the_department_audited(w: DocumentsWorld) -> None:
    workfile = new_file(w)
    assert (workfile.code, workfile.keeper, workfile.department, workfile.closed_at) == (
        "05.KT",
        w.kt_specialist,
        w.kt,
        None,
    )
    assert actions(workfile) == ["workfile.create"]


def test_who_may_not_open_a_work_file(w: DocumentsWorld) -> None:
    with pytest.raises(NotFoundOrForbidden) as err:
        new_file(w, actor=w.vp_specialist)  # not a member of Phòng Kinh tế
    assert err.value.message == "Bạn không có quyền lập hồ sơ công việc của đơn vị này."
    with pytest.raises(NotFoundOrForbidden):
        new_file(w, actor=w.outsider)
    assert new_file(w, actor=w.clerk, code="01.VP", department=w.vp).keeper == w.clerk
    assert WorkFile.objects.count() == 1


def test_bad_input_is_refused_with_a_clear_message(w: DocumentsWorld) -> None:
    new_file(w)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"code": "05.KT"}, "Số, ký hiệu hồ sơ “05.KT” đã có trong năm 2026."),
        ({"code": "  "}, "Chưa nhập số, ký hiệu hồ sơ."),
        ({"code": "06.KT", "title": ""}, "Chưa nhập tiêu đề hồ sơ."),
        ({"code": "06.KT", "year": 1990}, "Năm của hồ sơ không hợp lệ."),
    ]
    for values, message in cases:
        with pytest.raises(ValidationFailed) as err:
            new_file(w, **values)
        assert err.value.message == message
    other = factories.other_agency()
    foreign = other.departments.create(name="Văn phòng Sở", abbreviation="VPS")
    with pytest.raises(ValidationFailed) as err:
        new_file(w, code="07.KT", department=foreign)
    assert err.value.message == "Đơn vị không thuộc cơ quan này."
    assert WorkFile.objects.count() == 1


def test_documents_are_added_removed_and_listed_in_date_order(w: DocumentsWorld) -> None:
    workfile = new_file(w)
    later = incoming(
        w, subject="Công văn đề nghị hỗ trợ kinh phí", lead_department=w.kt, received=at(dt.date(2026, 5, 2))
    )
    earlier = incoming(w, subject="Tờ trình dự án", lead_department=w.kt, received=at(dt.date(2026, 3, 1)))
    reply = outgoing(w, subject="Quyết định phê duyệt dự án", drafting_department=w.kt, issued=at(dt.date(2026, 6, 1)))
    workfile_add(workfile=workfile, actor=w.kt_specialist, incoming=later)
    workfile_add(workfile=workfile, actor=w.kt_specialist, incoming=earlier)
    workfile_add(workfile=workfile, actor=w.leader, outgoing=reply)
    entries = selectors_workfiles.workfile_entries(user=w.kt_specialist, workfile=workfile)
    assert [e.document.subject for e in entries] == [
        "Tờ trình dự án",
        "Công văn đề nghị hỗ trợ kinh phí",
        "Quyết định phê duyệt dự án",
    ]
    workfile_remove(workfile=workfile, actor=w.kt_specialist, incoming=later)
    later.refresh_from_db()
    assert later.work_file_id is None
    assert actions(workfile) == ["workfile.create", "workfile.add", "workfile.add", "workfile.add", "workfile.remove"]
    event = AuditEvent.objects.filter(action="workfile.remove").get()
    assert event.before == {"kind": "incoming", "id": later.pk}


def test_adding_is_refused_when_it_should_be(w: DocumentsWorld) -> None:
    workfile = new_file(w)
    mine = incoming(w, subject="Tờ trình dự án", lead_department=w.kt)
    hidden = incoming(w, subject="Việc của Văn phòng", lead_department=w.vp)
    secret = incoming(w, subject="Mật", lead_department=w.kt, secrecy=Secrecy.SECRET)
    workfile_add(workfile=workfile, actor=w.kt_specialist, incoming=mine)
    with pytest.raises(ValidationFailed) as err:
        workfile_add(workfile=workfile, actor=w.kt_specialist, incoming=mine)
    assert err.value.message == "Văn bản đã có trong hồ sơ này."
    for document in (hidden, secret):
        with pytest.raises(NotFoundOrForbidden) as nf:
            workfile_add(workfile=workfile, actor=w.kt_specialist, incoming=document)
        assert nf.value.message == "Không tìm thấy văn bản."
    other = new_file(w, actor=w.leader, code="06.KT")
    with pytest.raises(ValidationFailed) as err:
        workfile_add(workfile=other, actor=w.leader, incoming=mine)
    assert err.value.message == "Văn bản đã thuộc hồ sơ công việc 05.KT; hãy bỏ ra khỏi hồ sơ đó trước."
    with pytest.raises(ValidationFailed) as err:
        workfile_add(workfile=workfile, actor=w.leader)
    assert err.value.message == "Chọn đúng một văn bản đến hoặc một văn bản đi."
    with pytest.raises(NotFoundOrForbidden):
        workfile_add(workfile=workfile, actor=w.vp_specialist, incoming=hidden)  # cannot see the work file


def test_a_closed_work_file_does_not_change(w: DocumentsWorld) -> None:
    workfile = new_file(w)
    document = incoming(w, subject="Tờ trình dự án", lead_department=w.kt)
    workfile_close(workfile=workfile, actor=w.kt_head)
    workfile.refresh_from_db()
    assert workfile.closed_at is not None
    for call in (
        lambda: workfile_add(workfile=workfile, actor=w.kt_specialist, incoming=document),
        lambda: workfile_close(workfile=workfile, actor=w.leader),
    ):
        with pytest.raises(InvalidTransition) as err:
            call()
        assert err.value.message == "Hồ sơ công việc 05.KT đã kết thúc, không thể thay đổi."
    assert actions(workfile) == ["workfile.create", "workfile.close"]


def test_who_sees_a_work_file(w: DocumentsWorld) -> None:
    workfile = new_file(w)
    seen = {u.username for u in (w.leader, w.clerk, w.kt_head, w.kt_specialist, w.vp_specialist, w.outsider)
            if selectors_workfiles.workfiles_visible_to(u).filter(pk=workfile.pk).exists()}  # fmt: skip
    assert seen == {w.leader.username, w.clerk.username, w.kt_head.username, w.kt_specialist.username}


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_pages_create_add_close(w: DocumentsWorld) -> None:
    client = as_user(w.kt_specialist)
    response = client.post(
        reverse("documents:workfiles"),
        {"co_quan": w.agency.pk, "department": w.kt.pk, "code": "09.KT", "title": "Hồ sơ cấp nước", "year": 2026},
    )
    workfile = WorkFile.objects.get(code="09.KT")
    detail = reverse("documents:workfile_detail", kwargs={"pk": workfile.pk})
    assert response.status_code == 302 and response["Location"] == detail
    document = incoming(w, subject="Đề nghị cấp nước sạch", lead_department=w.kt)
    assert "Đề nghị cấp nước sạch" in client.get(detail, {"q": "cap nuoc"}).content.decode()
    act = reverse("documents:workfile_act", kwargs={"pk": workfile.pk, "action": "them"})
    assert client.post(act, {"kind": "incoming", "document": document.pk}).status_code == 302
    document.refresh_from_db()
    assert document.work_file_id == workfile.pk
    page = client.get(detail).content.decode()
    assert "Đề nghị cấp nước sạch" in page and "Bỏ ra" in page
    listing = client.get(reverse("documents:workfiles")).content.decode()
    assert "Hồ sơ cấp nước" in listing and "1 đến, 0 đi" in listing
    client.post(reverse("documents:workfile_act", kwargs={"pk": workfile.pk, "action": "ket-thuc"}))
    response = client.post(act, {"kind": "incoming", "document": document.pk}, follow=True)
    assert "Hồ sơ công việc 09.KT đã kết thúc, không thể thay đổi." in response.content.decode()


def test_the_create_form_says_what_is_wrong(w: DocumentsWorld) -> None:
    response = as_user(w.kt_specialist).post(
        reverse("documents:workfiles"),
        {"co_quan": w.agency.pk, "department": w.vp.pk, "code": "10.VP", "title": "Hồ sơ", "year": 2026},
    )
    assert response.status_code == 400
    assert "Bạn không có quyền lập hồ sơ công việc của đơn vị này." in response.content.decode()
    assert not WorkFile.objects.exists()


def test_who_may_not_use_the_work_file_pages(w: DocumentsWorld, citizen: Any) -> None:
    workfile = new_file(w)
    detail = reverse("documents:workfile_detail", kwargs={"pk": workfile.pk})
    close = reverse("documents:workfile_act", kwargs={"pk": workfile.pk, "action": "ket-thuc"})
    assert Client().get(detail).status_code == 302
    for user in (w.vp_specialist, w.outsider, citizen):
        client = as_user(user)
        assert client.get(detail).status_code == 404
        assert client.post(close).status_code == 404
    assert as_user(citizen).get(reverse("documents:workfiles")).status_code == 404
    assert "Hồ sơ dự án đường" not in as_user(w.outsider).get(reverse("documents:workfiles")).content.decode()
    workfile.refresh_from_db()
    assert workfile.closed_at is None
