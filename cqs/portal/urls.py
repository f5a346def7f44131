from django.urls import path

from cqs.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="procedures"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure"),
]
