"""Incoming documents (văn bản đến): /van-ban/den/…"""

from django.urls import URLPattern, path

from cqs.documents.incoming import views

urlpatterns: list[URLPattern] = [
    path("van-ban/den/", views.incoming_list, name="incoming_list"),
    path("van-ban/den/vao-so/", views.incoming_register, name="incoming_register"),
    path("van-ban/den/<int:pk>/", views.incoming_detail, name="incoming_detail"),
    path("van-ban/den/<int:pk>/tep/<int:file_id>/", views.incoming_file, name="incoming_file"),
    path("van-ban/den/<int:pk>/phieu-giai-quyet.pdf", views.incoming_slip_pdf, name="incoming_slip_pdf"),
    path("van-ban/den/<int:pk>/xu-ly/<slug:action>/", views.incoming_act, name="incoming_act"),
]
