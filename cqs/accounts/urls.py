from django.urls import URLPattern, path

from cqs.accounts.views import counter, login, passwords, profile, registration, totp

app_name = "accounts"
urlpatterns: list[URLPattern] = [
    path("dang-nhap/", login.login_view, name="login"),
    path("dang-nhap/ma-xac-thuc/", login.totp_verify_view, name="totp_verify"),
    path("dang-nhap/vneid/", login.vneid_start_view, name="vneid_start"),
    path("dang-nhap/vneid/callback/", login.vneid_callback_view, name="vneid_callback"),
    path("dang-xuat/", login.logout_view, name="logout"),
    path("dang-ky/", registration.register_view, name="register"),
    path("dang-ky/doanh-nghiep/", registration.register_business_view, name="register_business"),
    path("dang-ky/xac-nhan/", registration.register_confirm_view, name="register_confirm"),
    path("quen-mat-khau/", passwords.password_forgot_view, name="password_forgot"),
    path("dat-lai-mat-khau/", passwords.password_reset_view, name="password_reset"),
    path("tai-khoan/", profile.profile_view, name="profile"),
    path("tai-khoan/doi-mat-khau/", passwords.password_change_view, name="password_change"),
    path("tai-khoan/xac-thuc-hai-lop/", totp.totp_setup_view, name="totp_setup"),
    path("tai-khoan/ma-truy-cap/", profile.api_tokens_view, name="api_tokens"),
    path("mot-cua/xac-minh-tai-khoan/", counter.identity_counter_view, name="identity_counter"),
]
