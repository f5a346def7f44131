"""URLs for the account page tests: the accounts app plus stand-ins for the other names base.html links to.

Keeps these tests independent of the other apps' pages (built at the same time); once those
are stable the tests can run on config.urls.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from cqs.accounts.models import Role
from cqs.accounts.permissions import official_required


def _stub(request: HttpRequest) -> HttpResponse:
    return HttpResponse("stub")


@official_required()
def official_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("official page")


@official_required(Role.ONE_STOP_OFFICER)
def desk_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("one-stop desk")


urlpatterns = [
    path("", include("cqs.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include(([path("", _stub, name="home"), path("thu-tuc/", _stub, name="procedures")], "portal"))),
    path("quan-ly/", include(([path("", _stub, name="manage")], "catalog"))),
    path("thu-nghiem/can-bo/", official_page, name="official_page"),
    path("thu-nghiem/mot-cua/", desk_page, name="desk_page"),
]
