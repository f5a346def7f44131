"""Outgoing documents (văn bản đi): /van-ban/di/…"""

from django.urls import URLPattern, path

from cqs.documents.outgoing import views

urlpatterns: list[URLPattern] = [
    path("van-ban/di/", views.outgoing_list, name="outgoing_list"),
    path("van-ban/di/soan-moi/", views.outgoing_create, name="outgoing_create"),
    path("van-ban/di/noi-nhan/", views.outgoing_recipients, name="outgoing_recipients"),
    path("van-ban/di/<int:pk>/", views.outgoing_detail, name="outgoing_detail"),
    path("van-ban/di/<int:pk>/sua/", views.outgoing_edit, name="outgoing_edit"),
    path("van-ban/di/<int:pk>/tep/<int:file_id>/", views.outgoing_file, name="outgoing_file"),
    path("van-ban/di/<int:pk>/xu-ly/<slug:action>/", views.outgoing_act, name="outgoing_act"),
]
