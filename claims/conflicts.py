"""Figure conflicts a reviewer has looked at: dismissed with a reason, recorded, out of the priority.

A figure conflict links two claims about the same quantity whose figures
differ for what the matcher read as the same period. When a reviewer finds
that both can be right, they dismiss the link with a reason from a small set
(different periods, measures or subjects, or their own words). The link
stays, shown as dismissed; it no longer adds the conflict part to either
claim's priority nor marks them in the queue; and each claim's audit trail
records who dismissed it and why. Nothing learns from the reasons yet: they
are kept, per link and in the event log, so that a later matcher can.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from . import roles, workflow
from .actors import Actor
from .errors import Conflict, InvalidInput, NotFound
from .events import EventType, record_event
from .models import Claim, ClaimEvent, ClaimLink
from .stats import do_refresh_claim_stats

Dismissal = ClaimLink.Dismissal
NOTE_MAX = 2000


def check_dismissal(*, reason: str, note: str) -> str:
    """The reviewer's words, checked: a reason from the set, and words of their own with "other"."""
    if reason not in Dismissal.values:
        choices = ", ".join(Dismissal.values)
        message = f"reason must be one of {choices}."
        raise InvalidInput(message, data={"fields": {"reason": [message]}})
    note = " ".join(note.split())
    if reason == Dismissal.OTHER and not note:
        message = "Say in a few words why the figures do not conflict."
        raise InvalidInput(message, data={"fields": {"note": [message]}})
    if len(note) > NOTE_MAX:
        message = f"note is longer than {NOTE_MAX} characters."
        raise InvalidInput(message, data={"fields": {"note": [message]}})
    return note


def do_dismiss_conflict(
    *, claim_id: int, link_id: int, reason: str, note: str = "", actor: Actor
) -> ClaimEvent:
    """Dismiss the figure conflict ``link_id`` of claim ``claim_id``; returns the event on that claim.

    Both claims get an event (their audit trails show it) and their priorities
    are recomputed without the conflict, in the same transaction.
    """
    workflow.check_role(actor=actor, role=roles.REVIEWER, doing="dismiss a figure conflict")
    note = check_dismissal(reason=reason, note=note)
    label = Dismissal(reason).label
    with transaction.atomic():
        link = (
            ClaimLink.objects.select_for_update()
            .filter(Q(from_claim_id=claim_id) | Q(to_claim_id=claim_id), pk=link_id)
            .first()
        )
        if link is None:
            workflow.access_claim(claim_id=claim_id)
            raise NotFound(f"Claim {claim_id} has no link {link_id}.")
        if link.kind != ClaimLink.Kind.FIGURE_CONFLICT:
            raise Conflict(f"Link {link_id} is not a figure conflict ({link.get_kind_display().lower()}).")
        if link.dismissal:
            raise Conflict(
                f"This conflict was already dismissed: {link.get_dismissal_display().lower()}.",
                data={"dismissal": link.dismissal},
            )
        ClaimLink.objects.filter(pk=link.pk).update(resolved=True, dismissal=reason, note=note)
        other_id = link.to_claim_id if link.from_claim_id == claim_id else link.from_claim_id
        claims = Claim.objects.in_bulk([claim_id, other_id])
        told = note if reason == Dismissal.OTHER else label.lower()
        data = {"link": link.pk, "dismissal": reason, "dismissal_label": told, "note": note}
        why = f"{label}: {note}" if note else label
        event = record_event(
            EventType.CONFLICT_DISMISSED,
            claim=claims[claim_id],
            actor=actor,
            reason=why,
            data={**data, "other": other_id},
        )
        record_event(
            EventType.CONFLICT_DISMISSED,
            claim=claims[other_id],
            actor=actor,
            reason=why,
            data={**data, "other": claim_id, "event": event.pk},
        )
        do_refresh_claim_stats(claim_ids=[claim_id, other_id])
    return event
