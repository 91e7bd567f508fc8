"""The desk's rating scale: which ratings a verdict may carry and what each one means.

A verdict is given as a rating from the scale ("mostly-true"), as a bare
outcome ("verified" or "disputed", as before the scale existed), or both. The
rating decides the outcome (each rating leads to verified or disputed); given
both, they must agree. Old verdicts without a rating keep working: their
ClaimReview says True (5) or False (1), as it always did.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidInput
from .models import Rating, Verdict

# The default scale (name, label, description, leads to, ClaimReview value); migration 0011
# installs it, and a database whose scale is empty gets it back on first use.
DEFAULT_SCALE = [
    ("true", "True", "Accurate, and nothing significant is missing.", "verified", 5),
    ("mostly-true", "Mostly true", "Accurate, but needs a clarification or more information.", "verified", 4),
    (
        "half-true",
        "Half true",
        "Partly accurate: leaves out important details or takes things out of context.",
        "disputed",
        3,
    ),
    ("misleading", "Misleading", "Contains some fact but gives a false impression.", "disputed", 2),
    ("false", "False", "Not accurate.", "disputed", 1),
    ("unproven", "Unproven", "The available evidence neither confirms nor refutes it.", "disputed", None),
]


def ensure_scale() -> None:
    """Install the default scale when there is none at all (a scale an admin emptied on purpose
    still has its inactive ratings, so it is left alone)."""
    if Rating.objects.exists():
        return
    for position, (name, label, description, leads_to, value) in enumerate(DEFAULT_SCALE):
        Rating.objects.get_or_create(
            name=name,
            defaults={
                "label": label,
                "description": description,
                "leads_to": leads_to,
                "value": value,
                "position": position,
            },
        )


def scale(*, active_only: bool = True) -> list[Rating]:
    """The scale in its order (only the ratings offered for new verdicts, unless asked otherwise)."""
    ensure_scale()
    ratings = Rating.objects.order_by("position", "id")
    return list(ratings.filter(active=True) if active_only else ratings)


@dataclass(frozen=True)
class Judgement:
    """What a verdict says: the outcome, and the rating when one was given."""

    value: str
    rating: Rating | None


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", data={"fields": {field: [message]}})


def resolve(*, verdict: str | None, rating: str | None) -> Judgement:
    """The outcome and rating of a verdict from what the reviewer sent; 400 naming the field otherwise."""
    verdict = (verdict or "").strip() or None
    rating = (rating or "").strip() or None
    if verdict is not None and verdict not in Verdict.Value.values:
        raise _invalid("verdict", f"must be one of {', '.join(Verdict.Value.values)}, not {verdict!r}.")
    if rating is None:
        if verdict is None:
            raise _invalid("rating", "Give a rating from the scale (GET /api/v1/ratings/), or a verdict.")
        return Judgement(value=verdict, rating=None)
    ensure_scale()
    found = Rating.objects.filter(name=rating.casefold(), active=True).first()
    if found is None:
        names = ", ".join(r.name for r in scale())
        raise _invalid("rating", f"{rating!r} is not on the desk's scale; choose one of: {names}.")
    if verdict is not None and verdict != found.leads_to:
        raise _invalid("rating", f"{found.label} leads to {found.leads_to}, not {verdict}.")
    return Judgement(value=found.leads_to, rating=found)
