"""manage.py snapshot_evidence [--missing] [--retry-failed]: archive evidence links now, in the foreground."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from snapshots import archive
from snapshots.models import EvidenceSnapshot


class Command(BaseCommand):
    help = (
        "Take the pending evidence snapshots here and now and print each outcome. --missing first adds "
        "snapshots for evidence that has none (added before snapshots existed); --retry-failed tries "
        "failed ones again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--missing", action="store_true", help="Also archive evidence that has no snapshot"
        )
        parser.add_argument("--retry-failed", action="store_true", help="Try failed snapshots again")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["missing"]:
            self.stdout.write(f"{len(archive.do_snapshot_missing())} evidence item(s) had no snapshot.")
        if options["retry_failed"]:
            self.stdout.write(f"{len(archive.do_reset_failed())} failed snapshot(s) will be tried again.")
        pending = list(
            EvidenceSnapshot.objects.filter(state=EvidenceSnapshot.State.PENDING)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        if not pending:
            self.stdout.write("No pending snapshots.")
            return
        failed = 0
        for snapshot_id in pending:
            snapshot = archive.do_take_snapshot(snapshot_id=snapshot_id)
            if snapshot is None:
                continue
            url = snapshot.evidence.url
            if snapshot.state == EvidenceSnapshot.State.DONE:
                self.stdout.write(f"evidence {snapshot.evidence_id} {url}: archived ({snapshot.sha256[:12]})")
            else:
                failed += snapshot.state == EvidenceSnapshot.State.FAILED
                self.stdout.write(f"evidence {snapshot.evidence_id} {url}: {snapshot.state} {snapshot.error}")
        if failed == len(pending):
            raise CommandError(f"Every snapshot failed ({failed}); see the reasons above.")
