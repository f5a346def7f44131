"""Registers (/van-ban/so/…)."""

from django.urls import URLPattern, path

from cqs.documents.registers import views

urlpatterns: list[URLPattern] = [
    path("van-ban/so/den/", views.register_incoming, name="register_incoming"),
    path("van-ban/so/di/", views.register_outgoing, name="register_outgoing"),
]
