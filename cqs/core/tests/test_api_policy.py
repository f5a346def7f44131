"""One input policy for every API router (cqs.core.api.input_policy): the same bad inputs, the same answer.

The endpoints are called by path, signed in as a citizen: the policy runs before any handler, so the
caller's rights do not matter (a caller without rights is refused the same way, and learns nothing).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cqs.core.models import AuditEvent

# (method, path, how the body is sent): every router of /api/v1/ (catalog, dossiers, documents in and out).
ENDPOINTS = [
    ("post", "/api/v1/catalog/import", "json"),
    ("post", "/api/v1/dossiers", "multipart"),
    ("post", "/api/v1/counter/dossiers", "multipart"),
    ("post", "/api/v1/dossiers/000.00.00.H40-251207-0001/accept", "json"),
    ("post", "/api/v1/dossiers/000.00.00.H40-251207-0001/apologise", "json"),
    ("post", "/api/v1/dossiers/000.00.00.H40-251207-0001/supplement", "multipart"),
    ("post", "/api/v1/documents/incoming", "multipart"),
    ("post", "/api/v1/documents/incoming/1/direct", "json"),
    ("post", "/api/v1/documents/incoming/1/comment", "json"),
    ("post", "/api/v1/documents/outgoing", "json"),
    ("put", "/api/v1/documents/outgoing/1", "json"),
]
QUERIES = ["/api/v1/procedures", "/api/v1/dossiers", "/api/v1/documents/incoming", "/api/v1/documents/outgoing"]

# Raw JSON documents that break the policy, and the field and message the answer names.
BAD_BODIES = {
    "nul": ('{"subject": "Công văn\\u0000"}', "subject", "Chứa ký tự NUL (\\u0000), không được phép."),
    "nul_in_key": ('{"a\\u0000": 1}', "a\x00", "Chứa ký tự NUL (\\u0000), không được phép."),
    "nan": ('{"number": NaN}', "body", "Phải là một số hữu hạn (không nhận NaN, Infinity)."),
    "infinity": ('{"number": Infinity}', "body", "Phải là một số hữu hạn (không nhận NaN, Infinity)."),
    "minus_infinity": ('{"number": [-Infinity]}', "body", "Phải là một số hữu hạn (không nhận NaN, Infinity)."),
    "overflowing_float": ('{"number": 1e400}', "number", "Phải là một số hữu hạn (không nhận NaN, Infinity)."),
    "huge_integer": ('{"copies": 1000000000000000000000000000000}', "copies", "Số quá lớn (tối đa 2^53 − 1)."),
    "lone_surrogate": ('{"name": "\\ud800"}', "name", "Chứa ký tự Unicode không hợp lệ (nửa cặp thay thế)."),
    "long_string": (json.dumps({"note": "a" * 100_001}), "note", "Dài quá 100.000 ký tự."),
    "too_deep": ('{"x": ' + "[" * 40 + "]" * 40 + "}", "x" + ".0" * 32, "Lồng quá 32 tầng."),
}


@pytest.fixture
def caller(client: Any, citizen: Any) -> Any:
    client.force_login(citizen)
    return client


def _send(client: Any, method: str, path: str, how: str, raw: str) -> Any:
    if how == "json":
        return getattr(client, method)(path, data=raw, content_type="application/json")
    return getattr(client, method)(path, data={"payload": raw})


def _assert_refused(response: Any, field: str, message: str, *, code: str = "input_refused") -> None:
    assert response.status_code == 422, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert body["message"] == "Dữ liệu gửi lên không hợp lệ."
    assert body["detail"]["errors"] == [{"field": field, "message": message}]


@pytest.mark.django_db
@pytest.mark.parametrize("bad", sorted(BAD_BODIES))
@pytest.mark.parametrize(("method", "path", "how"), ENDPOINTS)
def test_every_router_refuses_the_same_bad_bodies(caller: Any, method: str, path: str, how: str, bad: str) -> None:
    raw, field, message = BAD_BODIES[bad]
    before = AuditEvent.objects.count()
    _assert_refused(_send(caller, method, path, how, raw), field, message)
    assert AuditEvent.objects.count() == before  # nothing changed


@pytest.mark.django_db
@pytest.mark.parametrize("path", QUERIES)
def test_every_router_refuses_the_same_bad_queries(caller: Any, path: str) -> None:
    long_query = caller.get(path, {"q": "a" * 2_001})
    if path == "/api/v1/documents/outgoing":  # its schema bounds q to 200 before the policy runs: the same shape
        _assert_refused(long_query, "q", "Dài quá 200 ký tự.", code="validation_failed")
    else:
        _assert_refused(long_query, "q", "Dài quá 2.000 ký tự.")
    _assert_refused(caller.get(path, {"k" * 2_001: "1"}), "k" * 40, "Dài quá 2.000 ký tự.")
    nul = caller.get(f"{path}?q=a%00b")
    assert nul.status_code == 400 and nul.json() == {
        "code": "input_refused",
        "message": "Địa chỉ yêu cầu chứa ký tự không hợp lệ.",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "how"), [e for e in ENDPOINTS if e[2] == "multipart"])
def test_multipart_text_parts_are_held_to_the_policy(caller: Any, method: str, path: str, how: str) -> None:
    response = getattr(caller, method)(path, data={"payload": "{}", "note": "x\x00"})
    _assert_refused(response, "note", "Chứa ký tự NUL (\\u0000), không được phép.")


@pytest.mark.django_db
def test_good_input_still_reaches_the_handler(caller: Any) -> None:
    """The policy refuses only what breaks it: a clean body goes on to the handler (here: not found, 404)."""
    response = caller.post(
        "/api/v1/documents/incoming/999999/comment",
        data=json.dumps({"text": "Đề nghị xử lý gấp; số 1.5, 1e3 và -0 là số hữu hạn."}),
        content_type="application/json",
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_json_checked_walks_every_value() -> None:
    from cqs.core.api import Unprocessable, json_checked

    assert json_checked({"a": [1, 2.5, None, True, {"b": "Việt Nam"}]}) == {
        "a": [1, 2.5, None, True, {"b": "Việt Nam"}]
    }
    with pytest.raises(Unprocessable) as caught:
        json_checked({"a": [{"b": ["ok", float("nan")]}]})
    assert caught.value.extra["errors"] == [
        {"field": "a.0.b.1", "message": "Phải là một số hữu hạn (không nhận NaN, Infinity)."}
    ]


def test_json_with_too_many_values_is_refused(monkeypatch: Any) -> None:
    from cqs.core import api

    monkeypatch.setattr(api, "JSON_MAX_ITEMS", 1_000)
    assert api.json_parse(json.dumps([0] * 998)) == [0] * 998
    with pytest.raises(api.Unprocessable) as caught:
        api.json_parse(json.dumps([0] * 1_000))
    assert caught.value.extra["errors"] == [{"field": "body", "message": "Quá nhiều giá trị (tối đa 1.000)."}]
