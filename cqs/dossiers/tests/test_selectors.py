import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cqs.accounts.models import Role
from cqs.core.errors import NotFoundOrForbidden
from cqs.dossiers import selectors, services, transitions
from cqs.dossiers.models import Dossier, Status
from cqs.dossiers.tests import factories_desk as make
from cqs.dossiers.tests.factories import official

pytestmark = pytest.mark.django_db


def codes(qs):
    return {d.code for d in qs}


@pytest.fixture
def states(w):
    withdrawing = make.processing(w)
    services.dossier_withdraw(dossier=withdrawing, actor=w.citizen, reason="Không cần nữa")
    return {
        "submitted": make.submitted(w),
        "processing": make.processing(w),
        "awaiting": make.awaiting_approval(w),
        "finished": make.finished(w),
        "withdrawing": Dossier.objects.get(pk=withdrawing.pk),
        "returned": make.returned(w),
    }


def test_every_box_for_every_role(w, states):
    s = {k: v.code for k, v in states.items()}
    everything = set(s.values())
    expected = {
        w.officer: {
            "to_receive": {s["submitted"]},
            "to_process": set(),
            "to_approve": set(),
            "to_return": {s["finished"], s["withdrawing"]},
        },
        w.specialist: {"to_receive": set(), "to_process": {s["processing"]}, "to_approve": set(), "to_return": set()},
        w.leader: {"to_receive": set(), "to_process": set(), "to_approve": {s["awaiting"]}, "to_return": set()},
    }
    for user, boxes in expected.items():
        for box, wanted in boxes.items():
            assert codes(selectors.worklist(user=user, box=box)) == wanted, (user.username, box)
        assert codes(selectors.worklist(user=user, box="all")) == everything
        counts = selectors.box_counts(user=user)
        assert counts == {box: len(codes(selectors.worklist(user=user, box=box))) for box in selectors.WORK_BOXES}


def test_strangers_see_nothing(w, states):
    other = official("khac", w.other_agency, Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER)
    for user in (other, w.stranger, w.citizen):
        for box in selectors.BOXES:
            assert not selectors.worklist(user=user, box=box).exists()
        assert selectors.box_counts(user=user) == dict.fromkeys(selectors.WORK_BOXES, 0)
    with pytest.raises(NotFoundOrForbidden):
        selectors.dossier_for(user=other, code=states["submitted"].code)
    with pytest.raises(NotFoundOrForbidden):
        selectors.worklist(user=w.officer, box="nonsense")
    # Limited to an agency the official does not belong to: nothing.
    assert not selectors.worklist(user=w.officer, box="all", agency_id=w.other_agency.pk).exists()
    assert selectors.worklist(user=w.officer, box="all", agency_id=w.agency.pk).count() == len(states)


def test_due_soon_and_late(w):
    soon, late, later, paused = make.processing(w), make.processing(w), make.processing(w), make.processing(w)
    now = timezone.now()
    Dossier.objects.filter(pk=soon.pk).update(due_at=now + dt.timedelta(minutes=30))
    Dossier.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(minutes=30))
    Dossier.objects.filter(pk=later.pk).update(due_at=now + dt.timedelta(days=30))
    services.dossier_request_supplement(
        dossier=paused, actor=w.specialist, items=["Bản sao"], reason="Thiếu", contact="x"
    )
    Dossier.objects.filter(pk=paused.pk).update(due_at=now - dt.timedelta(minutes=30))
    for user in (w.officer, w.specialist, w.leader):
        assert codes(selectors.worklist(user=user, box="due_soon")) == {soon.code}
        assert codes(selectors.worklist(user=user, box="late")) == {late.code}
    assert [d.code for d in selectors.worklist(user=w.specialist, box="to_process")][:2] == [late.code, soon.code]


def test_search_by_code_id_number_and_name(w):
    lan = make.submitted(w)
    hung = make.submitted(w, applicant_name="Trần Văn Hùng", applicant_id_number="040085654321")
    duc = make.submitted(w, applicant_name="Đặng Văn Đức", applicant_id_number="001099000123")
    find = lambda q: codes(selectors.worklist(user=w.officer, box="all", query=q))  # noqa: E731
    assert find(lan.code) == {lan.code}
    assert find(lan.code[:-2]) == {lan.code, hung.code, duc.code}
    assert find(lan.code.lower()) == {lan.code}
    assert find("040190012345") == {lan.code}
    assert find("040") == {lan.code, hung.code}
    assert find("0400") == {hung.code}
    assert find("Nguyễn Thị Lan") == {lan.code}
    assert find("nguyen thi lan") == {lan.code}
    assert find("NGUYEN lan") == {lan.code}
    assert find("hùng") == find("hung") == {hung.code}
    assert find("dang duc") == find("Đặng Đức") == {duc.code}
    assert find("van") == {hung.code, duc.code}
    assert find("lan hung") == set()
    assert find("100%_") == set()
    # Whole words, the last one may be the start of one: what an official types while the list narrows.
    assert find("nguyen thi la") == {lan.code}
    assert find("Trần Va") == find("tran va") == {hung.code}
    assert find("ngu thi lan") == set()
    assert find("ng'; DROP TABLE x; --") == set()


def test_a_name_is_found_only_where_the_official_sees_it(w):
    here = make.submitted(w, applicant_name="Hồ Thị Xuân Hương", applicant_id_number="040088000777")
    elsewhere = make.submitted(w)
    Dossier.objects.filter(pk=elsewhere.pk).update(
        applicant_name="Hồ Thị Xuân Hương",
        search_text=f"{elsewhere.code.lower()} ho thi xuan huong",
        receiving_agency=w.other_agency,
        deciding_agency=w.other_agency,
        current_agency=w.other_agency,
    )
    other = official("khac", w.other_agency, Role.ONE_STOP_OFFICER)
    assert codes(selectors.worklist(user=w.officer, box="all", query="ho thi xuan huong")) == {here.code}
    assert here.code not in codes(selectors.worklist(user=other, box="all", query="ho thi xuan huong"))
    assert elsewhere.code in codes(selectors.worklist(user=other, box="all", query="ho thi xuan huong"))


def test_box_counts_are_one_query(w, states):
    with CaptureQueriesContext(connection) as ctx:
        counts = selectors.box_counts(user=w.officer)
    assert len([q for q in ctx.captured_queries if "dossiers_dossier" in q["sql"]]) == 1
    assert counts == {"to_receive": 1, "to_process": 0, "to_approve": 0, "to_return": 2, "due_soon": 0, "late": 0}


def test_dossier_for_loads_everything_in_few_queries(w, states):
    dossier = states["returned"]
    with CaptureQueriesContext(connection) as ctx:
        found = selectors.dossier_for(user=w.officer, code=dossier.code)
        files, events, steps = list(found.files.all()), list(found.events.all()), list(found.steps.all())
        list(found.supplement_requests.all()), list(found.notices.all())
        answers = selectors.form_answers(found)
        transitions.available_actions(w.officer, found)
        [s.agency.name for s in steps], [e.actor for e in events], found.receiving_agency.name
    assert len(ctx.captured_queries) <= 14
    assert files and len(steps) == 4 and len(events) == 5
    assert answers[0][1] == "Nguyễn Văn Bình"
    with pytest.raises(NotFoundOrForbidden):
        selectors.dossier_for(user=w.stranger, code=dossier.code)
    assert selectors.dossier_for(user=w.citizen, code=dossier.code).pk == dossier.pk


def test_available_actions_follow_role_and_state(w, states):
    acts = lambda user, key: transitions.available_actions(user, states[key])  # noqa: E731
    assert acts(w.officer, "submitted") == ["accept", "refuse", "request_supplement"]
    assert acts(w.specialist, "submitted") == []
    assert acts(w.specialist, "processing") == [
        "request_supplement",
        "forward",
        "transfer",
        "draft_result",
        "request_payment",
    ]
    assert acts(w.leader, "processing") == ["apologise", "stop"]
    assert "approve" in acts(w.leader, "awaiting") and "send_back" in acts(w.leader, "awaiting")
    assert "draft_result" in acts(w.leader, "awaiting") and "draft_result" not in acts(w.officer, "processing")
    assert acts(w.officer, "finished") == ["return_result"]
    assert acts(w.officer, "withdrawing") == ["confirm_withdrawal"]
    assert acts(w.leader, "withdrawing") == ["stop"]
    assert acts(w.officer, "returned") == [] and acts(w.citizen, "submitted") == ["withdraw", "choose_delivery"]


def _at(y, m, d, h=9):
    return timezone.make_aware(dt.datetime(y, m, d, h))


def test_unit_dashboard_on_known_data(w):
    def put(**values):
        dossier = make.processing(w)
        Dossier.objects.filter(pk=dossier.pk).update(**values)
        return dossier

    done = {"status": Status.FINISHED}
    put(received_at=_at(2025, 1, 10), due_at=_at(2025, 1, 15), finished_at=_at(2025, 1, 14), timing="early", **done)
    put(received_at=_at(2025, 2, 10), due_at=_at(2025, 2, 15), finished_at=_at(2025, 2, 20), timing="late", **done)
    put(
        received_at=_at(2025, 3, 10),
        due_at=_at(2025, 3, 15),
        finished_at=_at(2025, 3, 14),
        timing="on_time",
        supplement_count=2,
        **done,
    )
    put(received_at=_at(2025, 3, 10), due_at=_at(2099, 3, 15), channel=1)  # open, within the deadline
    put(received_at=_at(2025, 3, 11), due_at=_at(2025, 3, 20))  # open, overdue at the end of the period
    put(received_at=_at(2024, 12, 1), due_at=_at(2024, 12, 9), finished_at=_at(2024, 12, 5), timing="early", **done)
    put(received_at=_at(2024, 12, 20), due_at=_at(2025, 1, 5), finished_at=_at(2025, 1, 3), timing="on_time", **done)
    refused = make.submitted(w)
    services.dossier_refuse(dossier=refused, actor=w.officer, reason="Sai thủ tục")

    figures = selectors.unit_dashboard(agency=w.agency, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    assert figures["received"] == 5 and figures["online"] == 4 and figures["online_rate"] == 80.0
    assert figures["finished"] == 4
    assert (figures["early"], figures["on_time"], figures["late"]) == (1, 1, 2)
    assert figures["processed"] == 6 and figures["processed_on_time"] == 3 and figures["on_time_rate"] == 50.0
    months = figures["months"]
    assert len(months) == 12 and months[0]["label"] == "01/2025"
    assert [(m["received"], m["finished"], m["on_time_rate"]) for m in months[:4]] == [
        (1, 2, 100.0),
        (1, 1, 0.0),
        (3, 1, 0.0),
        (0, 0, None),
    ]
    empty = selectors.unit_dashboard(agency=w.other_agency, start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31))
    assert empty["on_time_rate"] is None and empty["received"] == 0 and len(empty["months"]) == 1


def test_criterion_2_1_judges_each_dossier_by_its_first_end_stopped_and_refused_included(w):
    """REFERENCE §2: end = finished, else returned, else stopped or refused; judged against the appointment."""

    def put(**values):
        dossier = make.processing(w)
        Dossier.objects.filter(pk=dossier.pk).update(**values)
        return dossier

    may = {"received_at": _at(2025, 5, 5), "due_at": _at(2025, 5, 12)}
    # finished in time, returned a week late: the finishing date decides, on time
    put(
        status=Status.RETURNED,
        finished_at=_at(2025, 5, 9),
        returned_at=_at(2025, 5, 19),
        closed_at=_at(2025, 5, 19),
        **may,
    )
    # returned late without a finishing date of its own: late
    put(status=Status.RETURNED, returned_at=_at(2025, 5, 14), closed_at=_at(2025, 5, 14), **may)
    # stopped before the appointment: on time; stopped after it: late
    put(status=Status.STOPPED, closed_at=_at(2025, 5, 8), **may)
    put(status=Status.STOPPED, closed_at=_at(2025, 5, 20), **may)
    # refused at reception in the period: its answer, on time
    refused = make.submitted(w)
    Dossier.objects.filter(pk=refused.pk).update(
        status=Status.REFUSED, submitted_at=_at(2025, 5, 6), closed_at=_at(2025, 5, 6, 14)
    )
    # withdrawn by the applicant, and a refusal of another period: not counted
    put(status=Status.WITHDRAWN, closed_at=_at(2025, 5, 7), **may)
    other = make.submitted(w)
    Dossier.objects.filter(pk=other.pk).update(
        status=Status.REFUSED, submitted_at=_at(2025, 7, 1), closed_at=_at(2025, 7, 1, 10)
    )

    figures = selectors.unit_dashboard(agency=w.agency, start=dt.date(2025, 5, 1), end=dt.date(2025, 5, 31))
    assert (figures["processed"], figures["processed_on_time"], figures["on_time_rate"]) == (5, 3, 60.0)
