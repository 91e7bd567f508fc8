"""The queue as a spreadsheet: the same filters as the page, every row, nothing a spreadsheet would run."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from claims.dashboard.export import COLUMNS


def read(response: Any) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def test_the_export_lists_the_claims_of_the_queues_filters_in_its_order(
    editor: User, client: Client, make_claim: Any
) -> None:
    high = make_claim("Exports rose 12% to $240bn in 2023, the trade office said.", priority=80.0)
    low = make_claim("Unemployment fell to 3.5% in March, the statistics office said.", priority=10.0)
    make_claim("A quote nobody will filter for, the minister said on Monday.", kind="quote")
    client.force_login(editor)

    response = client.get("/queue.csv?kind=other")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="claims-')
    rows = read(response)
    assert [int(r["id"]) for r in rows] == [high.pk, low.pk]
    assert list(rows[0]) == COLUMNS
    assert rows[0]["link"].endswith(f"/claims/{high.pk}/")


def test_a_claim_that_starts_like_a_formula_is_exported_as_text(
    editor: User, client: Client, make_claim: Any
) -> None:
    claim = make_claim('=HYPERLINK("http://evil.example/","click") said 40% of voters', speaker="@someone")
    client.force_login(editor)

    row = next(r for r in read(client.get("/queue.csv")) if r["id"] == str(claim.pk))

    assert row["text"].startswith("'=HYPERLINK")
    assert row["speaker"] == "'@someone"


def test_the_queue_page_offers_the_export_of_what_it_shows(editor: User, client: Client) -> None:
    client.force_login(editor)
    page = client.get("/?kind=statistic").content.decode()
    assert 'href="/queue.csv?kind=statistic"' in page
