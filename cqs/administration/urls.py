from django.urls import path

from cqs.administration import views, views_accounts, views_documents

app_name = "administration"
urlpatterns = [
    path("quan-tri/", views.index, name="index"),
    path("bat-dau/", views.landing, name="landing"),
    path("quan-tri/lich-lam-viec/", views.calendar_page, name="calendar"),
    path("quan-tri/tai-khoan-can-bo/", views_accounts.official_accounts, name="official_accounts"),
    path("quan-tri/lich-lam-viec/<str:day>/xoa/", views.calendar_day_delete, name="calendar_day_delete"),
    path("quan-tri/van-ban/", views_documents.documents_setup, name="documents_setup"),
    path("quan-tri/van-ban/con-dau.png", views_documents.documents_seal_image, name="documents_seal_image"),
    path("quan-tri/tac-vu-loi/", views.failed_jobs, name="failed_jobs"),
    path("quan-tri/tac-vu-loi/<int:job_id>/chay-lai/", views.failed_job_retry, name="failed_job_retry"),
    path("quan-tri/lien-thong/", views_documents.exchange_partners, name="exchange_partners"),
]
