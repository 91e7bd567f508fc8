"""What a digest says, read from the locmem mailbox: sections, counts, links, filters, and silence when
there is nothing to say; and that building one takes the same number of queries whatever the desk did."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, ClaimLink
from digests import content, rendering, sending, subscriptions
from digests.models import DigestRun, EmailState
from digests.selectors import Window

from .test_digests_support import (
    SITE,
    approve,
    assign,
    beat,
    found_claim,
    html_of,
    propose,
    repeat,
    sent_to,
    take_next,
    utc,
)

DIGEST_AT = utc("2031-03-06 08:00")


@dataclass
class Desk:
    stale: Claim
    top: Claim
    quote: Claim
    awaiting: Claim
    published: Claim
    repeated: Claim


@pytest.fixture
def desk(
    settings: Any, reviewer: User, reviewer2: User, editor: User, editor2: User, admin_user: User
) -> Desk:
    """A week of the desk: rita took a claim five days ago; yesterday claims came in and verdicts moved."""
    settings.SITE_URL = SITE
    with time_machine.travel(utc("2031-03-01 09:00"), tick=False):
        stale = found_claim("The city built 4,000 homes last year, the mayor said.", outlet="Valley Gazette")
        assert take_next(reviewer) == stale
    with time_machine.travel(utc("2031-03-05 10:00"), tick=False):
        top = found_claim(
            "Unemployment fell to 3.5% in March, the lowest since 1974.",
            speaker="Jane Smith",
            outlet="Daily Example",
            priority=90,
            score=0.9,
            reasons=["a percentage", "a record claim"],
        )
        quote = found_claim(
            "“We have never spent more on schools,” the minister said.",
            speaker="the minister",
            outlet="Harbour Times",
            kind=Claim.Kind.QUOTE,
            priority=40,
            score=0.5,
        )
        ClaimLink.objects.create(from_claim=top, to_claim=quote, kind=ClaimLink.Kind.FIGURE_CONFLICT)
        awaiting = found_claim("Exports rose 12% to $240bn in 2023, the trade office said.", priority=70)
        assign(awaiting, reviewer2, by=editor)
        propose(awaiting, reviewer2, rationale="The trade office's own table says $236bn.")
        published = found_claim("Crime fell by a third in five years, police said.", priority=60)
        assign(published, reviewer2, by=editor)
        propose(
            published, reviewer2, value="verified", rationale="Police figures confirm a 33% drop since 2026."
        )
    with time_machine.travel(utc("2031-03-05 11:00"), tick=False):
        approve(published, editor2)
        repeated = Claim.objects.create(
            text="Inflation doubled under the last government.",
            status=Claim.Status.DISPUTED,
            verdict="disputed",
            review_publisher="Full Fact",
            priority=30,
        )
        repeat(repeated, outlet="Evening Wire", title="Minister repeats the inflation line")
    return Desk(stale, top, quote, awaiting, published, repeated)


def digest_of(user: User) -> Any:
    (message,) = sent_to(user)
    return message


def test_an_editors_digest_lists_approvals_new_claims_repeats_conflicts_and_verdicts(
    desk: Desk, editor: User
) -> None:
    beat(DIGEST_AT)

    text = digest_of(editor).body
    assert "Your daily digest, Thursday 6 March" in text
    assert "AWAITING YOUR APPROVAL (1)" in text
    assert desk.awaiting.text in text
    assert "ravi proposed “disputed”" in text
    assert "The trade office's own table says $236bn." in text
    assert "NEW CLAIMS (2)" in text
    assert "Statistic · said by Jane Smith · Daily Example · priority 90" in text
    assert "Flagged: a percentage, a record claim" in text
    assert text.index(desk.top.text) < text.index(desk.quote.text)  # highest priority first
    assert "FACT-CHECKED CLAIMS REPEATED IN NEW ARTICLES (1)" in text
    assert "Repeated in Minister repeats the inflation line (Evening Wire)." in text
    assert "Checked before: disputed, Full Fact" in text
    assert "NEW FIGURE CONFLICTS (1)" in text
    assert "VERDICTS PUBLISHED (1)" in text
    assert "“Police figures confirm a 33% drop since 2026.”" in text
    assert f"{SITE}/claims/{desk.published.pk}/" in text
    assert "YOUR CLAIMS STILL IN REVIEW" not in text


def test_the_counts_at_the_top_name_every_section_and_the_queue(desk: Desk, editor: User) -> None:
    beat(DIGEST_AT)

    message = digest_of(editor)
    top = message.body.split("AWAITING YOUR APPROVAL")[0]
    assert "- 1 verdict awaiting your approval\n" in top
    assert "- 2 new claims\n" in top
    assert "- 1 verdict published\n" in top
    assert "The queue now: 2 new · 1 in review · 1 awaiting approval" in top
    assert message.subject == (
        "Claim tracker daily digest, Thursday 6 March: 1 verdict awaiting your approval, 2 new claims, "
        "1 fact-checked claim repeated"
    )


def test_a_reviewer_is_reminded_of_a_claim_they_took_days_ago_and_gets_no_approvals(
    desk: Desk, reviewer: User
) -> None:
    beat(DIGEST_AT)

    text = digest_of(reviewer).body
    assert "YOUR CLAIMS STILL IN REVIEW (1)" in text
    assert desk.stale.text in text
    assert "You took this 4 days ago." in text
    assert "AWAITING YOUR APPROVAL" not in text


def test_a_claim_taken_more_recently_than_review_stale_days_is_no_reminder(
    desk: Desk, reviewer: User, settings: Any
) -> None:
    settings.REVIEW_STALE_DAYS = 5
    beat(DIGEST_AT)

    assert "STILL IN REVIEW" not in digest_of(reviewer).body


def test_the_html_part_has_its_css_inlined_loads_nothing_remote_and_links_to_the_site(
    desk: Desk, editor: User
) -> None:
    beat(DIGEST_AT)

    html = html_of(digest_of(editor))
    assert "<style" not in html
    assert 'style="' in html
    assert "<img" not in html and "url(" not in html and "@import" not in html
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(link.startswith(f"{SITE}/") for link in links)
    assert f'href="{SITE}/claims/{desk.top.pk}/"' in html
    assert f'href="{SITE}/digests/settings/"' in html
    assert "Jane Smith" in html and desk.awaiting.text in html


def test_a_section_lists_the_top_n_and_says_how_many_more_there_are(
    desk: Desk, editor: User, settings: Any
) -> None:
    settings.DIGEST_TOP_N = 1
    beat(DIGEST_AT)

    text = digest_of(editor).body
    section = text.split("NEW CLAIMS (2)")[1].split("FACT-CHECKED")[0]
    assert desk.top.text in section and desk.quote.text not in section
    assert f"1 more: {SITE}/?status=new" in section


@pytest.mark.parametrize(
    ("changes", "new_claims", "conflict"),
    [
        ({"outlets": ["Harbour Times"]}, ["quote"], True),
        ({"kinds": ["quote"]}, ["quote"], True),
        ({"min_score": 0.85}, ["top"], True),
        ({"only_mine": True}, [], False),
    ],
)
def test_filters_narrow_the_claim_sections_but_never_what_awaits_the_person(
    desk: Desk, editor: User, changes: dict[str, Any], new_claims: list[str], conflict: bool
) -> None:
    subscriptions.do_update_subscription(user_id=editor.pk, changes=changes)
    beat(DIGEST_AT)

    text = digest_of(editor).body
    if new_claims:
        section = text.split(f"NEW CLAIMS ({len(new_claims)})")[1].split("\n\n\n")[0]
        assert [name for name in ("top", "quote") if getattr(desk, name).text in section] == new_claims
    else:
        assert "NEW CLAIMS" not in text
    assert ("NEW FIGURE CONFLICTS (1)" in text) is conflict
    assert desk.published.text not in text  # a statistic from Daily Example, score 0.8, not the editor's
    assert desk.repeated.text not in text  # repeated in Evening Wire, kind other, score 0
    assert desk.awaiting.text in text  # awaiting approval is the editor's own work: never filtered


def test_a_person_gets_only_the_sections_they_chose(desk: Desk, editor: User) -> None:
    subscriptions.do_update_subscription(user_id=editor.pk, changes={"sections": ["verdicts"]})
    beat(DIGEST_AT)

    text = digest_of(editor).body
    assert "VERDICTS PUBLISHED (1)" in text
    assert "NEW CLAIMS" not in text and "AWAITING YOUR APPROVAL" not in text
    assert digest_of(editor).subject.endswith(": 1 verdict published")


def test_nothing_is_sent_when_a_digest_would_be_empty(desk: Desk, editor: User, reviewer2: User) -> None:
    subscriptions.do_update_subscription(user_id=reviewer2.pk, changes={"kinds": ["prediction"]})
    beat(DIGEST_AT)

    assert sent_to(reviewer2) == []
    assert sent_to(editor)
    run = DigestRun.objects.get(user=reviewer2)
    assert (run.state, run.period) == (EmailState.EMPTY, "2031-03-06")


def test_the_next_digest_covers_only_what_happened_since_the_last_one(desk: Desk, editor: User) -> None:
    beat(DIGEST_AT)
    with time_machine.travel(utc("2031-03-06 15:00"), tick=False):
        fresh = found_claim("Rents rose 9% this year, the housing agency said.", priority=80)
    mail.outbox.clear()

    beat(utc("2031-03-07 08:00"))

    text = digest_of(editor).body
    assert "NEW CLAIMS (1)" in text and fresh.text in text
    assert desk.top.text not in text
    assert "VERDICTS PUBLISHED" not in text
    assert desk.awaiting.text in text  # still waiting: a reminder every day until someone decides


def test_a_desk_with_no_email_address_gets_no_digest(desk: Desk, editor: User) -> None:
    User.objects.filter(pk=editor.pk).update(email="")
    beat(DIGEST_AT)

    assert not DigestRun.objects.filter(user=editor).exists()


# --- Queries


def build_and_render(user: User, *, cold: bool = True) -> tuple[int, bool]:
    """(queries, empty?) of building and rendering one person's digest for the day before DIGEST_AT.

    Cold: nothing shared from digests built before (as the first digest a worker builds).
    """
    if cold:
        content.forget_shared_sections()
    window = Window(start=utc("2031-03-05 08:00"), end=DIGEST_AT)
    with CaptureQueriesContext(connection) as captured:
        built = sending.build_for(user_id=user.pk, kind="daily", window=window, now=DIGEST_AT)
        assert built is not None
        rendering.digest_message(built[0]).message()
    return len(captured), built[0].empty


def grow(n: int, *, reviewer: User, reviewer2: User, editor: User, editor2: User) -> None:
    """``n`` more of everything a digest lists, for the people of the desk fixture."""
    with time_machine.travel(utc("2031-03-01 12:00"), tick=False):
        for i in range(n):
            assign(found_claim(f"Held claim {i} rose {i}%.", priority=99), reviewer, by=editor)
    with time_machine.travel(utc("2031-03-05 12:00"), tick=False):
        for i in range(n):
            first = found_claim(f"Claim {i} says {i}% of voters agree.", outlet=f"Outlet {i % 3}")
            second = found_claim(f"Claim {i} says {i + 1}% of voters agree.", outlet="Daily Example")
            ClaimLink.objects.create(from_claim=first, to_claim=second, kind=ClaimLink.Kind.FIGURE_CONFLICT)
            repeat(
                desk_claim := found_claim(f"Checked claim {i}.", priority=10),
                outlet="Evening Wire",
                title="R",
            )
            Claim.objects.filter(pk=desk_claim.pk).update(verdict="disputed")
            for value in ("disputed", "verified"):
                claim = found_claim(f"Reviewed claim {i} {value}: {i}% more.", outlet="Daily Example")
                assign(claim, reviewer2, by=editor)
                propose(claim, reviewer2, value=value)
                if value == "verified":
                    approve(claim, editor2)


def test_building_a_digest_takes_a_bounded_number_of_queries_however_much_the_desk_did(
    desk: Desk, editor: User, editor2: User, reviewer: User, reviewer2: User, admin_user: User, settings: Any
) -> None:
    settings.DIGEST_TOP_N = 2
    subscriptions.do_update_subscription(user_id=admin_user.pk, changes={"outlets": ["Daily Example"]})
    people = (editor, reviewer, reviewer2, admin_user)
    quiet = {user.username: build_and_render(user)[0] for user in people}

    grow(3, reviewer=reviewer, reviewer2=reviewer2, editor=editor, editor2=editor2)
    busy = {user.username: build_and_render(user) for user in people}
    grow(9, reviewer=reviewer, reviewer2=reviewer2, editor=editor, editor2=editor2)
    busier = {user.username: build_and_render(user) for user in people}

    # Every section now has more than it lists: one count each on top, and no more however much more.
    assert busier == busy
    assert all(quiet[name] <= queries <= 19 for name, (queries, _) in busy.items())
    assert not any(empty for _, empty in busier.values())


def test_people_with_the_same_window_and_filters_share_the_sections_that_do_not_depend_on_them(
    desk: Desk, editor: User, editor2: User, reviewer2: User
) -> None:
    cold, _ = build_and_render(editor)
    warm, _ = build_and_render(editor2, cold=False)

    assert warm <= cold - 8  # new claims, repeats, conflicts, verdicts and the queue: reused
    window = Window(start=utc("2031-03-05 08:00"), end=DIGEST_AT)
    shared = sending.build_for(user_id=editor2.pk, kind="daily", window=window, now=DIGEST_AT)
    content.forget_shared_sections()
    alone = sending.build_for(user_id=editor2.pk, kind="daily", window=window, now=DIGEST_AT)
    assert shared is not None and alone is not None
    assert shared[0] == alone[0]


def test_a_new_event_means_the_next_digest_builds_its_sections_afresh(
    desk: Desk, editor: User, editor2: User
) -> None:
    window = Window(start=utc("2031-03-05 08:00"), end=DIGEST_AT)
    before = sending.build_for(user_id=editor.pk, kind="daily", window=window, now=DIGEST_AT)
    with time_machine.travel(utc("2031-03-05 20:00"), tick=False):
        late = found_claim("Wages rose 7% this year, the ministry said.", priority=95)

    after = sending.build_for(user_id=editor2.pk, kind="daily", window=window, now=DIGEST_AT)

    assert before is not None and after is not None
    new_claims = {s.name: s for s in after[0].sections}["new_claims"]
    assert new_claims.total == 3 and new_claims.items[0].title == late.text
