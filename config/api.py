"""The REST API (/api/v1/), its OpenAPI 3 schema (/api/schema/) and docs (/api/docs/)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer

from cqs.accounts.api.auth import api_auth
from cqs.catalog.api import router as catalog_router
from cqs.core.api import input_policy, parameter_errors
from cqs.core.errors import ApplicationError
from cqs.core.idempotency import idempotent_claim, idempotent_transaction, openapi_documented
from cqs.core.ratelimit import RateLimited
from cqs.documents.api import router as document_router
from cqs.dossiers.api import router as dossier_router


class UnicodeJSONRenderer(JSONRenderer):
    """Vietnamese text as UTF-8, not \\u escapes: half the bytes on a slow link."""

    json_dumps_params = {"ensure_ascii": False}


class PlatformAPI(NinjaAPI):
    """The API whose schema names the shared ``Idempotency-Key`` header on every write."""

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        openapi_documented(schema)
        return schema


api = PlatformAPI(
    title="Chính Quyền Số API",
    version="1",
    description=(
        "API của nền tảng Chính Quyền Số. Trình duyệt dùng phiên đăng nhập (cookie); "
        "hệ thống tích hợp dùng mã truy cập cấp cho tài khoản: `Authorization: Bearer <mã>`. "
        "Mọi thao tác ghi nhận tiêu đề `Idempotency-Key` để gửi lại an toàn khi mất kết nối."
    ),
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url="/docs/",
    auth=api_auth,
    renderer=UnicodeJSONRenderer(),
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request,
        {
            "code": "validation_failed",
            "message": "Dữ liệu gửi lên không hợp lệ.",
            "detail": {"errors": parameter_errors(list(exc.errors))},
        },
        status=422,
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "unauthenticated", "message": "Cần đăng nhập hoặc mã truy cập hợp lệ."}, status=401
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403 and str(exc) == "CSRF check Failed":
        payload = {"code": "csrf_failed", "message": "Thiếu hoặc sai mã chống giả mạo (CSRF) của phiên đăng nhập."}
    else:
        payload = {"code": "http_error", "message": str(exc)}
    return api.create_response(request, payload, status=exc.status_code)


# Every write sent with an Idempotency-Key runs once (cqs.core.idempotency): one transaction around the
# operation keeps its answer; the key is claimed once the caller is known and the input policy passed.
api.add_decorator(idempotent_transaction, mode="view")
api.add_decorator(idempotent_claim, mode="operation")
# One input policy for every operation of every router (cqs.core.api): NUL, NaN, infinity, over-long or
# too deeply nested input is refused with 422 before the handler runs.
api.add_decorator(input_policy, mode="operation")

api.add_router("/v1/", catalog_router)
api.add_router("/v1/", dossier_router)
api.add_router("/v1/", document_router)
