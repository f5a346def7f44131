"""What every API error looks like (``ApplicationError.as_dict`` and the handlers in config/api.py),
and the request reading every API router shares: bodies, multipart parts, service refusals as 422.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic import Field as PydanticField

from cqs.core.errors import ApplicationError, ValidationFailed

M = TypeVar("M", bound=BaseModel)
ErrorsOf = Callable[[ValidationError], list[dict[str, str]]]


class ErrorOut(Schema):
    code: str = PydanticField(description="Mã lỗi cho máy đọc.")
    message: str = PydanticField(description="Thông báo lỗi bằng tiếng Việt.")
    detail: dict[str, Any] | None = PydanticField(
        None, description="Chi tiết, ví dụ danh sách lỗi theo từng trường hoặc từng vị trí."
    )


class Unprocessable(ApplicationError):
    """A body or parameter we cannot use (422)."""

    code = "validation_failed"
    status = 422


class TooLarge(ApplicationError):
    code = "too_large"
    status = 413


class BadRequest(ApplicationError):
    code = "bad_request"
    status = 400


class StrictBody(BaseModel):
    """A request body that refuses unknown fields and trims its strings."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def api_actor(request: HttpRequest) -> Any:
    """The account behind the request: the bearer token's user, else the session's."""
    auth = getattr(request, "auth", None)
    return auth if auth not in (None, True) else request.user


def pydantic_errors(error: ValidationError, messages: Mapping[str, str]) -> list[dict[str, str]]:
    """Pydantic's errors as [{"field": "a.0.b", "message": "…"}], worded from ``messages`` by error type."""
    result = []
    for item in error.errors():
        template = messages.get(item.get("type", ""), "Giá trị không hợp lệ.")
        try:
            message = template.format(**item.get("ctx", {}))
        except (KeyError, IndexError):
            message = template
        result.append({"field": ".".join(str(p) for p in item.get("loc", ())) or "body", "message": message})
    return result


def body_validate(schema: type[M], data: Any, *, errors: ErrorsOf) -> M:
    if not isinstance(data, dict):
        raise Unprocessable(_("Dữ liệu gửi lên phải là một đối tượng JSON."))
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        raise Unprocessable(_("Dữ liệu gửi lên không hợp lệ."), extra={"errors": errors(error)}) from error


def json_parse(raw: bytes | str) -> Any:
    """A JSON document; an empty one reads as {}."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise Unprocessable(_("Dữ liệu gửi lên không phải JSON hợp lệ."), code="invalid_json") from error


def json_body(request: HttpRequest, schema: type[M], *, errors: ErrorsOf) -> M:
    try:
        raw = request.body
    except RequestDataTooBig as error:
        raise TooLarge(_("Yêu cầu quá lớn.")) from error
    return body_validate(schema, json_parse(raw), errors=errors)


def multipart_files(request: HttpRequest, *fields: str) -> tuple[str | None, list[list[UploadedFile]]]:
    """The ``payload`` part (raw, None when absent) and the files of each named part, in order."""
    try:
        return request.POST.get("payload"), [request.FILES.getlist(field) for field in fields]
    except RequestDataTooBig as error:
        raise TooLarge(_("Yêu cầu quá lớn.")) from error
    except (MultiPartParserError, SuspiciousOperation) as error:
        raise BadRequest(_("Không đọc được dữ liệu multipart/form-data gửi lên.")) from error


def multipart_payload(raw: str | None, schema: type[M], *, errors: ErrorsOf) -> M:
    """The JSON ``payload`` part of a multipart body, required."""
    if raw is None:
        raise Unprocessable(
            _("Thiếu phần payload (JSON) trong dữ liệu multipart/form-data."),
            extra={"errors": [{"field": "payload", "message": _("Thiếu trường bắt buộc.")}]},
        )
    return body_validate(schema, json_parse(raw), errors=errors)


def service_run(service: Callable[..., Any], **kwargs: Any) -> Any:
    """Call the service; its input refusals become 422 like the schema's own."""
    try:
        return service(**kwargs)
    except ValidationFailed as error:
        raise Unprocessable(error.message, code=error.code, extra=error.extra) from error
