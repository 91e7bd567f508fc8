"""``{% evidence_with_snapshots claim.evidence.all as items %}``: each evidence item with its snapshot.

One query for the whole list, whatever its length, where ``evidence.snapshot``
in the loop would cost one per item.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from claims.models import Evidence
from snapshots.models import EvidenceSnapshot

register = template.Library()


@register.simple_tag
def evidence_with_snapshots(evidence: Iterable[Evidence]) -> list[tuple[Evidence, EvidenceSnapshot | None]]:
    items = list(evidence)
    if not items:
        return []
    found = {s.evidence_id: s for s in EvidenceSnapshot.objects.filter(evidence__in=[e.pk for e in items])}
    return [(item, found.get(item.pk)) for item in items]
