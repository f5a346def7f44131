"""The project's URLs plus two pages guarded by ``official_required``, for the decorator's tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from cqs.accounts.models import Role
from cqs.accounts.permissions import official_required


@official_required()
def official_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("official page")


@official_required(Role.ONE_STOP_OFFICER)
def desk_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("one-stop desk")


urlpatterns = [
    path("thu-nghiem/can-bo/", official_page, name="official_page"),
    path("thu-nghiem/mot-cua/", desk_page, name="desk_page"),
    *project_urlpatterns,
]
