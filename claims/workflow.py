"""The review workflow: the one state machine every claim's status goes through.

::

    new ──take / assign──▶ in_review ──propose──▶ awaiting_approval ──approve──▶ verified | disputed
                           in_review ──decide (second review off)────────────▶ verified | disputed
                           awaiting_approval ──reject──▶ in_review
                           in_review ──release──▶ new
    new, in_review, awaiting_approval ──dismiss──▶ dismissed
    verified, disputed, dismissed ──reopen──▶ new (default) | in_review

The table is data (``TRANSITIONS`` and ``MIN_ROLE``) so that tests, the API and
the dashboard read the same rules. Every change is a compare-and-set on
(id, status, version): a writer that lost a race updates 0 rows and gets a
Conflict carrying the claim's current state, never a silent overwrite. Each
change writes exactly one event in the same transaction; side effects
(priority, webhooks, digests) read the event log (``claims.events``).

Decisions the API documents:

- ``take_next`` first hands a reviewer back the claim they already hold in
  review, so a retried request never takes a second claim and nobody hoards
  the queue; only then does it take the highest-priority ``new`` claim.
- Bulk actions report an outcome per id: each claim is its own transaction,
  so one claim that moved meanwhile does not undo the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from . import roles
from .actors import Actor
from .errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from .events import EventType, record_event
from .models import Claim, ClaimEvent, Verdict
from .status_guard import status_writes

if TYPE_CHECKING:
    from datetime import datetime

    from django.contrib.auth.models import User


class Action(StrEnum):
    TAKE = "take"
    ASSIGN = "assign"
    RELEASE = "release"
    PROPOSE = "propose"
    DECIDE = "decide"
    APPROVE = "approve"
    REJECT = "reject"
    DISMISS = "dismiss"
    REOPEN = "reopen"


Status = Claim.Status

# (from status, action) -> the statuses it may lead to; the first one is the default.
TRANSITIONS: dict[tuple[str, Action], tuple[str, ...]] = {
    (Status.NEW, Action.TAKE): (Status.IN_REVIEW,),
    (Status.NEW, Action.ASSIGN): (Status.IN_REVIEW,),
    (Status.IN_REVIEW, Action.ASSIGN): (Status.IN_REVIEW,),
    (Status.IN_REVIEW, Action.RELEASE): (Status.NEW,),
    # With REQUIRE_SECOND_REVIEW a verdict is proposed; without it, decided at once.
    (Status.IN_REVIEW, Action.PROPOSE): (Status.AWAITING_APPROVAL,),
    (Status.IN_REVIEW, Action.DECIDE): (Status.VERIFIED, Status.DISPUTED),
    (Status.AWAITING_APPROVAL, Action.APPROVE): (Status.VERIFIED, Status.DISPUTED),
    (Status.AWAITING_APPROVAL, Action.REJECT): (Status.IN_REVIEW,),
    (Status.NEW, Action.DISMISS): (Status.DISMISSED,),
    (Status.IN_REVIEW, Action.DISMISS): (Status.DISMISSED,),
    (Status.AWAITING_APPROVAL, Action.DISMISS): (Status.DISMISSED,),
    (Status.VERIFIED, Action.REOPEN): (Status.NEW, Status.IN_REVIEW),
    (Status.DISPUTED, Action.REOPEN): (Status.NEW, Status.IN_REVIEW),
    (Status.DISMISSED, Action.REOPEN): (Status.NEW, Status.IN_REVIEW),
}

# The least role that may perform each action; every role includes the ones below it.
MIN_ROLE: dict[Action, str] = {
    Action.TAKE: roles.REVIEWER,
    Action.ASSIGN: roles.EDITOR,
    Action.RELEASE: roles.REVIEWER,
    Action.PROPOSE: roles.REVIEWER,
    Action.DECIDE: roles.REVIEWER,
    Action.APPROVE: roles.EDITOR,
    Action.REJECT: roles.EDITOR,
    Action.DISMISS: roles.EDITOR,
    Action.REOPEN: roles.EDITOR,
}

# Work on a claim in review belongs to its assignee; an editor may step in.
ASSIGNEE_ONLY: frozenset[Action] = frozenset({Action.RELEASE, Action.PROPOSE, Action.DECIDE})

# The event each transition writes: the audit trail reads as a story.
EVENTS: dict[Action, EventType] = {
    Action.TAKE: EventType.TAKEN,
    Action.ASSIGN: EventType.ASSIGNED,
    Action.RELEASE: EventType.RELEASED,
    Action.PROPOSE: EventType.VERDICT_PROPOSED,
    Action.DECIDE: EventType.VERDICT_PUBLISHED,
    Action.APPROVE: EventType.VERDICT_APPROVED,
    Action.REJECT: EventType.VERDICT_REJECTED,
    Action.DISMISS: EventType.DISMISSED,
    Action.REOPEN: EventType.REOPENED,
}

BULK_ACTIONS: tuple[Action, ...] = (Action.DISMISS, Action.ASSIGN, Action.REOPEN)
BULK_MAX_IDS = 200
# How many claims the queue may lose to concurrent reviewers before /next/ gives up.
TAKE_ATTEMPTS = 20
QUEUE_ORDER = ("-priority", "-id")


def sources(action: Action) -> list[str]:
    """The statuses an action can start from, in status order."""
    return [status for status in Status.values if (status, action) in TRANSITIONS]


def current_state(claim: Claim) -> dict[str, Any]:
    """What a client needs to retry after a Conflict."""
    return {
        "claim": {
            "id": claim.pk,
            "status": claim.status,
            "version": claim.version,
            "assignee": claim.assignee.get_username() if claim.assignee else None,
        }
    }


# --- Checks


def access_claim(*, claim_id: int) -> Claim:
    claim = Claim.objects.select_related("assignee").filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(f"Claim {claim_id} does not exist.")
    return claim


def check_role(*, actor: Actor, role: str, doing: str) -> None:
    if not actor.has_role(role):
        held = actor.role or "no role"
        raise Forbidden(
            f"Only a {role} or above may {doing}; {actor.user.get_username()} has {held}.",
            data={"required_role": role},
        )


def check_transition(
    *, claim: Claim, action: Action, actor: Actor, version: int | None, to: str | None = None
) -> str:
    """Refuse a transition the actor's role, the claim's status or its version does not allow.

    Returns the status the transition leads to.
    """
    check_role(actor=actor, role=MIN_ROLE[action], doing=f"{action} a claim")
    if claim.merged_into_id is not None:
        raise Conflict(
            f"Claim {claim.pk} was merged into claim {claim.merged_into_id}: work on that claim instead.",
            data={**current_state(claim), "merged_into": claim.merged_into_id},
        )
    targets = TRANSITIONS.get((claim.status, action))
    if targets is None:
        allowed = ", ".join(sources(action))
        raise Conflict(
            f"Cannot {action} claim {claim.pk} while it is {claim.status}; "
            f"{action} is allowed from: {allowed}.",
            data=current_state(claim),
        )
    if version is not None and version != claim.version:
        raise Conflict(
            f"Claim {claim.pk} has changed: you sent version {version}, it is at version "
            f"{claim.version} ({claim.status}). Reload it and try again.",
            data=current_state(claim),
        )
    if not _may_work_on(claim=claim, action=action, actor=actor):
        holder = claim.assignee.get_username() if claim.assignee else "nobody"
        raise Forbidden(f"Claim {claim.pk} is assigned to {holder}; only they or an editor may {action} it.")
    target = to or targets[0]
    if target not in targets:
        raise InvalidInput(f"{action} leads to {' or '.join(targets)}, not {to!r}.")
    return target


def check_reason(*, reason: str, doing: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput(f"Give a reason for {doing}; it goes into the audit trail.")
    return reason


def available_actions(*, claim: Claim, actor: Actor) -> set[Action]:
    """What the actor may do with the claim now, for showing only the buttons that work."""
    allowed = set()
    for action in Action:
        if (claim.status, action) not in TRANSITIONS or not actor.has_role(MIN_ROLE[action]):
            continue
        if _may_work_on(claim=claim, action=action, actor=actor):
            allowed.add(action)
    return allowed


def _may_work_on(*, claim: Claim, action: Action, actor: Actor) -> bool:
    return action not in ASSIGNEE_ONLY or actor.has_role(roles.EDITOR) or claim.assignee_id == actor.user.pk


# --- The compare-and-set


def apply_transition(
    *,
    claim: Claim,
    action: Action,
    actor: Actor,
    target: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
    updates: dict[str, Any] | None = None,
) -> ClaimEvent:
    """Move a checked claim to ``target`` if nobody changed it since it was read.

    ``claim`` is the instance ``check_transition`` accepted; on success it is
    updated in memory to what was written.
    """
    now = timezone.now()
    updates = {**(updates or {}), **in_review_since(target, now)}
    source = claim.status
    with transaction.atomic(), status_writes():
        changed = Claim.objects.filter(
            pk=claim.pk, status=source, version=claim.version, merged_into__isnull=True
        ).update(status=target, version=F("version") + 1, updated_at=now, **updates)
        if not changed:
            current = access_claim(claim_id=claim.pk)
            raise Conflict(
                f"Claim {claim.pk} changed while you were working on it: it is now {current.status} "
                f"at version {current.version}. Reload it and try again.",
                data=current_state(current),
            )
        event = record_event(
            EVENTS[action],
            claim=claim,
            from_status=source,
            to_status=target,
            actor=actor,
            reason=reason,
            data={"action": str(action), **(data or {})},
        )
    claim.status = target
    claim.version += 1
    for name, value in updates.items():
        setattr(claim, name, value)
    return event


def in_review_since(target: str, now: datetime) -> dict[str, Any]:
    """``Claim.in_review_since`` for a claim moving to ``target``: now when it goes into review (taken,
    assigned, reopened to review or sent back), kept while it awaits approval, cleared otherwise."""
    if target == Status.IN_REVIEW:
        return {"in_review_since": now}
    if target == Status.AWAITING_APPROVAL:
        return {}
    return {"in_review_since": None}


# --- Transitions that need nothing but the claim


def do_take_next(*, actor: Actor) -> Claim | None:
    """Hand the reviewer a claim to work on, or None when the queue is empty.

    The reviewer's own claim in review comes first. Otherwise the highest-priority
    ``new`` claim is taken; on PostgreSQL the candidate row is locked with
    SKIP LOCKED, so concurrent reviewers each get a different claim without
    waiting. Where the database has no SKIP LOCKED, a lost compare-and-set
    moves on to the next candidate.
    """
    check_role(actor=actor, role=MIN_ROLE[Action.TAKE], doing="take claims from the queue")
    lost: list[int] = []
    for _ in range(TAKE_ATTEMPTS):
        with transaction.atomic():
            # One take at a time per reviewer: a double-clicked button waits here, then finds
            # the claim the first click took instead of taking a second one.
            get_user_model().objects.select_for_update().filter(pk=actor.user.pk).first()
            held = _held_by(actor)
            if held is not None:
                return held
            candidate = _queue_head(exclude=lost)
            if candidate is None:
                return None
            try:
                apply_transition(
                    claim=candidate,
                    action=Action.TAKE,
                    actor=actor,
                    target=Status.IN_REVIEW,
                    updates={"assignee": actor.user},
                    data={"assignee": actor.user.get_username()},
                )
            except Conflict:
                lost.append(candidate.pk)
                continue
            return candidate
    raise Conflict("The queue is busy: other reviewers took every claim tried. Try again.")


def _held_by(actor: Actor) -> Claim | None:
    return (
        Claim.objects.filter(status=Status.IN_REVIEW, assignee=actor.user, merged_into__isnull=True)
        .select_related("assignee")
        .order_by(*QUEUE_ORDER)
        .first()
    )


def do_take(*, claim_id: int, version: int | None, actor: Actor) -> Claim:
    """The reviewer takes one particular new claim, chosen from the queue rather than the next in line."""
    with transaction.atomic():
        claim = access_claim(claim_id=claim_id)
        target = check_transition(claim=claim, action=Action.TAKE, actor=actor, version=version)
        apply_transition(
            claim=claim,
            action=Action.TAKE,
            actor=actor,
            target=target,
            updates={"assignee": actor.user},
            data={"assignee": actor.user.get_username()},
        )
    return claim


def _queue_head(*, exclude: Sequence[int]) -> Claim | None:
    queue = Claim.objects.filter(status=Status.NEW, merged_into__isnull=True).exclude(pk__in=exclude)
    if connection.features.has_select_for_update_skip_locked:
        queue = queue.select_for_update(skip_locked=True)
    return queue.order_by(*QUEUE_ORDER).first()


def resolve_assignee(*, username: str) -> User:
    user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    if user is None:
        raise InvalidInput(f"No active user named {username!r}.")
    if not roles.has_role(user, roles.REVIEWER):
        raise InvalidInput(f"{username} is not a reviewer, so claims cannot be assigned to them.")
    return user


def do_assign(*, claim_id: int, version: int | None, username: str, actor: Actor, reason: str = "") -> Claim:
    check_role(actor=actor, role=MIN_ROLE[Action.ASSIGN], doing="assign claims")
    assignee = resolve_assignee(username=username)
    with transaction.atomic():
        claim = access_claim(claim_id=claim_id)
        target = check_transition(claim=claim, action=Action.ASSIGN, actor=actor, version=version)
        previous = claim.assignee.get_username() if claim.assignee else None
        apply_transition(
            claim=claim,
            action=Action.ASSIGN,
            actor=actor,
            target=target,
            reason=reason.strip(),
            data={"assignee": assignee.get_username(), "previous_assignee": previous},
            updates={"assignee": assignee},
        )
    return claim


def do_release(*, claim_id: int, version: int | None, actor: Actor, reason: str = "") -> Claim:
    """The assignee hands a claim back to the queue."""
    with transaction.atomic():
        claim = access_claim(claim_id=claim_id)
        target = check_transition(claim=claim, action=Action.RELEASE, actor=actor, version=version)
        previous = claim.assignee.get_username() if claim.assignee else None
        apply_transition(
            claim=claim,
            action=Action.RELEASE,
            actor=actor,
            target=target,
            reason=reason.strip(),
            data={"previous_assignee": previous},
            updates={"assignee": None},
        )
    return claim


def do_dismiss(*, claim_id: int, version: int | None, reason: str, actor: Actor) -> Claim:
    """Take a claim out of the queue as not checkable; a verdict awaiting approval is closed with it."""
    reason = check_reason(reason=reason, doing="dismissing a claim")
    with transaction.atomic():
        claim = access_claim(claim_id=claim_id)
        target = check_transition(claim=claim, action=Action.DISMISS, actor=actor, version=version)
        apply_transition(claim=claim, action=Action.DISMISS, actor=actor, target=target, reason=reason)
        Verdict.objects.filter(claim=claim, state=Verdict.State.PROPOSED).update(
            state=Verdict.State.REJECTED,
            decided_by=actor.user,
            decided_at=timezone.now(),
            comment=f"Claim dismissed: {reason}",
        )
    return claim


def do_reopen(
    *, claim_id: int, version: int | None, reason: str, actor: Actor, to: str | None = None
) -> Claim:
    """Reopen a decided or dismissed claim.

    Back to ``new`` it returns to the queue unassigned; back to ``in_review`` it
    stays with its assignee, or goes to the editor who reopened it. The last
    approved verdict stays visible until a new one is approved.
    """
    reason = check_reason(reason=reason, doing="reopening a claim")
    with transaction.atomic():
        claim = access_claim(claim_id=claim_id)
        target = check_transition(claim=claim, action=Action.REOPEN, actor=actor, version=version, to=to)
        assignee = None if target == Status.NEW else (claim.assignee or actor.user)
        apply_transition(
            claim=claim,
            action=Action.REOPEN,
            actor=actor,
            target=target,
            reason=reason,
            data={"assignee": assignee.get_username() if assignee else None},
            updates={"assignee": assignee},
        )
    return claim


# --- Bulk


@dataclass(frozen=True)
class BulkOutcome:
    id: int
    ok: bool
    status: str | None = None
    version: int | None = None
    error: str | None = None
    detail: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        if self.ok:
            return {"id": self.id, "ok": True, "status": self.status, "version": self.version}
        return {"id": self.id, "ok": False, "error": self.error, "detail": self.detail, **self.extra}


def do_bulk(
    *,
    ids: Iterable[int],
    action: str,
    actor: Actor,
    reason: str = "",
    username: str = "",
    to: str | None = None,
) -> list[BulkOutcome]:
    """Apply one editor action to many claims, each on its own; report every claim's outcome.

    Claims are acted on at their current version: the editor chose them by id,
    and each one still goes through the same checks as a single request.
    """
    if action not in BULK_ACTIONS:
        raise InvalidInput(f"Unknown bulk action {action!r}; use one of: {', '.join(BULK_ACTIONS)}.")
    check_role(actor=actor, role=roles.EDITOR, doing="act on claims in bulk")
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise InvalidInput("Give at least one claim id.")
    if len(unique) > BULK_MAX_IDS:
        raise InvalidInput(f"At most {BULK_MAX_IDS} claims at once.")
    run: Callable[[int], Claim]
    if action == Action.DISMISS:
        reason = check_reason(reason=reason, doing="dismissing claims")
        run = partial(_dismiss_one, reason=reason, actor=actor)
    elif action == Action.REOPEN:
        reason = check_reason(reason=reason, doing="reopening claims")
        run = partial(_reopen_one, reason=reason, actor=actor, to=to)
    else:
        if not username:
            raise InvalidInput("Bulk assign needs the user to assign the claims to.")
        resolve_assignee(username=username)
        run = partial(_assign_one, username=username, reason=reason, actor=actor)
    outcomes = []
    for claim_id in unique:
        try:
            claim = run(claim_id)
        except DomainError as exc:
            outcomes.append(
                BulkOutcome(id=claim_id, ok=False, error=exc.code, detail=exc.message, extra=exc.data)
            )
        else:
            outcomes.append(BulkOutcome(id=claim_id, ok=True, status=claim.status, version=claim.version))
    return outcomes


def _dismiss_one(claim_id: int, *, reason: str, actor: Actor) -> Claim:
    return do_dismiss(claim_id=claim_id, version=None, reason=reason, actor=actor)


def _reopen_one(claim_id: int, *, reason: str, actor: Actor, to: str | None) -> Claim:
    return do_reopen(claim_id=claim_id, version=None, reason=reason, actor=actor, to=to)


def _assign_one(claim_id: int, *, username: str, reason: str, actor: Actor) -> Claim:
    return do_assign(claim_id=claim_id, version=None, username=username, actor=actor, reason=reason)


# --- Imported fact-checks: their status follows their publisher's rating


def create_imported_claim(*, status: str, **fields: Any) -> Claim:
    """A claim born with an imported fact-check's status (verified, disputed, or new to review)."""
    return Claim.objects.create(status=status, origin=Claim.Origin.IMPORTED, **fields)


def do_restate_import(
    *, claim: Claim, status: str, updates: dict[str, Any], actor: Actor | None, data: dict[str, Any]
) -> ClaimEvent:
    """An imported fact-check came again with changes: its fields, and its status when its rating
    now says otherwise (a False that became True leaves the claim verified, not disputed).

    Only a claim nobody is working on follows its rating (new, verified or disputed); one in
    review or dismissed keeps its status. One compare-and-set, one ``reimported`` event.
    """
    target = status if claim.status in (Status.NEW, Status.VERIFIED, Status.DISPUTED) else claim.status
    with transaction.atomic(), status_writes():
        changed = Claim.objects.filter(pk=claim.pk, version=claim.version).update(
            status=target, version=F("version") + 1, updated_at=timezone.now(), **updates
        )
        if not changed:
            current = access_claim(claim_id=claim.pk)
            raise Conflict(
                f"Claim {claim.pk} changed while it was re-imported; import it again.",
                data=current_state(current),
            )
        return record_event(
            EventType.REIMPORTED,
            claim=claim,
            from_status=claim.status,
            to_status=target,
            actor=actor,
            data=data,
        )
