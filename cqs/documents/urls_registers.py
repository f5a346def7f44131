"""Registers (/van-ban/so/…), full-text search (/van-ban/tra-cuu/) and work files (/van-ban/ho-so/…)."""

from django.urls import URLPattern, path

from cqs.documents import views_registers as views

urlpatterns: list[URLPattern] = [
    path("van-ban/so/den/", views.register_incoming, name="register_incoming"),
    path("van-ban/so/di/", views.register_outgoing, name="register_outgoing"),
    path("van-ban/tra-cuu/", views.search, name="search"),
    path("van-ban/ho-so/", views.workfiles, name="workfiles"),
    path("van-ban/ho-so/<int:pk>/", views.workfile_detail, name="workfile_detail"),
    path("van-ban/ho-so/<int:pk>/<slug:action>/", views.workfile_act, name="workfile_act"),
]
