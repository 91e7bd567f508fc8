"""Settings for the test suite and the checks of `make test`: the real settings, with a throwaway
secret key (DEBUG stays off, as in production) and static files served without a collected
manifest."""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "test-suite-only-not-a-secret-" + "x" * 40)

from .settings import *  # noqa: F403
from .settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
