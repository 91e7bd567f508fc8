"""Same input, same output: also across processes with different string-hash seeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import hashlib
from claims.extraction import extract
body = '''Russian President Vladimir Putin met Chinese leader Xi Jinping in Moscow on Thursday.
“We are partners. We are not aimed against anyone,” Putin said.
Bilateral trade hit a record $245 billion in 2024, up 68% from 2021, according to Chinese customs data.
Xi said China would “resolutely defend” its interests, adding that more than two dozen leaders would attend.
Subscribe now for unlimited access!
Share this story'''
print(hashlib.sha256(repr(extract(body)).encode()).hexdigest())
"""


def _run(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_output_does_not_depend_on_the_hash_seed() -> None:
    assert _run("1") == _run("2")
