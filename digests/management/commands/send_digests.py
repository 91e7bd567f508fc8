"""manage.py send_digests [--dry-run] [--user NAME] [--now]: preview or send the digests that are due.

Without --dry-run it makes the due runs and sends them in this process, one
line per person and a count at the end; a digest the mail server could not
take for now is handed to the worker to retry. --dry-run writes nothing and
prints each due digest's plain text. --now treats every active subscription
as due now; a period's digest is still sent at most once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from claims import background
from digests import mailer, rendering, selectors, sending
from digests.models import DigestRun, EmailState

ORDER = (EmailState.SENT, EmailState.EMPTY, EmailState.FAILED, "retrying", "not sent again")


class Command(BaseCommand):
    help = "Send the email digests that are due (or, with --dry-run, print them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print each digest's text; send nothing")
        parser.add_argument("--user", action="append", default=[], help="Only this user (may be repeated)")
        parser.add_argument("--now", action="store_true", help="Treat every active subscription as due now")

    def handle(self, *args: Any, **options: Any) -> None:
        users: list[str] = options["user"]
        missing = sorted(set(users) - set(selectors.users_by_name(users)))
        if missing:
            raise CommandError(f"No user named {', '.join(missing)}.")
        if options["dry_run"]:
            self._preview(users=users, force=options["now"])
        else:
            self._send(users=users, force=options["now"])

    def _preview(self, *, users: list[str], force: bool) -> None:
        now = timezone.now()
        dues, made = sending.due_subscriptions(now=now, force=force, usernames=users)
        for due in made:
            self.stdout.write(f"{self._label(due)}: already made, would not be sent again")
        windows = sending.plan_windows(dues, now=now)
        for due in dues:
            user_id = due.subscription.user_id
            built = sending.build_for(user_id=user_id, kind=due.period.kind, window=windows[user_id], now=now)
            if built is None:
                continue
            digest, _ = built
            if digest.empty:
                self.stdout.write(f"{self._label(due)}: empty, nothing would be sent")
                continue
            self.stdout.write(f"=== {self._label(due)} to {digest.email}\nSubject: {digest.subject}\n")
            self.stdout.write(str(rendering.digest_message(digest).body))
        if not dues and not made:
            self.stdout.write("No digest is due.")

    def _send(self, *, users: list[str], force: bool) -> None:
        outcomes: dict[str, int] = {}
        for due in sending.do_make_runs(force=force, usernames=users):
            if due.run_id is None:
                outcome, line = "not sent again", "already made for this period, not sent again"
            else:
                try:
                    outcome = sending.do_send_digest(run_id=due.run_id)
                    line = self._describe(outcome, due.run_id)
                except mailer.TransientFailure as exc:
                    background.enqueue(sending.SEND_DIGEST, due.run_id)
                    outcome, line = "retrying", f"{exc.reason}; handed to the worker to retry"
            self.stdout.write(f"{self._label(due)}: {line}")
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if not outcomes:
            self.stdout.write("No digest is due.")
            return
        self.stdout.write(", ".join(f"{outcomes[o]} {o}" for o in ORDER if o in outcomes))

    @staticmethod
    def _label(due: sending.Due) -> str:
        return f"{due.username}: {due.period.kind} digest for {due.period.key}"

    @staticmethod
    def _describe(state: str, run_id: int) -> str:
        run = DigestRun.objects.get(pk=run_id)
        if state == EmailState.SENT:
            return f"sent, {run.items} item(s)"
        if state == EmailState.EMPTY:
            return "nothing to tell, not sent" + (f" ({run.error})" if run.error else "")
        return f"{state}: {run.error}"
