import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from cqs.core.models import AuditEvent, CalendarDay

pytestmark = [pytest.mark.django_db]

SATURDAY = dt.date(2027, 2, 13)


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def test_administrator_sees_the_year_and_adds_then_removes_a_day(client, administrator):
    with time_machine.travel(dt.datetime(2027, 1, 5, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        client.force_login(administrator)
        page = client.get(reverse("administration:calendar"))
    client.force_login(administrator)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Lịch làm việc năm 2027" in html
    assert "06/02/2027" in html and "Tết Nguyên Đán" in html  # the statutory holidays of the current year

    response = client.post(
        reverse("administration:calendar"), {"date": "13/02/2027", "kind": "working_day", "name": "Làm bù ngày 05/02"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("administration:calendar") + "?nam=2027"
    assert CalendarDay.objects.get(date=SATURDAY).name == "Làm bù ngày 05/02"
    page = client.get(response["Location"])
    assert "13/02/2027" in page.content.decode() and "Làm bù ngày 05/02" in page.content.decode()

    response = client.post(reverse("administration:calendar_day_delete", args=["13-02-2027"]))
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(date=SATURDAY).exists()
    assert AuditEvent.objects.filter(action="calendar_day.remove", actor=administrator).exists()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("2027-02-13", "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/09/2025."),
        ("31/02/2027", "Ngày 31/02/2027 không có thật: tháng 2 năm 2027 chỉ có 28 ngày."),
        ("13/2", "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/09/2025."),
        ("hôm nay", "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/09/2025."),
    ],
)
def test_a_bad_date_gets_a_vietnamese_error(client, administrator, bad, message):
    client.force_login(administrator)
    response = client.post(reverse("administration:calendar"), {"date": bad, "kind": "working_day", "name": "Làm bù"})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-describedby="id_date_error"' in html and 'id="id_date_error"' in html
    assert not CalendarDay.objects.exists()


def test_removing_a_day_that_is_not_there_says_so(client, administrator):
    client.force_login(administrator)
    response = client.post(reverse("administration:calendar_day_delete", args=["14-02-2027"]), follow=True)
    assert "Ngày 14/02/2027 không có trong lịch điều chỉnh." in response.content.decode()


def test_a_citizen_and_an_official_without_the_role_get_404(client, make_official, django_user_model):
    citizen = django_user_model.objects.create_user(username="congdan", password="x" * 12, full_name="Công dân A")
    clerk = make_official("vanthu", roles=("clerk",))
    CalendarDay.objects.create(date=SATURDAY, kind="working_day", name="Làm bù")
    for user in (citizen, clerk):
        client.force_login(user)
        assert client.get(reverse("administration:calendar")).status_code == 404
        assert (
            client.post(
                reverse("administration:calendar"), {"date": "14/02/2027", "kind": "day_off", "name": "x"}
            ).status_code
            == 404
        )
        assert client.post(reverse("administration:calendar_day_delete", args=["13-02-2027"])).status_code == 404
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [SATURDAY]


def test_an_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("administration:calendar"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    response = client.post(reverse("administration:calendar_day_delete", args=["13-02-2027"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_the_back_office_index_shows_only_the_sections_of_the_roles(client, administrator, make_official):
    client.force_login(administrator)
    html = client.get(reverse("administration:index")).content.decode()
    assert reverse("administration:calendar") in html
    assert reverse("catalog:manage") in html  # administrators manage the catalog too

    client.force_login(make_official("vanthu", roles=("clerk",)))
    html = client.get(reverse("administration:index")).content.decode()
    assert reverse("administration:calendar") not in html and reverse("catalog:manage") not in html


def test_the_back_office_index_is_for_officials_only(client, citizen):
    assert client.get(reverse("administration:index")).status_code == 302
    client.force_login(citizen)
    assert client.get(reverse("administration:index")).status_code == 404
