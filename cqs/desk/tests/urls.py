"""The project's URLs with the desk's, for tests run before config/urls.py includes them."""

from django.urls import include, path

from config import urls as project

urlpatterns = list(project.urlpatterns)
if not any(getattr(p, "namespace", None) == "desk" for p in urlpatterns):
    urlpatterns.insert(0, path("", include("cqs.desk.urls")))
