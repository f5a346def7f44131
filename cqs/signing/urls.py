from django.urls import path

from cqs.signing import views, views_appearance

app_name = "signing"

urlpatterns = [
    path("xac-thuc/", views.verify, name="verify"),
    path("xac-thuc/<str:code>/", views.verify_code, name="verify_code"),
    path("xac-thuc/<str:code>/tai-ve/", views.verify_download, name="verify_download"),
    path("chu-ky-so/", views_appearance.my_signature, name="my_signature"),
    path("chu-ky-so/anh.png", views_appearance.my_signature_image, name="my_signature_image"),
]
