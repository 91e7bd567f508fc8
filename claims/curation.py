"""Curation: editors correct the matcher by merging, splitting and undoing.

Every merge and split writes an event whose data holds exactly what moved, so
the event alone is enough to undo it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, Q

from . import matching, roles
from .actors import Actor
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .events import EventType, record_event
from .extraction.figures import parse_figures
from .models import Appearance, Claim, ClaimEvent, ClaimLink
from .stats import do_refresh_claim_stats

UNDO_ACTIONS = {EventType.MERGED: EventType.UNMERGED, EventType.SPLIT: EventType.UNSPLIT}


def check_editor(*, actor: Actor, doing: str) -> None:
    if not actor.has_role(roles.EDITOR):
        raise Forbidden(f"Only an editor may {doing}.", data={"required_role": roles.EDITOR})


def _lock_claims(*ids: int) -> dict[int, Claim]:
    locked = {c.pk: c for c in Claim.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    for claim_id in ids:
        if claim_id not in locked:
            raise NotFound(f"Claim {claim_id} does not exist.")
    return locked


def _check_live(claim: Claim, *, doing: str) -> None:
    if claim.merged_into_id is not None:
        raise Conflict(
            f"Claim {claim.pk} was merged into claim {claim.merged_into_id}; cannot {doing} it.",
            data={"merged_into": claim.merged_into_id},
        )


def _bump_version(claim_id: int, **updates: Any) -> None:
    Claim.objects.filter(pk=claim_id).update(version=F("version") + 1, **updates)


def do_merge_claims(
    *, source_id: int, target_id: int, actor: Actor, version: int | None = None
) -> ClaimEvent:
    """Fold ``source`` into ``target``: its appearances move over and it leaves the queue.

    ``version`` guards against merging a claim that changed since the editor saw it.
    """
    check_editor(actor=actor, doing="merge claims")
    if source_id == target_id:
        raise Conflict("A claim cannot be merged into itself.")
    with transaction.atomic():
        locked = _lock_claims(source_id, target_id)
        src, dst = locked[source_id], locked[target_id]
        _check_live(src, doing="merge")
        if dst.merged_into_id is not None:
            raise Conflict(
                f"Claim {dst.pk} was merged into claim {dst.merged_into_id}; merge into that one instead.",
                data={"merged_into": dst.merged_into_id},
            )
        if version is not None and version != src.version:
            raise Conflict(
                f"Claim {src.pk} changed meanwhile (version {src.version}, not {version}).",
                data={"claim": {"id": src.pk, "version": src.version}},
            )
        moved = list(Appearance.objects.filter(claim=src).order_by("pk").values_list("pk", flat=True))
        Appearance.objects.filter(pk__in=moved).update(claim=dst)
        links = _move_links(src=src, dst=dst)
        _bump_version(src.pk, merged_into=dst)
        seen = [d for d in (src.first_seen, dst.first_seen) if d]
        last = [d for d in (src.last_seen, dst.last_seen) if d]
        _bump_version(dst.pk, first_seen=min(seen) if seen else None, last_seen=max(last) if last else None)
        matching.unindex_claim(src)
        ClaimLink.objects.filter(
            Q(from_claim=src, to_claim=dst) | Q(from_claim=dst, to_claim=src),
            kind=ClaimLink.Kind.SUGGESTED_MATCH,
        ).update(resolved=True)
        do_refresh_claim_stats(claim_ids=[src.pk, dst.pk])
        event = record_event(
            EventType.MERGED,
            claim=dst,
            actor=actor,
            reason=f"Claim {src.pk} merged into this claim",
            data={"source": src.pk, "target": dst.pk, "appearances": moved, **links},
        )
        record_event(
            EventType.MERGED_INTO,
            claim=src,
            actor=actor,
            reason=f"Merged into claim {dst.pk}",
            data={"target": dst.pk, "event": event.pk},
        )
    return event


def _move_links(*, src: Claim, dst: Claim) -> dict[str, list[int]]:
    """Hand the merged claim's conflicts and suggestions to the claim it joins.

    Links between the two stay where they are, and so does a link the target
    already has to the same claim. Returns the ids moved, so an undo can move them back.
    """
    has_out = set(ClaimLink.objects.filter(from_claim=dst).values_list("to_claim_id", "kind"))
    has_in = set(ClaimLink.objects.filter(to_claim=dst).values_list("from_claim_id", "kind"))
    out = [
        pk
        for pk, other, kind in ClaimLink.objects.filter(from_claim=src)
        .exclude(to_claim=dst)
        .order_by("pk")
        .values_list("pk", "to_claim_id", "kind")
        if (other, kind) not in has_out
    ]
    in_ = [
        pk
        for pk, other, kind in ClaimLink.objects.filter(to_claim=src)
        .exclude(from_claim=dst)
        .order_by("pk")
        .values_list("pk", "from_claim_id", "kind")
        if (other, kind) not in has_in
    ]
    ClaimLink.objects.filter(pk__in=out).update(from_claim=dst)
    ClaimLink.objects.filter(pk__in=in_).update(to_claim=dst)
    return {"links_out": out, "links_in": in_}


def do_split_claim(*, claim_id: int, appearance_ids: Iterable[int], actor: Actor) -> ClaimEvent:
    """Move some appearances of a claim to a new claim: the matcher joined what differs."""
    check_editor(actor=actor, doing="split claims")
    wanted = sorted(set(appearance_ids))
    if not wanted:
        raise InvalidInput("Name at least one appearance to split off.")
    with transaction.atomic():
        original = _lock_claims(claim_id)[claim_id]
        _check_live(original, doing="split")
        moving = list(
            Appearance.objects.filter(claim=original, pk__in=wanted).order_by("article_id", "start")
        )
        unknown = sorted(set(wanted) - {a.pk for a in moving})
        if unknown:
            raise InvalidInput(
                f"Appearance(s) {', '.join(map(str, unknown))} do not belong to claim {original.pk}.",
                data={"appearances": unknown},
            )
        if not Appearance.objects.filter(claim=original, current=True).exclude(pk__in=wanted).exists():
            raise Conflict(
                f"Splitting off every current appearance would leave claim {original.pk} empty; "
                "split off fewer appearances or dismiss the claim."
            )
        first = moving[0]
        seen = [a.article.published_at or a.created_at for a in moving]
        new = Claim.objects.create(
            text=first.text,
            normalized_text=matching.normalize(first.text),
            fingerprint=matching.fingerprint(first.text),
            kind=original.kind,
            speaker=first.speaker or original.speaker,
            score=min(1.0, max(0.0, max(a.score for a in moving))),
            reasons=list(original.reasons),
            figures=[f.as_dict() for f in parse_figures(first.text)],
            origin=original.origin,
            first_seen=min(seen),
            last_seen=max(seen),
        )
        Appearance.objects.filter(pk__in=wanted).update(claim=new)
        _bump_version(original.pk)
        matching.index_claim(new)
        do_refresh_claim_stats(claim_ids=[original.pk, new.pk])
        event = record_event(
            EventType.SPLIT,
            claim=original,
            actor=actor,
            reason=f"{len(wanted)} appearance(s) split off into claim {new.pk}",
            data={"source": original.pk, "new_claim": new.pk, "appearances": wanted},
        )
        record_event(
            EventType.CREATED,
            claim=new,
            actor=actor,
            to_status=new.status,
            reason=f"Split off claim {original.pk}",
            data={"split_from": original.pk, "event": event.pk},
        )
    return event


def do_undo_event(*, claim_id: int, event_id: int, actor: Actor) -> ClaimEvent:
    """Undo a merge or a split, given its event on ``claim``."""
    check_editor(actor=actor, doing="undo merges and splits")
    with transaction.atomic():
        event = ClaimEvent.objects.select_for_update().filter(pk=event_id, claim_id=claim_id).first()
        if event is None:
            raise NotFound(f"Claim {claim_id} has no event {event_id}.")
        undo_type = UNDO_ACTIONS.get(EventType(event.action))
        if undo_type is None:
            raise Conflict(f"Only a merge or a split can be undone; event {event_id} is {event.action!r}.")
        if ClaimEvent.objects.filter(action=undo_type, data__undoes=event.pk).exists():
            raise Conflict(f"Event {event_id} was already undone.")
        if event.action == EventType.MERGED:
            return _undo_merge(event=event, target_id=claim_id, actor=actor)
        return _undo_split(event=event, original_id=claim_id, actor=actor)


def _undo_merge(*, event: ClaimEvent, target_id: int, actor: Actor) -> ClaimEvent:
    source_id = int(event.data["source"])
    locked = _lock_claims(source_id, target_id)
    src, dst = locked[source_id], locked[target_id]
    if src.merged_into_id != dst.pk:
        raise Conflict(f"Claim {src.pk} is no longer merged into claim {dst.pk}.")
    back = list(event.data.get("appearances", []))
    Appearance.objects.filter(pk__in=back, claim=dst).update(claim=src)
    ClaimLink.objects.filter(pk__in=event.data.get("links_out", []), from_claim=dst).update(from_claim=src)
    ClaimLink.objects.filter(pk__in=event.data.get("links_in", []), to_claim=dst).update(to_claim=src)
    _bump_version(src.pk, merged_into=None)
    _bump_version(dst.pk)
    src.refresh_from_db()
    matching.index_claim(src)
    do_refresh_claim_stats(claim_ids=[src.pk, dst.pk])
    undo = record_event(
        EventType.UNMERGED,
        claim=dst,
        actor=actor,
        reason=f"Merge of claim {src.pk} undone",
        data={"undoes": event.pk, "source": src.pk, "appearances": back},
    )
    record_event(EventType.RESTORED, claim=src, actor=actor, data={"undoes": event.pk, "event": undo.pk})
    return undo


def _undo_split(*, event: ClaimEvent, original_id: int, actor: Actor) -> ClaimEvent:
    new_id = int(event.data["new_claim"])
    locked = _lock_claims(original_id, new_id)
    original, new = locked[original_id], locked[new_id]
    _check_live(original, doing="undo the split of")
    _check_live(new, doing="fold back")
    back = list(event.data.get("appearances", []))
    if Appearance.objects.filter(claim=new).exclude(pk__in=back).exists():
        raise Conflict(
            f"Claim {new.pk} has new appearances since the split; merge it into claim {original.pk} instead."
        )
    Appearance.objects.filter(pk__in=back, claim=new).update(claim=original)
    links = _move_links(src=new, dst=original)
    _bump_version(new.pk, merged_into=original)
    _bump_version(original.pk)
    matching.unindex_claim(new)
    do_refresh_claim_stats(claim_ids=[original.pk, new.pk])
    undo = record_event(
        EventType.UNSPLIT,
        claim=original,
        actor=actor,
        reason=f"Split into claim {new.pk} undone",
        data={"undoes": event.pk, "new_claim": new.pk, "appearances": back, **links},
    )
    record_event(
        EventType.MERGED_INTO, claim=new, actor=actor, data={"target": original.pk, "event": undo.pk}
    )
    return undo
