"""What the incoming and outgoing documents endpoints share: bounds, people and files."""

from __future__ import annotations

from typing import Any, TypeVar

from django.http import HttpRequest
from ninja import Schema
from pydantic import BaseModel

from cqs.core.api import Unprocessable, json_body
from cqs.documents.models import DocumentFile

MAX_PAGE_SIZE = 100
MAX_ID = 2**31 - 1

M = TypeVar("M", bound=BaseModel)


def body(request: HttpRequest, schema: type[M]) -> M:
    """The request's JSON body checked against ``schema``; a bad one is a 422 naming each field."""
    return json_body(request, schema)


def field_error(field: str, message: str) -> Unprocessable:
    return Unprocessable(message, extra={"errors": [{"field": field, "message": message}]})


def in_range(*ids: int) -> bool:
    """Whether every id can be a row's (else the answer is "not found", never a database error)."""
    return all(1 <= value <= MAX_ID for value in ids)


class PersonOut(Schema):
    id: int
    full_name: str


def person(user: Any) -> dict[str, Any] | None:
    return {"id": user.pk, "full_name": user.full_name} if user is not None else None


class FileOut(Schema):
    id: int
    kind: str
    version: int
    name: str
    content_type: str
    size: int
    sha256: str
    page_count: int | None
    text_problem: str
    text_pending: bool  # the text, pages and places are still to be read by the background worker
    url: str


def file_out(item: DocumentFile, *, url: str) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "version": item.version,
        "name": item.name,
        "content_type": item.content_type,
        "size": item.size,
        "sha256": item.sha256,
        "page_count": item.page_count,
        "text_problem": item.text_problem,
        "text_pending": item.text_pending,
        "url": url,
    }
