"""The project's URLs plus a page that fails and a file download, for the security headers' tests."""

import io

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def download(request: HttpRequest) -> FileResponse:
    return FileResponse(io.BytesIO(b"%PDF-1.7 test"), as_attachment=True, filename="ket-qua.pdf")


urlpatterns = [
    path("thu-nghiem/loi/", fails),
    path("thu-nghiem/tai-ve/", download),
    *project_urlpatterns,
]
