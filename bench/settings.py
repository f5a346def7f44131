"""Settings of the benchmark server: the platform's settings plus a trivial reference view."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
