"""Printed forms 01–07: ``path("", include("cqs.dossiers.urls_forms"))`` in config/urls.py."""

from django.urls import path

from cqs.dossiers import views_forms

app_name = "dossier_forms"

urlpatterns = [
    path("ho-so/<str:code>/mau/<str:form>.pdf", views_forms.dossier_form, name="form"),
    path("so-theo-doi/<str:agency_code>.pdf", views_forms.register, name="register"),
]
