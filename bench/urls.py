"""The production URLs plus ``/bench/trivial`` (never part of ``config.urls``)."""

from __future__ import annotations

from django.urls import path

from bench.views import trivial
from config.urls import urlpatterns as platform_urlpatterns

urlpatterns = [path("bench/trivial", trivial, name="bench_trivial"), *platform_urlpatterns]
