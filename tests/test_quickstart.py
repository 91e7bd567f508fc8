"""The quickstart's database: `make run` migrates a fresh SQLite file and ingests the seeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{database}", FACTCHECK_REQUIRE_SERVICES="0")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_fresh_sqlite_database_migrates_and_takes_the_seed_articles(tmp_path: Path) -> None:
    database = tmp_path / "quickstart.sqlite3"
    migrated = _manage("migrate", "--noinput", database=database)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    ingested = _manage("ingest", "seeds/", database=database)
    assert ingested.returncode == 0, ingested.stderr[-2000:]
    assert "Ingested 5 of 5 files." in ingested.stdout
