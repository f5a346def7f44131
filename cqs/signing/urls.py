from django.urls import path

from cqs.signing import views

app_name = "signing"

urlpatterns = [
    path("xac-thuc/", views.verify, name="verify"),
    path("xac-thuc/<str:code>/", views.verify_code, name="verify_code"),
    path("xac-thuc/<str:code>/tai-ve/", views.verify_download, name="verify_download"),
]
