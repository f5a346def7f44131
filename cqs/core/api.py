"""What every API error looks like (``ApplicationError.as_dict`` and the handlers in config/api.py),
the input policy every API router is held to, and the request reading they share: bodies,
multipart parts, Vietnamese validation messages, service refusals as 422.

The input policy (``input_policy``, applied to every operation of the API by config/api.py, and
``json_parse``): no NUL character or lone surrogate anywhere (PostgreSQL cannot store them), no NaN
or infinity and no integer beyond ±2^53 (JSON numbers other programs read the same), no string
longer than ``JSON_MAX_STRING`` nor query value longer than ``QUERY_MAX_LENGTH``, no JSON nested
deeper than ``JSON_MAX_DEPTH`` or holding more than ``JSON_MAX_ITEMS`` values. What breaks it is
refused with 422 (413 when the body is too large), in the standard error shape, before any
handler runs; the schemas then bound each field more tightly.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic import Field as PydanticField

from cqs.core.errors import ApplicationError, ValidationFailed
from cqs.core.forms import DATE_MAX, DATE_MIN, date_in_range

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


# ---------------------------------------------------------------- the input policy

JSON_MAX_DEPTH = 32
JSON_MAX_ITEMS = 1_000_000
JSON_MAX_STRING = 100_000
JSON_MAX_INTEGER = 2**53 - 1
QUERY_MAX_LENGTH = 2_000
_SURROGATE = re.compile("[\ud800-\udfff]")


def _text_problem(text: str, *, limit: int) -> str | None:
    if "\x00" in text:
        return _("Chứa ký tự NUL (\\u0000), không được phép.")
    if _SURROGATE.search(text):
        return _("Chứa ký tự Unicode không hợp lệ (nửa cặp thay thế).")
    if len(text) > limit:
        return _("Dài quá %(limit)s ký tự.") % {"limit": f"{limit:,}".replace(",", ".")}
    return None


def _refuse(field: str, message: str) -> Unprocessable:
    return Unprocessable(
        _("Dữ liệu gửi lên không hợp lệ."),
        code="input_refused",
        extra={"errors": [{"field": field, "message": message}]},
    )


def json_checked(value: Any) -> Any:
    """``value`` (parsed JSON) when it keeps the input policy; else ``Unprocessable`` naming the first place."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    seen = 0
    while stack:
        item, path, depth = stack.pop()
        seen += 1
        where = path or "body"
        if seen > JSON_MAX_ITEMS:
            raise _refuse(
                "body", _("Quá nhiều giá trị (tối đa %(n)s).") % {"n": f"{JSON_MAX_ITEMS:,}".replace(",", ".")}
            )
        if depth > JSON_MAX_DEPTH:
            raise _refuse(where, _("Lồng quá %(n)s tầng.") % {"n": JSON_MAX_DEPTH})
        if isinstance(item, str):
            problem = _text_problem(item, limit=JSON_MAX_STRING)
            if problem:
                raise _refuse(where, problem)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if abs(item) > JSON_MAX_INTEGER:
                raise _refuse(where, _("Số quá lớn (tối đa 2^53 − 1)."))
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise _refuse(where, _("Phải là một số hữu hạn (không nhận NaN, Infinity)."))
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = _text_problem(key, limit=JSON_MAX_STRING)
                if problem:
                    raise _refuse(f"{path}.{key[:40]}" if path else key[:40], problem)
                stack.append((child, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(item, list):
            stack.extend(
                (child, f"{path}.{index}" if path else str(index), depth + 1) for index, child in enumerate(item)
            )
    return value


def _constant_refused(name: str) -> Any:
    raise _refuse("body", _("Phải là một số hữu hạn (không nhận NaN, Infinity)."))


def json_parse(raw: bytes | str) -> Any:
    """A JSON document held to the input policy; an empty one reads as {}."""
    if not raw.strip():
        return {}
    try:
        parsed = json.loads(raw, parse_constant=_constant_refused)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise Unprocessable(_("Dữ liệu gửi lên không phải JSON hợp lệ."), code="invalid_json") from error
    return json_checked(parsed)


def _request_json(request: HttpRequest) -> Any:
    """The request's JSON body, parsed and checked once (``input_policy`` keeps it on the request)."""
    cached = getattr(request, "_cqs_json", None)
    if cached is not None:
        return cached
    try:
        raw = request.body
    except RequestDataTooBig as error:
        raise TooLarge(_("Yêu cầu quá lớn.")) from error
    parsed = json_parse(raw)
    request._cqs_json = parsed  # type: ignore[attr-defined]
    return parsed


def input_policy(view: Callable[..., Any]) -> Callable[..., Any]:
    """Hold an API operation's whole input to the policy before the handler runs (query, JSON body, multipart)."""

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        for key, values in request.GET.lists():
            for value in [key, *values]:
                problem = _text_problem(value, limit=QUERY_MAX_LENGTH)
                if problem:
                    raise _refuse(key[:40], problem)
        if request.content_type == "multipart/form-data":
            multipart_files(request)  # parsed here, its errors in the standard shape
            for key, values in request.POST.lists():
                problem = _text_problem(key, limit=JSON_MAX_STRING)
                if problem:
                    raise _refuse(key[:40], problem)
                for value in values:
                    if key == "payload":
                        json_parse(value)
                    elif problem := _text_problem(value, limit=JSON_MAX_STRING):
                        raise _refuse(key[:40], problem)
            for key, uploads in request.FILES.lists():
                for upload in uploads:
                    problem = _text_problem(upload.name or "", limit=1_000)
                    if problem:
                        raise _refuse(key[:40], problem)
        elif request.method in {"POST", "PUT", "PATCH", "DELETE"}:
            _request_json(request)
        return view(request, *args, **kwargs)

    return checked


# ---------------------------------------------------------------- Vietnamese validation messages

# Pydantic's error types in Vietnamese, for every API (``ctx`` values fill the braces).
VALIDATION_MESSAGES = {
    "missing": "Thiếu trường bắt buộc.",
    "extra_forbidden": "Trường này không được phép.",
    "string_type": "Phải là chuỗi ký tự.",
    "string_too_long": "Dài quá {max_length} ký tự.",
    "string_too_short": "Không được để trống.",
    "int_type": "Phải là số nguyên.",
    "int_parsing": "Phải là số nguyên.",
    "int_from_float": "Phải là số nguyên.",
    "int_parsing_size": "Số quá lớn.",
    "float_type": "Phải là một số.",
    "float_parsing": "Phải là một số.",
    "finite_number": "Phải là một số hữu hạn (không nhận NaN, Infinity).",
    "greater_than": "Phải lớn hơn {gt}.",
    "greater_than_equal": "Phải từ {ge} trở lên.",
    "less_than": "Phải nhỏ hơn {lt}.",
    "less_than_equal": "Phải không quá {le}.",
    "bool_type": "Phải là true hoặc false.",
    "bool_parsing": "Phải là true hoặc false.",
    "literal_error": "Phải là một trong: {expected}.",
    "enum": "Phải là một trong: {expected}.",
    "list_type": "Phải là danh sách.",
    "too_short": "Cần ít nhất {min_length} mục.",
    "too_long": "Tối đa {max_length} mục.",
    "dict_type": "Phải là đối tượng JSON.",
    "model_type": "Phải là đối tượng JSON.",
    "model_attributes_type": "Phải là đối tượng JSON.",
    "date_from_datetime_parsing": "Nhập ngày dạng dd/mm/yyyy hoặc yyyy-mm-dd.",
    "date_from_datetime_inexact": "Nhập ngày dạng dd/mm/yyyy hoặc yyyy-mm-dd.",
    "date_parsing": "Nhập ngày dạng dd/mm/yyyy hoặc yyyy-mm-dd.",
    "date_type": "Nhập ngày dạng dd/mm/yyyy hoặc yyyy-mm-dd.",
}
# ``ValueError`` texts raised by the platform's own validators, in Vietnamese.
VALUE_ERRORS = {
    "control_characters": "Chứa ký tự điều khiển không hợp lệ.",
    "date_invalid": "Nhập ngày dạng dd/mm/yyyy hoặc yyyy-mm-dd, ví dụ 05/09/2025.",
    "date_out_of_range": f"Ngày phải trong khoảng {DATE_MIN:%d/%m/%Y}–{DATE_MAX:%d/%m/%Y}.",
}


def _message(item: Mapping[str, Any], value_errors: Mapping[str, str]) -> str:
    kind = item.get("type", "")
    if kind == "value_error":
        text = str(item.get("ctx", {}).get("error", ""))
        return value_errors.get(text) or VALUE_ERRORS.get(text) or "Giá trị không hợp lệ."
    template = VALIDATION_MESSAGES.get(kind, "Giá trị không hợp lệ.")
    try:
        return template.format(**item.get("ctx", {}))
    except (KeyError, IndexError):
        return template


def errors_worded(errors: list[Any], value_errors: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """Pydantic's error dicts as [{"field": "a.0.b", "message": "…"}] in Vietnamese.

    ``value_errors`` words an app's own validators' ``ValueError`` texts (besides ``VALUE_ERRORS``).
    """
    words = value_errors or {}
    return [
        {"field": ".".join(str(p) for p in item.get("loc", ())) or "body", "message": _message(item, words)}
        for item in errors
    ]


def pydantic_errors(error: ValidationError, value_errors: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    return errors_worded(list(error.errors()), value_errors)


def parameter_errors(errors: list[Any]) -> list[dict[str, str]]:
    """Django Ninja's errors of query, path and body parameters, worded like the others (without "query.")."""
    return errors_worded([{**item, "loc": tuple(item.get("loc", ()))[1:]} for item in errors])


# ---------------------------------------------------------------- bounded input types


def _api_date(value: Any) -> Any:
    """dd/mm/yyyy as well as ISO 8601 (yyyy-mm-dd)."""
    if isinstance(value, str):
        text = value.strip()
        match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
        try:
            if match:
                day, month, year = (int(part) for part in match.groups())
                return dt.date(year, month, day)
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return dt.date.fromisoformat(text)
        except ValueError as error:
            raise ValueError("date_invalid") from error
        raise ValueError("date_invalid")
    return value


def _date_bounded(value: dt.date) -> dt.date:
    if not date_in_range(value):
        raise ValueError("date_out_of_range")
    return value


# A date of any API body: dd/mm/yyyy or yyyy-mm-dd, within DATE_MIN..DATE_MAX.
ApiDate = Annotated[dt.date, BeforeValidator(_api_date), AfterValidator(_date_bounded)]


def body_validate(schema: type[M], data: Any, *, errors: ErrorsOf = pydantic_errors) -> M:
    if not isinstance(data, dict):
        raise Unprocessable(_("Dữ liệu gửi lên phải là một đối tượng JSON."))
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        raise Unprocessable(_("Dữ liệu gửi lên không hợp lệ."), extra={"errors": errors(error)}) from error


def json_body(request: HttpRequest, schema: type[M], *, errors: ErrorsOf = pydantic_errors) -> M:
    return body_validate(schema, _request_json(request), errors=errors)


def multipart_files(request: HttpRequest, *fields: str) -> tuple[str | None, list[list[UploadedFile]]]:
    """The ``payload`` part (raw, None when absent) and the files of each named part, in order."""
    try:
        return request.POST.get("payload"), [request.FILES.getlist(field) for field in fields]
    except RequestDataTooBig as error:
        raise TooLarge(_("Yêu cầu quá lớn.")) from error
    except (MultiPartParserError, SuspiciousOperation) as error:
        raise BadRequest(_("Không đọc được dữ liệu multipart/form-data gửi lên.")) from error


def multipart_payload(raw: str | None, schema: type[M], *, errors: ErrorsOf = pydantic_errors) -> M:
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
