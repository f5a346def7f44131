"""Work files (/van-ban/ho-so/…)."""

from django.urls import URLPattern, path

from cqs.documents.workfiles import views

urlpatterns: list[URLPattern] = [
    path("van-ban/ho-so/", views.workfiles, name="workfiles"),
    path("van-ban/ho-so/<int:pk>/", views.workfile_detail, name="workfile_detail"),
    path("van-ban/ho-so/<int:pk>/<slug:action>/", views.workfile_act, name="workfile_act"),
]
