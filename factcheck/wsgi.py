"""WSGI entry point for gunicorn and ``manage.py runserver``."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from .checks import static_files_problem

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

application = get_wsgi_application()

# Fail at start, not on the first page: with DEBUG off the dashboard needs collected static files.
if problem := static_files_problem():
    raise ImproperlyConfigured(problem)
