"""Full-text search (/van-ban/tra-cuu/)."""

from django.urls import URLPattern, path

from cqs.documents.search import views

urlpatterns: list[URLPattern] = [
    path("van-ban/tra-cuu/", views.search, name="search"),
]
