"""The OpenAPI document of the dossier API: every endpoint described in Vietnamese, no key named twice."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cqs.dossiers.tests.factories_api import ACTIONS, API

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("officials_without_totp")]


# ---------------------------------------------------------------- the OpenAPI document


def test_openapi_schema_lists_every_endpoint_in_vietnamese(client: Any) -> None:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    expected = {
        ("post", f"{API}/dossiers"),
        ("get", f"{API}/dossiers"),
        ("get", f"{API}/dossiers/{{code}}"),
        ("get", f"{API}/dossiers/{{code}}/files/{{file_id}}"),
        ("get", f"{API}/dossiers/lookup/{{code}}"),
        ("post", f"{API}/counter/dossiers"),
        ("post", f"{API}/dossiers/{{code}}/supplement"),
        ("post", f"{API}/dossiers/{{code}}/finish"),
    } | {("post", f"{API}/dossiers/{{code}}/{a[0]}") for a in ACTIONS}
    for method, path in expected:
        operation = paths[path][method]
        assert operation["tags"] == ["Hồ sơ"], path
        assert operation["summary"] and not operation["summary"].isascii(), path
        assert operation["description"], path
    apologise = paths[f"{API}/dossiers/{{code}}/apologise"]["post"]
    body = apologise["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["required"]) == {"reason", "new_due_date"} and "dd/mm/yyyy" in str(body)
    submit = paths[f"{API}/dossiers"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert set(submit["properties"]) == {"payload", "files"} and "required_document_id" in str(submit)
    assert "409" in paths[f"{API}/dossiers/{{code}}/accept"]["post"]["responses"]
    assert client.get("/api/docs/").status_code == 200


def test_the_openapi_document_names_no_key_twice(client: Any) -> None:
    """A download's PDF answer was described twice (200 and "200"), which documentation viewers refuse."""
    repeated: list[list[str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        if len(keys) != len(set(keys)):
            repeated.append(keys)
        return dict(items)

    json.loads(client.get("/api/schema/").content, object_pairs_hook=pairs)
    assert repeated == []
    receipt = client.get("/api/schema/").json()["paths"][f"{API}/dossiers/{{code}}/receipt"]["get"]
    assert "application/pdf" in receipt["responses"]["200"]["content"]
