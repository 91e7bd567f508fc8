"""Boilerplate is dropped on made-up articles from outlets the seeds never showed."""

from __future__ import annotations

import pytest

from claims.extraction import extract, line_key
from claims.extraction.clean import clean_text

GAZETTE = """Harbour Gazette
Menu
Search
Port traffic hits record as exports surge
Photo: Harbour Authority / Jane Doe
The port handled 4.2 million containers in 2024, up 12% from the previous year, officials said on Monday.
Port director Maria Lopez said the growth came mostly from car exports to Europe.
Already a member? Log in here.
Become a member today: just $4.99/month, cancel anytime.
• Ad-free reading on all devices
• Members-only events and podcasts
• The weekly print edition delivered to your door
Shipping volumes are expected to grow another 5% next year, according to the authority's forecast.
Share this story
Facebook
Twitter
Email
Related stories
Harbour dredging plan approved
New ferry line to open in spring
© 2025 Harbour Gazette. All rights reserved.
"""

DISPATCH = """THE VALLEY DISPATCH
Council approves new budget
By Tom Reed | March 3, 2025
City council approved a $310 million budget on Tuesday, the largest in the city's history.
Mayor Ellen Park said the plan adds 45 police officers and raises library funding by 8 percent.
Enjoying this article? Get unlimited access for only $1 for the first month.
Critics said the budget relies on a property tax increase of 3.5%.
We rely on readers like you. Please consider making a contribution to keep local news alive.
Our reporters cover the stories that matter to your community, and we could not do it without you.
Every gift, large or small, helps us keep our journalism free for everyone.
Give monthly
Give once
Maybe later
Comments (12)
Post a comment
You must be logged in to comment.
"""

BULLETIN = """Tech Bulletin: The chipmaker said revenue rose 40% to $18 billion in the quarter.
The company expects demand for data-centre chips to stay strong, chief executive Lisa Wong told analysts.
Don't miss out! Join 50,000 readers and get our daily briefing straight to your inbox.
Sign me up
No thanks
Shares fell 2% in after-hours trading.
This article was originally published on Tech Bulletin.
"""

REPEATING_OUTLET = """Story continues below advertisement
The ministry said 1,200 new homes were completed in May, the highest monthly total since 2019.
Story continues below advertisement
Housing minister Paul Grant said another 3,000 homes would be finished by the end of the year.
Story continues below advertisement
Trending Now
"""


def _claims_text(body: str, **kw: object) -> str:
    r = extract(body, **kw)  # type: ignore[arg-type]
    return "\n".join(s.text for s in r.claims)


def test_membership_pitch_bullets_share_widgets_and_related_links_are_dropped() -> None:
    r = extract(GAZETTE)
    for junk in (
        "Log in here",
        "cancel anytime",
        "Ad-free reading",
        "Members-only events",
        "print edition",
        "Share this story",
        "Facebook",
        "Related stories",
        "All rights reserved",
        "Jane Doe",
        "Menu",
    ):
        assert junk not in r.text, junk
    claims = _claims_text(GAZETTE)
    assert "4.2 million containers" in claims
    assert "expected to grow another 5%" in claims
    assert all(b.reason for b in r.removed)


def test_donation_appeal_and_comment_widgets_at_the_end_are_dropped() -> None:
    r = extract(DISPATCH)
    for junk in (
        "unlimited access",
        "consider making a contribution",
        "could not do it without you",
        "Every gift",
        "Give monthly",
        "Maybe later",
        "Post a comment",
        "logged in to comment",
    ):
        assert junk not in r.text, junk
    claims = _claims_text(DISPATCH)
    assert "$310 million budget" in claims
    assert "property tax increase of 3.5%" in claims
    speakers = {s.speaker for s in r.sentences}
    assert "Ellen Park" in speakers


def test_newsletter_prompt_and_syndication_line_are_dropped() -> None:
    r = extract(BULLETIN)
    assert "inbox" not in r.text and "Sign me up" not in r.text and "No thanks" not in r.text
    assert "originally published" not in r.text
    claims = _claims_text(BULLETIN)
    assert "revenue rose 40% to $18 billion" in claims
    assert "Shares fell 2%" in claims


def test_lines_repeated_in_the_article_or_across_the_outlet_are_dropped() -> None:
    r = extract(REPEATING_OUTLET)
    assert "Story continues below advertisement" not in r.text
    assert "1,200 new homes" in r.text
    outlet = {line_key("Trending Now"), line_key("The ministry said nothing new.")}
    r2 = extract(REPEATING_OUTLET, outlet_lines=outlet)
    assert "Trending Now" not in r2.text
    assert any(b.reason == "line printed in many articles of this outlet" for b in r2.removed)


def test_a_quoted_appeal_inside_the_story_is_kept() -> None:
    body = (
        "The minister defended the aid package on Friday.\n"
        "“We will support our allies for as long as it takes,” Defence Minister Anna Berg said.\n"
        "The package is worth $2 billion, the ministry said."
    )
    r = extract(body)
    assert "We will support our allies" in r.text
    quote = next(s for s in r.sentences if "support our allies" in s.text)
    assert quote.speaker == "Anna Berg"


def test_line_key_ignores_case_punctuation_and_numbers() -> None:
    assert line_key("ARTICLE CONTENT:") == line_key("Article content")
    assert line_key("23 comments") == line_key("4 Comments")
    assert line_key("  Share  on X | Facebook ") == "share on x facebook"


def test_hard_wrapped_text_is_joined_but_short_lines_are_not() -> None:
    wrapped = (
        "The port handled 4.2 million containers in 2024, up 12% from the\n"
        "previous year, officials said on Monday, adding that car exports\n"
        "to Europe drove most of the growth over the past twelve months and\n"
        "that the new terminal would open in the spring of next year.\n\n"
        "Port director Maria Lopez said volumes could grow another 5% in\n"
        "2025 if the dredging work finishes on time, and that the port\n"
        "would hire 300 more workers.\n"
    )
    r = extract(wrapped)
    assert "up 12% from the previous year" in r.text
    assert any("4.2 million containers" in s.text and "previous year" in s.text for s in r.claims)
    headlines = (
        "Inflation cools to 2.9% as Fed weighs rate cut\n"
        "By Jane Smith, Staff Writer\n"
        "Updated 5:42 PM EST, Tue January 14, 2025\n"
        "Consumer prices rose 2.9% in December from a year earlier, the Labor Department said Tuesday.\n"
        "Gas prices are expected to stabilise over the winter months\n"
        "Beijing said exports rose 5% in 2024.\n"
    )
    r = extract(headlines)
    assert "By Jane Smith" not in r.text and "Updated 5:42" not in r.text
    s = next(s for s in r.sentences if s.text.startswith("Consumer prices"))
    assert s.check_worthy and s.speaker == "Labor Department"  # an institution is a claimer
    assert next(s for s in r.sentences if s.text.startswith("Beijing")).speaker == ""


WIRE = """Skip to content
Advertisement
Listen to this article · 4 min
Image source, Getty Images
Image caption, Workers at the plant in Detroit
Carmaker to cut 3,000 jobs as sales slump
The company said on Wednesday it would cut 3,000 jobs, about 5% of its workforce, after sales fell 18%.
READ MORE: Carmakers face tariff squeeze
Chief executive Jim Farley told analysts the cuts would save $1.2 billion a year.
Click to share on Facebook (Opens in new window)
Click to share on X (Opens in new window)
Reporting by Joe White; Editing by Mark Potter
Our Standards: The Wire Trust Principles.
Get the latest news delivered to your inbox
Follow us on Twitter @autonews
"""


def test_wire_story_navigation_captions_credits_and_share_links_are_dropped() -> None:
    r = extract(WIRE)
    for junk in (
        "Skip to content",
        "Advertisement",
        "Listen to this article",
        "Getty",
        "Image caption",
        "READ MORE",
        "Click to share",
        "Reporting by",
        "Our Standards",
        "inbox",
        "Follow us",
    ):
        assert junk not in r.text, junk
    claims = {s.text: s for s in r.claims}
    assert any("cut 3,000 jobs, about 5%" in t for t in claims)
    farley = next(s for s in r.claims if "$1.2 billion" in s.text)
    assert farley.speaker == "Jim Farley"


def test_a_short_paragraph_loses_its_prompt_but_keeps_the_news_beside_it() -> None:
    text, removed = clean_text(
        "The county opened a rental assistance program in March.\n\n"
        "You can sign up for the program at city hall, the mayor said. "
        "The program has enrolled 12,000 residents since March."
    )
    assert "The program has enrolled 12,000 residents since March." in text
    assert "sign up" not in text
    assert [b.reason for b in removed] == ["call to action (sign up)"]


def test_an_appeal_paragraph_still_goes_whole() -> None:
    text, _ = clean_text(
        "The council approved the budget on Tuesday by a vote of seven to two.\n\n"
        "Thanks for reading. Our reporters have covered this city for more than 150 years. Donate today."
    )
    assert text == "The council approved the budget on Tuesday by a vote of seven to two."


def test_short_sentences_in_a_list_beside_a_share_link_are_story() -> None:
    text, removed = clean_text(
        "- The Senate passed the spending bill early Saturday after a long debate.\n"
        "- The vote was 74-24.\n"
        '- "It\'s a dynasty," Senator Reid said.\n'
        "Share this article"
    )
    assert "The vote was 74-24." in text and "It's a dynasty" in text
    assert [b.text for b in removed] == ["Share this article"]


def test_a_fact_box_under_a_bare_heading_is_kept() -> None:
    text, _ = clean_text(
        "The law passed on Tuesday after months of debate in the state house.\n\n"
        "Key facts:\n- Takes effect Oct. 1\n- Costs $4 billion a year\n\n"
        "The governor is expected to sign it this week, aides said."
    )
    assert "Takes effect Oct. 1" in text and "Costs $4 billion a year" in text


def test_a_plan_pitch_under_a_prompt_is_still_dropped_item_by_item() -> None:
    text, removed = clean_text(
        "The story ends here with a final line of prose about the council vote.\n\n"
        "Subscribe now for:\n- Unlimited access to all articles.\n- Access to the archive since 1851.\n"
        "- Cancel anytime."
    )
    assert text == "The story ends here with a final line of prose about the council vote."
    assert "Access to the archive since 1851." in [line for b in removed for line in b.text.split("\n")]


@pytest.mark.parametrize("line", ["Takes effect Oct. 1", "The bill would take effect on Oct. 1"])
def test_a_date_after_an_abbreviation_is_not_a_photo_credit(line: str) -> None:
    text, _ = clean_text(f"The state legislature passed the new housing bill on Monday night.\n{line}\n")
    assert line in text


STORY = (
    "The council approved a $4 million budget for road repairs on Tuesday, officials said.\n"
    "The vote was seven to two after a long debate about potholes in the east of the city.\n"
)


@pytest.mark.parametrize(
    "line",
    [
        "Jenna Morales covers city government. Reach her at jmorales@example.com.",
        "Contact the reporter at @jmorales on X.",
        "Our Standards: The Thomson Reuters Trust Principles.",
    ],
)
def test_an_authors_note_and_a_standards_footer_are_dropped(line: str) -> None:
    text, removed = clean_text(
        f"{STORY}{line}\nThe mayor is expected to sign the budget next week, aides said.\n"
    )
    assert line not in text and line in [b.text for b in removed]
    assert "The mayor is expected to sign the budget" in text


def test_a_sentence_about_reaching_someone_is_story() -> None:
    line = "The senator said voters could reach him at his office, which handled 4,000 calls in May."
    text, _ = clean_text(f"{STORY}{line}\nThe mayor is expected to sign the budget next week, aides said.\n")
    assert line in text


@pytest.mark.parametrize(
    "block",
    [
        "Subscriber benefits\n- Exclusive articles from our columnists.\n- Breaking news alerts.",
        "Related stories\n- Police union sues city over overtime.\n- Mayor opens new park.",
        "Download the app. The app is free on iOS and Android and has more than 2 million users.",
        "The Daily Planet relies on readers to fund its reporting. A subscription costs $4.99 per month.",
    ],
)
def test_a_list_under_a_prompt_and_a_promotion_in_one_paragraph_still_go(block: str) -> None:
    text, _ = clean_text(f"{STORY}{block}\nThe mayor is expected to sign the budget next week, aides said.\n")
    assert (
        text
        == STORY.replace("\n", "\n\n") + "The mayor is expected to sign the budget next week, aides said."
    )
