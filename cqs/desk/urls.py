from django.urls import path

from cqs.desk import views, views_actions, views_awaiting, views_counter, views_dashboard, views_results

app_name = "desk"

urlpatterns = [
    path("mot-cua/", views.worklist, name="worklist"),
    path("cho-toi-ky/", views_awaiting.awaiting_me, name="awaiting_me"),
    path("mot-cua/tiep-nhan/", views_counter.counter, name="counter"),
    path("mot-cua/bao-cao/", views_dashboard.dashboard, name="dashboard"),
    path("mot-cua/ho-so/<str:code>/", views.dossier, name="dossier"),
    path("mot-cua/ho-so/<str:code>/giay-to/<int:file_id>/", views.dossier_file, name="file"),
    path("mot-cua/ho-so/<str:code>/xu-ly/<slug:action>/", views_actions.act, name="act"),
    path("mot-cua/ho-so/<str:code>/ket-qua-du-thao/", views_results.result_preview, name="result_preview"),
]
