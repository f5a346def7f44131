from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from config.api import api
from cqs.core.views import healthz

admin.site.__class__ = OTPAdminSite  # the admin login asks for the TOTP code too

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("quan-tri/django/", admin.site.urls),
    path("", include("cqs.administration.urls")),
    path("", include("cqs.accounts.urls")),
    path("", include("cqs.catalog.urls")),
    path("", include("cqs.notifications.urls")),
    path("", include("cqs.dossiers.urls_forms")),
    path("", include("cqs.desk.urls")),
    path("", include("cqs.documents.urls")),
    path("", include("cqs.signing.urls")),
    path("", include("cqs.portal.urls")),
]

if settings.DEBUG and settings.CQS_MEDIA_STORAGE == "filesystem":
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
