from django.urls import path

from cqs.portal import views, views_dossiers

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="procedures"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure"),
    path("thu-tuc/<str:code>/mau/<int:document_id>/", views.document_template, name="document_template"),
    path("ho-so-cua-toi/<str:code>/", views_dossiers.dossier_detail, name="dossier"),
]
