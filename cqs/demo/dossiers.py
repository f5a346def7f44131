"""A year of dossiers for the demo, made by the real services at the moments they happened.

About 1,500 dossiers over the last twelve months, mostly at UBND phường Trường Vinh (where the
demo officials work), some at two other communes and at the provincial service centre; online
and at the counter; in every state; about 95% of the finished ones on time; some rated.

How the past is made: every action is a call of the real service in ``cqs.dossiers.services``
inside ``cqs.demo.clock.at(moment)``, which makes ``timezone.now()`` return that moment. The
services therefore compute the due time on the working calendar, the step deadlines, the timing
(early / on time / late from ``finished_at`` against ``due_at``), event and audit times and the
upload folders themselves, exactly as they would have; nothing is shifted afterwards. The
actions of all dossiers run in one global time order, so dossier codes (daily sequences) and the
register rows of form 07 are numbered in the order things happened. Each service call commits
on its own, as in production (with ``synchronous_commit`` off for this connection: it is demo
data, and it makes the load several times faster).

Idempotent: the plan is drawn from a fixed seed; if dossiers of the demo's applicants already
exist, nothing is created.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator
from typing import Any, TextIO

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from cqs.accounts.models import Role, User
from cqs.catalog.models import Procedure, ProcedureVersion
from cqs.core.calendar import WorkingCalendar
from cqs.core.errors import ApplicationError
from cqs.demo import people
from cqs.demo.accounts import CITIZENS
from cqs.demo.certificates import demo_certificates
from cqs.demo.clock import at
from cqs.demo.dossier_filing import filing_for, paper_pdf
from cqs.demo.dossier_people import Actors, demo_citizen_people, demo_citizens, demo_dossier_officials
from cqs.demo.dossier_plans import (
    COMMUNE_PROCEDURES,
    PARTIAL_STAND_INS,
    PROVINCIAL_PROCEDURES,
    Plan,
    plans_for,
    schedule,
    start_day,
    start_moment,
)
from cqs.dossiers import services
from cqs.dossiers.models import AuthMethod, Channel, Delivery, Dossier, DossierFile, Status

SEED = 2026

S = Status

REFUSE_REASONS = (
    "Thủ tục không thuộc thẩm quyền giải quyết của UBND phường; đề nghị nộp tại cơ quan có thẩm quyền.",
    "Người nộp không thuộc đối tượng được yêu cầu theo quy định.",
    "Hồ sơ đã được giải quyết trước đó (trùng hồ sơ).",
)
SUPPLEMENT = (
    (["Bản chụp Giấy chứng sinh rõ nét, đủ 2 mặt"], "Giấy tờ tải lên bị mờ, không đọc được nội dung."),
    (["Văn bản ủy quyền có chứng thực"], "Người nộp thay chưa có văn bản ủy quyền hợp lệ."),
    (["Trích lục bản đồ thửa đất", "Giấy tờ chứng minh nguồn gốc đất"], "Thiếu giấy tờ về nguồn gốc sử dụng đất."),
    (["Tờ khai có chữ ký của người yêu cầu"], "Tờ khai chưa ký."),
)
STOP_REASONS = (
    "Người yêu cầu không bổ sung hồ sơ theo thời hạn đã thông báo.",
    "Có tranh chấp về quyền sử dụng đất, đang được hòa giải tại cơ sở.",
    "Cơ quan có thẩm quyền có văn bản đề nghị tạm dừng để xác minh.",
)
WITHDRAW_REASONS = (
    "Tôi nộp nhầm thủ tục.",
    "Gia đình thay đổi kế hoạch, xin rút hồ sơ.",
    "Đã nộp lại hồ sơ khác đầy đủ hơn.",
)
RATING_COMMENTS = {
    5: ("Cán bộ hướng dẫn nhiệt tình, trả kết quả sớm.", "Nhanh, không phải đi lại nhiều lần.", ""),
    4: ("Thủ tục nhanh, chờ hơi lâu ở quầy.", ""),
    3: ("Phải bổ sung giấy tờ nhiều lần.", ""),
    2: ("Trả kết quả chậm so với hẹn.",),
    1: ("Chậm, không được báo trước.",),
}
RESULTS = {
    "1.001193": "Cấp Giấy khai sinh",
    "2.000815": "Chứng thực bản sao từ bản chính",
    "1.004873": "Cấp Giấy xác nhận tình trạng hôn nhân",
    "1.000894": "Cấp Giấy chứng nhận kết hôn",
    "1.000656": "Cấp Trích lục khai tử",
    "2.000720": "Cấp Giấy chứng nhận đăng ký hộ kinh doanh",
    "1.009994": "Cấp Giấy phép xây dựng",
    "1.012794": "Cấp Giấy chứng nhận quyền sử dụng đất",
    "1.004222": "Đăng ký tạm trú",
    "2.000488": "Cấp Phiếu lý lịch tư pháp",
    "1.012830": "Cung cấp thông tin, dữ liệu đất đai",
    "1.012815": "Cấp đổi Giấy chứng nhận quyền sử dụng đất",
}


def result_text(dossier: Dossier, procedure: str) -> str:
    """What the handler drafts for the electronic result (its {{ noi_dung_ket_qua }})."""
    outcome = RESULTS.get(procedure, "Giải quyết")
    return (
        f"{outcome} cho ông/bà {dossier.applicant_name}, số định danh {dossier.applicant_id_number}, "
        f"theo hồ sơ {dossier.code}. Hồ sơ đầy đủ, hợp lệ; đủ điều kiện giải quyết theo quy định."
    )


def _run(plan: Plan, action: str, moment: dt.datetime, actors: Actors, rng: random.Random) -> None:
    ref = Dossier(pk=plan.dossier_id)
    pk = plan.dossier_id or 0
    officer = actors.get(plan.receiving, Role.ONE_STOP_OFFICER)
    deciding = actors.by_agency[plan.deciding.pk]
    citizen = plan.applicant
    if action == "submit":
        assert citizen is not None
        plan.dossier_id = services.dossier_submit_online(
            applicant=citizen,
            filing=filing_for(plan, moment, rng),
            authenticated_by=AuthMethod.VNEID if citizen.vneid_subject else AuthMethod.PASSWORD,
        ).pk
    elif action == "receive":
        channel = Channel.POST if plan.by_post else Channel.IN_PERSON
        plan.dossier_id = services.dossier_receive_at_counter(
            officer=officer, filing=filing_for(plan, moment, rng), applicant=citizen, channel=channel
        ).pk
    elif action == "accept":
        services.dossier_accept(dossier=ref, actor=officer)
    elif action == "refuse":
        services.dossier_refuse(dossier=ref, actor=officer, reason=rng.choice(REFUSE_REASONS))
    elif action == "request_supplement":
        items, reason = rng.choice(SUPPLEMENT)
        actor = officer if plan.target == S.SUBMITTED else deciding[Role.SPECIALIST]
        services.dossier_request_supplement(
            dossier=ref,
            actor=actor,
            items=items,
            reason=reason,
            contact=f"{actor.full_name}, 0238 3844 {rng.randint(100, 999)}",
        )
    elif action == "answer_supplement":
        assert citizen is not None
        upload = paper_pdf("Giay to bo sung", plan.person.full_name)
        attachment = services.Attachment(required_document_id=None, name="Giấy tờ bổ sung", upload=upload)
        services.dossier_answer_supplement(
            dossier=ref, actor=citizen, attachments=[attachment], note="Đã bổ sung theo yêu cầu."
        )
    elif action == "withdraw":
        assert citizen is not None
        services.dossier_withdraw(dossier=ref, actor=citizen, reason=rng.choice(WITHDRAW_REASONS))
    elif action == "confirm_withdrawal":
        services.dossier_confirm_withdrawal(dossier=ref, actor=officer)
    elif action == "stop":
        services.dossier_stop(dossier=ref, actor=deciding[Role.LEADER], reason=rng.choice(STOP_REASONS))
    elif action == "request_payment":
        fee = Dossier.objects.values_list("fee_total", flat=True).get(pk=ref.pk) or 8000  # what was asked
        services.dossier_request_payment(
            dossier=ref, actor=deciding[Role.SPECIALIST], amount=fee, note="Nộp tại Bộ phận Một cửa hoặc trực tuyến."
        )
    elif action == "record_payment":
        services.dossier_record_payment(
            dossier=ref, actor=officer, receipt=f"BL-{moment:%y%m}-{rng.randint(1000, 9999)}"
        )
    elif action == "transfer":
        assert plan.transfer_to is not None
        services.dossier_transfer(
            dossier=ref,
            actor=deciding[Role.SPECIALIST],
            to_agency=plan.transfer_to,
            note="Đề nghị phối hợp xác minh, cho ý kiến theo quy trình liên thông.",
        )
    elif action == "transfer_return":
        assert plan.transfer_to is not None
        services.dossier_transfer_return(
            dossier=ref, actor=actors.get(plan.transfer_to, Role.SPECIALIST), note="Đã xác minh, thống nhất."
        )
    elif action == "draft_result":
        current = Dossier.objects.get(pk=pk)
        actor = actors.get(current.current_agency_id, current.current_role)
        services.dossier_result_draft(dossier=ref, actor=actor, content=result_text(current, plan.procedure))
    elif action == "forward":
        current = Dossier.objects.only("current_role", "current_agency").get(pk=pk)
        actor = actors.get(current.current_agency_id, current.current_role)
        services.dossier_forward(dossier=ref, actor=actor, note="Hồ sơ đủ điều kiện, trình bước tiếp theo.")
    elif action == "send_back":
        services.dossier_send_back(
            dossier=ref, actor=deciding[Role.LEADER], reason="Đề nghị kiểm tra lại thông tin trên tờ khai."
        )
    elif action == "approve":
        # A full-online procedure's last approval signs the electronic result (leader's and agency's signatures).
        services.dossier_approve(
            dossier=ref, actor=deciding[Role.LEADER], note="Đồng ý.", electronic_result=plan.full_online
        )
    elif action == "finish":
        # The last handler records the outcome; at the clerk's step, the clerk registers and issues the result:
        # the signed electronic one as it is, or the scan of the paper one.
        current = Dossier.objects.only("current_role", "current_agency", "code").get(pk=pk)
        summary = RESULTS.get(plan.procedure, "Đã giải quyết")
        signed = DossierFile.objects.filter(dossier_id=pk, source=DossierFile.Source.RESULT).exists()
        result = None if signed else paper_pdf(summary, current.code, plan.person.full_name)
        actor = actors.get(current.current_agency_id, current.current_role)
        services.dossier_finish(dossier=ref, actor=actor, summary=summary, result=result)
    elif action == "return_result":
        # A result approved without an electronic file (four-step processes) is handed over at the desk.
        has_file = DossierFile.objects.filter(dossier_id=pk, source=DossierFile.Source.RESULT).exists()
        delivery = None if has_file or not plan.online else Delivery.DESK
        services.dossier_return_result(dossier=ref, actor=officer, delivery=delivery)
    elif action == "rate":
        assert citizen is not None and plan.rating is not None
        comment = rng.choice(RATING_COMMENTS[plan.rating])
        services.dossier_rate(dossier=ref, actor=citizen, rating=plan.rating, comment=comment)
    else:  # pragma: no cover - a typo in _schedule
        raise ValueError(action)


def _timeline(plans: list[Plan]) -> Iterator[tuple[dt.datetime, Plan, str]]:
    items = [
        (moment, plan.index, order, plan, action)
        for plan in plans
        for order, (moment, action) in enumerate(plan.actions)
    ]
    items.sort(key=lambda item: (item[0], item[1], item[2]))
    for moment, _index, _order, plan, action in items:
        yield moment, plan, action


def demo_dossiers_seed(*, stdout: TextIO | Any = None, count: int | None = None) -> int:
    """Create the demo dossiers (once); returns how many were created (0 when they already exist).

    ``count`` defaults to ``settings.CQS_DEMO_DOSSIERS`` (1,500 unless the environment says otherwise).
    """
    if count is None:
        count = settings.CQS_DEMO_DOSSIERS
    rng = random.Random(SEED)  # noqa: S311 (made-up demo data)
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate(now)
    persons = demo_citizen_people(rng, today)
    # Idempotence: the applicants are the same every run (fixed seed, ages never depend on the day).
    ids = [c.citizen_id for c in CITIZENS] + [p.citizen_id for p in persons]
    if Dossier.objects.filter(applicant__citizen_id__in=ids).exists():
        return 0
    actors, places, _officials = demo_dossier_officials()
    # The leaders' and the agencies' certificates, valid since before the first dossier: full-online
    # procedures' results are signed at their approval.
    with at(now - dt.timedelta(days=400)):
        demo_certificates()
    citizen_users, _created = demo_citizens(persons)
    demo_users = []
    for spec in CITIZENS:
        user = User.objects.get(username=spec.citizen_id)
        demo_users.append(
            (
                people.Person(
                    spec.citizen_id,
                    spec.full_name,
                    spec.citizen_id[3] in "13",
                    spec.date_of_birth,
                    spec.address,
                    spec.phone,
                ),
                user,
            )
        )
    codes = [c for c, _w in (*COMMUNE_PROCEDURES, *PROVINCIAL_PROCEDURES, *PARTIAL_STAND_INS["provincial"])]
    versions: dict[str, ProcedureVersion] = {}
    for procedure in Procedure.objects.filter(code__in=codes).select_related("current_version__procedure"):
        version = procedure.current_version
        if version is not None:
            versions[procedure.code] = (
                ProcedureVersion.objects.filter(pk=version.pk)
                .select_related("procedure")
                .prefetch_related("documents", "fees", "form_fields", "process_steps")
                .get()
            )
    missing = sorted(set(codes) - set(versions))
    if missing:
        raise RuntimeError(f"Thiếu thủ tục trong danh mục mẫu: {', '.join(missing)}")
    plans = plans_for(
        count=count,
        rng=rng,
        today=today,
        places=places,
        versions=versions,
        demo_users=demo_users,
        citizens=[(p, citizen_users[p.citizen_id]) for p in persons],
    )
    calendar = WorkingCalendar()
    latest = now - dt.timedelta(minutes=5)
    for plan in plans:
        steps = sorted(plan.version.process_steps.all(), key=lambda s: s.position)
        day = start_day(plan, rng, today)
        start_value = rng.random()
        for _attempt in range(400):
            schedule(plan, start_moment(plan, day, start_value, calendar), steps, calendar)
            if plan.actions[-1][0] <= latest:
                break
            day -= dt.timedelta(days=1)
    created = 0
    started = time.monotonic()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), _fast_commits():
        for moment, plan, action in _timeline(plans):
            with at(moment):
                try:
                    _run(plan, action, moment, actors, rng)
                except ApplicationError as error:
                    raise RuntimeError(
                        f"Hồ sơ mẫu {plan.index} ({plan.procedure}, {action} lúc {moment:%d/%m/%Y %H:%M}): "
                        f"{error.message} {error.extra}"
                    ) from error
            if action in ("submit", "receive"):
                created += 1
                if stdout is not None and created % 250 == 0 and created < count:
                    stdout.write(f"      … {created}/{count} hồ sơ ({time.monotonic() - started:.0f} s)\n")
                    stdout.flush()
    return created


class _fast_commits:
    """``synchronous_commit = off`` for this connection while the demo loads (safe: demo data only)."""

    def __enter__(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")

    def __exit__(self, *exc: object) -> None:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
