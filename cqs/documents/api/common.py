"""What the incoming and outgoing documents endpoints share: bounds, the wording of body errors, people and files."""

from __future__ import annotations

from typing import Any, TypeVar

from django.http import HttpRequest
from ninja import Schema
from pydantic import BaseModel, ValidationError

from cqs.core.api import Unprocessable, json_body, pydantic_errors
from cqs.documents.models import DocumentFile

MAX_PAGE_SIZE = 100
MAX_ID = 2**31 - 1

M = TypeVar("M", bound=BaseModel)

# Pydantic's error types, worded in Vietnamese for the caller (``{…}`` from the error's context).
MESSAGES = {
    "missing": "Thiếu trường bắt buộc.",
    "string_too_long": "Dài quá {max_length} ký tự.",
    "string_type": "Phải là chuỗi ký tự.",
    "int_type": "Phải là số nguyên.",
    "int_parsing": "Phải là số nguyên.",
    "bool_type": "Phải là true hoặc false.",
    "bool_parsing": "Phải là true hoặc false.",
    "greater_than_equal": "Phải lớn hơn hoặc bằng {ge}.",
    "less_than_equal": "Phải nhỏ hơn hoặc bằng {le}.",
    "literal_error": "Phải là một trong: {expected}.",
    "date_from_datetime_parsing": "Ngày phải viết theo dạng yyyy-mm-dd.",
    "date_parsing": "Ngày phải viết theo dạng yyyy-mm-dd.",
    "date_type": "Ngày phải viết theo dạng yyyy-mm-dd.",
    "list_type": "Phải là một danh sách.",
    "too_long": "Danh sách quá dài.",
    "extra_forbidden": "Trường này không được nhận.",
}


def errors(error: ValidationError) -> list[dict[str, str]]:
    return pydantic_errors(error, MESSAGES)


def body(request: HttpRequest, schema: type[M]) -> M:
    """The request's JSON body checked against ``schema``; a bad one is a 422 naming each field."""
    return json_body(request, schema, errors=errors)


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
        "url": url,
    }
