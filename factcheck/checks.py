"""Start-up checks: a production server that cannot serve its pages refuses to start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks


def static_files_problem() -> str | None:
    """Why the dashboard's static files cannot be served, or None.

    With DEBUG off, static files are served from STATIC_ROOT by their hashed
    names (the manifest written by collectstatic); without the manifest every
    dashboard page would be a 500.
    """
    backend = str(settings.STORAGES.get("staticfiles", {}).get("BACKEND", ""))
    if settings.DEBUG or "Manifest" not in backend:
        return None
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        return None
    return (
        f"Static files are not collected ({manifest} is missing): run "
        "`python manage.py collectstatic --noinput` before starting the server "
        "(the Docker image does it when it is built)."
    )


@checks.register(checks.Tags.staticfiles, deploy=True)
def check_static_files(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    problem = static_files_problem()
    return [checks.Error(problem, id="factcheck.E001")] if problem else []
