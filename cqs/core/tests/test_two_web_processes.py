"""Two real web processes (gunicorn) on one database share their limits, throttles and numbers (docs/deploy.md).

Nothing that must be global lives in a process's memory: the public look-up's rate limit and the
login throttle are rows in PostgreSQL, numbers come from ``core.Sequence``, the cache is a table.
With two workers beside them: ``cqs/dossiers/tests/test_web_and_workers.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.cache import cache

from cqs.core.tests.processes import ROOT, platform_processes, processes_env
from cqs.core.tests.test_sequences import agencies

pytestmark = pytest.mark.django_db(transaction=True)

LOOKUP_LIMIT = 4
FAILURES_ALLOWED = 3
BAD = "Tên đăng nhập hoặc mật khẩu không đúng."
THROTTLED = "Vui lòng thử lại sau"


@pytest.fixture
def process_env(tmp_path: Path) -> dict[str, str]:
    return processes_env(
        tmp_path, CQS_LOOKUP_RATE_PER_MINUTE=str(LOOKUP_LIMIT), LOGIN_FAILURE_LIMIT=str(FAILURES_ALLOWED)
    )


@pytest.fixture
def web(process_env: dict[str, str], tmp_path: Path) -> Iterator[list[str]]:
    """Two gunicorn processes, as on two machines behind a load balancer; their base URLs."""
    with platform_processes(process_env, tmp_path) as platform:
        yield platform.urls


def _within_one_minute() -> None:
    """Fixed one-minute windows: start early enough in a minute for the whole check to fall in it."""
    second = time.time() % 60
    if second > 40:
        time.sleep(61 - second)


def test_the_public_lookup_limit_is_counted_once_for_every_process(web: list[str]) -> None:
    _within_one_minute()
    lookups = [
        requests.get(f"{web[n % 2]}/tra-cuu-ho-so/", params={"ma": f"000.00.01.H40-261207-{n:04d}"}, timeout=30)
        for n in range(LOOKUP_LIMIT + 2)
    ]
    # Two each on both processes pass; the fifth, whichever process takes it, is the caller's fifth.
    assert [r.status_code for r in lookups] == [200] * LOOKUP_LIMIT + [429, 429]
    assert int(lookups[-1].headers["Retry-After"]) <= 60


def _login(session: requests.Session, url: str, username: str) -> str:
    page = session.get(f"{url}/dang-nhap/", timeout=30).text
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    answer = session.post(
        f"{url}/dang-nhap/",
        data={"csrfmiddlewaretoken": found.group(1), "username": username, "password": "sai-mat-khau"},
        headers={"Referer": f"{url}/dang-nhap/"},
        timeout=60,
    )
    return answer.text


def test_the_login_throttle_holds_for_the_account_and_address_on_every_process(web: list[str]) -> None:
    session = requests.Session()
    answers = [_login(session, web[n % 2], "nguoi_bi_doan") for n in range(FAILURES_ALLOWED + 1)]
    assert all(BAD in text for text in answers[:FAILURES_ALLOWED])
    # The failures on both processes add up: the next try waits, on either process.
    assert THROTTLED in answers[-1]
    assert THROTTLED in _login(session, web[0], "nguoi_bi_doan")
    # Another account from the same address is not held back by the first one's failures.
    assert BAD in _login(session, web[1], "nguoi_khac")


SEQUENCE_TAKER = """
import time
from django.db import transaction
from cqs.core.sequences import sequence_next
for _ in range({count}):
    with transaction.atomic():
        print(sequence_next(scope="shared_test", agency_id={agency}, period="2026"), flush=True)
        time.sleep(0.01)
"""


def test_two_processes_take_gap_free_numbers_without_duplicates(process_env: dict[str, str]) -> None:
    (agency,) = agencies(1)
    count = 25
    script = SEQUENCE_TAKER.format(count=count, agency=agency)
    takers = [
        subprocess.Popen(  # noqa: S603 (our own manage.py)
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
            cwd=ROOT,
            env=process_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs: list[Any] = [taker.communicate(timeout=300) for taker in takers]
    assert [taker.returncode for taker in takers] == [0, 0], [err for _out, err in outputs]
    numbers = [[int(line) for line in out.split()] for out, _err in outputs]
    assert all(len(taken) == count and taken == sorted(taken) for taken in numbers)
    assert sorted(numbers[0] + numbers[1]) == list(range(1, 2 * count + 1))


def test_what_one_process_caches_the_other_sees_and_forgets(process_env: dict[str, str]) -> None:
    cache.set("shared_test", "from the test process", 60)
    script = "from django.core.cache import cache; print(cache.get('shared_test')); cache.delete('shared_test')"
    done = subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=process_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "from the test process", done.stderr
    assert cache.get("shared_test") is None
