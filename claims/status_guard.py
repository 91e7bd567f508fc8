"""Only the review workflow writes a claim's status.

``claims/workflow.py`` holds ``status_writes()`` while it runs its
compare-and-set; a bulk write of ``status`` anywhere else (``update()``,
``bulk_update()``, a ``**fields`` splat included) raises StatusWriteRefused.
Writes spelled out in the source (``create(status=...)``, ``claim.status = ...``)
are found by a scan in tests/test_workflow.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models

# Set while claims/workflow.py writes a claim's status; see ClaimQuerySet.
_status_writer: ContextVar[bool] = ContextVar("claim_status_writer", default=False)


@contextmanager
def status_writes() -> Iterator[None]:
    """The review workflow's permission to write ``Claim.status`` in bulk (claims/workflow.py only)."""
    token = _status_writer.set(True)
    try:
        yield
    finally:
        _status_writer.reset(token)


class StatusWriteRefused(Exception):
    """A write to a claim's status outside the review workflow."""


class ClaimQuerySet(models.QuerySet[Any]):
    """Refuses ``update(status=...)`` and ``bulk_update(..., ["status"])`` outside the workflow, so a
    status change always goes through its compare-and-set and writes its event, however the
    fields are spelled (a ``**updates`` splat included)."""

    def update(self, **kwargs: Any) -> int:
        if "status" in kwargs and not _status_writer.get():
            raise StatusWriteRefused("A claim's status changes only through claims.workflow.")
        return super().update(**kwargs)

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        self.refuse_status_write(fields)
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def refuse_status_write(self, fields: Any) -> None:
        """Raise unless ``status`` is left alone or the workflow writes it (claims.bulk asks too)."""
        if "status" in fields and not _status_writer.get():
            raise StatusWriteRefused("A claim's status changes only through claims.workflow.")
