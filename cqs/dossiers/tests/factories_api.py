"""Calling the API in tests: one account's bearer token, and a client that speaks for it."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from cqs.accounts.services import api_token_issue

API = "/api/v1"


def bearer(user: Any) -> dict[str, str]:
    _token, raw = api_token_issue(user=user, name="kiểm thử", actor=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


class Caller:
    """A test client speaking for one account with its bearer token (anonymous with ``user=None``)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.client = Client()
        self.headers = bearer(user) if user is not None else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"{API}{path}", params, **self.headers)

    def post(self, path: str, body: Any = None, *, raw: str | bytes | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(f"{API}{path}", data=data, content_type="application/json", **self.headers)

    def multipart(self, path: str, payload: Any, files: list[Any] | None = None, field: str = "files") -> Any:
        data: dict[str, Any] = {"payload": payload if isinstance(payload, str) else json.dumps(payload)}
        if files:
            data[field] = files
        return self.client.post(f"{API}{path}", data=data, **self.headers)
