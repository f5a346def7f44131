"""The edXML exchange: the endpoint partners post to (/lien-thong/…) and the clerk's pending inbox (/van-ban/…)."""

from django.urls import URLPattern, path

from cqs.documents.exchange import views

urlpatterns: list[URLPattern] = [
    path("lien-thong/edxml/", views.edxml_receive, name="edxml_receive"),
    path("van-ban/cho-tiep-nhan/", views.exchange_pending, name="exchange_pending"),
    path("van-ban/cho-tiep-nhan/<int:pk>/", views.exchange_package, name="exchange_package"),
    path("van-ban/cho-tiep-nhan/<int:pk>/tep/<int:index>/", views.exchange_package_file, name="exchange_package_file"),
    path("van-ban/cho-tiep-nhan/<int:pk>/tiep-nhan/", views.exchange_accept, name="exchange_accept"),
    path("van-ban/cho-tiep-nhan/<int:pk>/tu-choi/", views.exchange_refuse, name="exchange_refuse"),
    path("van-ban/cho-tiep-nhan/lay-lai/<int:pk>/", views.exchange_recall_answer, name="exchange_recall_answer"),
]
