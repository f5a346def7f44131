from django.urls import path

from cqs.notifications import views

app_name = "notifications"
urlpatterns = [
    path("thong-bao/", views.inbox, name="inbox"),
    path("thong-bao/<int:pk>/da-doc/", views.mark_read, name="mark_read"),
]
