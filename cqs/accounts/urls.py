from django.urls import URLPattern, path

from cqs.accounts import views

app_name = "accounts"
urlpatterns: list[URLPattern] = [
    path("dang-nhap/", views.login_view, name="login"),
    path("dang-nhap/ma-xac-thuc/", views.totp_verify_view, name="totp_verify"),
    path("dang-nhap/vneid/", views.vneid_start_view, name="vneid_start"),
    path("dang-nhap/vneid/callback/", views.vneid_callback_view, name="vneid_callback"),
    path("dang-xuat/", views.logout_view, name="logout"),
    path("dang-ky/", views.register_view, name="register"),
    path("tai-khoan/", views.profile_view, name="profile"),
    path("tai-khoan/xac-thuc-hai-lop/", views.totp_setup_view, name="totp_setup"),
    path("tai-khoan/ma-truy-cap/", views.api_tokens_view, name="api_tokens"),
]
