"""No article is lost: one paragraph, bullets, tables and CJK pages all keep their story."""

from __future__ import annotations

import html

from claims.extraction import ExtractionResult, extract
from claims.extraction.clean import clean, clean_text

SENTENCES = [
    "Gazprom chief Alexey Miller said he signed a contract to supply 10 billion cubic metres of gas.",
    "Exports to Europe fell 45% in 2023, the lowest level since 1985, according to company data.",
    "Russian Deputy Prime Minister Alexander Novak said pipeline exports would rise by a fifth next year.",
    "The new pipeline will cost $55 billion and carry gas from Siberia to northern China.",
    "Analysts at the Oxford Institute for Energy Studies expect Chinese demand to grow 6% a year until 2030.",
    "Miller told reporters that the company had paid a record dividend of 1.2 trillion roubles in 2022.",
]


def _claims(result: ExtractionResult) -> list[tuple[str, str]]:
    return [(s.text, s.speaker) for s in result.claims]


def test_the_same_article_gives_the_same_claims_in_every_layout() -> None:
    one_line = " ".join(SENTENCES)
    per_line = "\n".join(SENTENCES)
    bullets = "\n".join(f"- {s}" for s in SENTENCES)
    page = "<html><body><article><h1>Gas deal</h1>{}</article></body></html>".format(
        "".join(f"<p>{html.escape(s)}</p>" for s in SENTENCES)
    )
    expected = _claims(extract(per_line))
    assert len(expected) >= 5
    assert ("Gazprom chief Alexey Miller said" in expected[0][0]) and expected[0][1] == "Alexey Miller"
    assert _claims(extract(one_line)) == expected
    assert _claims(extract(bullets)) == expected
    assert _claims(extract(page, "html")) == expected


def test_a_one_paragraph_article_with_prompt_words_in_its_prose_is_kept() -> None:
    body = (
        "Streaming prices rose again this year. Netflix raised its standard plan to $15.49 per month, "
        "the company said on Tuesday, and Disney said subscriptions to Disney+ fell by 4 million in the "
        "quarter. Analysts said the price rises would help the companies support their content budgets, "
        "which reached $17 billion in 2023. Sign up for our newsletter to get the latest news in your inbox."
    )
    r = extract(body)
    assert r.status == "done"
    assert "$15.49 per month" in r.text and "4 million" in r.text and "content budgets" in r.text
    assert "Sign up" not in r.text
    assert any(b.reason.startswith("call to action") and "Sign up" in b.text for b in r.removed)


def test_a_bullet_list_of_sentences_is_content_but_a_plan_list_is_not() -> None:
    body = (
        "Gas talks in Beijing\n"
        "Subscribe to our newsletter for the latest energy news.\n"
        "- Gazprom chief Alexey Miller said he signed a contract to supply 10 billion cubic metres of gas.\n"
        "- Exports to Europe fell 45% in 2023, the lowest level since 1985, according to company data.\n"
        "Become a member today: just $4.99/month, cancel anytime.\n"
        "• Ad-free reading on all devices\n"
        "• Members-only events and podcasts\n"
    )
    r = extract(body)
    assert "Alexey Miller said he signed" in r.text and "Exports to Europe fell 45%" in r.text
    assert "- Gazprom" not in r.text  # the bullet is not part of the claim
    for junk in ("Subscribe", "Become a member", "Ad-free reading", "Members-only"):
        assert junk not in r.text, junk


def test_paywall_newsletter_and_donation_lines_are_still_dropped_in_one_paragraph() -> None:
    story = " ".join(SENTENCES)
    junk = [
        "Already a subscriber? Log in to continue reading.",
        "Sign up for our daily newsletter and get the top stories in your inbox.",
        "Please consider making a donation to support our independent journalism.",
    ]
    r = extract(story + " " + " ".join(junk))
    for line in junk:
        assert line not in r.text, line
    assert all(s in r.text for s in SENTENCES)


def test_prose_is_kept_with_a_note_when_the_filter_would_leave_too_little() -> None:
    body = "\n".join(
        [
            "Subscriptions to the newsletter market rose 12% in 2024 as readers paid for analysis.",
            "Newsletter subscription revenue reached $2.1 billion, up from $1.4 billion in 2022.",
            "Paid newsletter subscribers now number 31 million in the United States and 9 million abroad.",
        ]
    )
    notes: list[str] = []
    text, _removed = clean_text(body, notes=notes)
    assert "$2.1 billion" in text and "31 million" in text and "rose 12%" in text
    assert notes and notes[0].startswith("kept 3 passages of prose that looked like boilerplate")
    r = extract(body)
    assert r.status == "done" and "kept 3 passages of prose" in r.reason


def test_re_extracting_a_page_gives_the_same_text_whatever_was_extracted_before() -> None:
    paragraphs = "".join(f"<p>{html.escape(s)}</p>" for s in SENTENCES)
    page = f"<html><body><article><h1>Gas deal</h1>{paragraphs}</article></body></html>"
    more = "<p>Gazprom shares rose 3% on the news, traders said.</p>"
    other = f"<html><body><article><h1>Another</h1>{paragraphs}{more}</article></body></html>"
    first = clean(page, "html")[0]
    for _ in range(4):
        clean(other, "html")
        assert clean(page, "html")[0] == first
    assert all(s in first for s in SENTENCES)


def test_an_article_laid_out_in_a_table_is_not_empty() -> None:
    rows = "".join(f"<tr><td>{html.escape(s)}</td></tr>" for s in SENTENCES)
    page = f"<html><body><table><tr><td><h1>Gas deal</h1></td></tr>{rows}</table></body></html>"
    r = extract(page, "html")
    assert r.status == "done"
    assert all(s in r.text for s in SENTENCES)


def test_a_japanese_article_is_not_empty() -> None:
    lines = [
        "先日、不正に改造したiPhoneを販売したとして、商標法違反の疑いで20代の男性が逮捕されたというニュースを耳にしました。",
        "報道によると、今回販売されたのは、いわゆる「脱獄」したiPhone。",
        "もちろん、Apple社は「脱獄」を認めていません。",
        "ではなぜ、不正に改造したiPhoneを販売すると、商標権侵害になるのでしょうか。",
    ]
    page = "<html><body><article>{}</article></body></html>".format("".join(f"<p>{s}</p>" for s in lines))
    for r in (extract("\n".join(lines)), extract(page, "html")):
        assert r.status == "done", r.reason
        assert all(s in r.text for s in lines)
        assert "language ja is not supported" in r.reason


def test_an_english_story_that_opens_in_another_language_is_read_as_english() -> None:
    story = " ".join(SENTENCES)
    openings = [
        "“No vamos a permitir que los cárteles controlen nuestro territorio”, dijo la presidenta Claudia "
        "Sheinbaum en su conferencia matutina.",
        "SEOUL, Dec 3 (Yonhap) -- 尹錫悅 대통령은 3일 밤 비상계엄을 선포했다.",
    ]
    expected = _claims(extract(story))
    for opening in openings:
        longer = f"{opening}\n\n{story}\n\n{story.replace('Miller', 'Novak')}" * 3
        for body in (f"{opening}\n\n{story}", longer):
            r = extract(body)
            assert r.language == "en", (opening, r.reason)
            assert _claims(r)[: len(expected)] == expected


def test_a_terse_english_brief_is_english() -> None:
    r = extract(
        "Final score: Celtics 112, Heat 98. Tatum scored 34 points, Brown added 22. "
        "Boston leads series 3-1. Game 5 Wednesday in Boston."
    )
    assert r.language == "en" and r.status == "done"


def test_a_foreign_article_with_an_english_summary_on_top_is_still_foreign() -> None:
    german = (
        "Der russische Präsident Wladimir Putin hat am Donnerstag in Moskau den chinesischen Staatschef "
        "Xi Jinping empfangen. Der Handel zwischen beiden Ländern erreichte 2024 einen Rekordwert von "
        "245 Milliarden Dollar, wie die chinesische Zollbehörde mitteilte. "
    )
    r = extract(f"{SENTENCES[0]}\n\n" + german * 40)
    assert r.language == "de" and r.claims == []


def test_html_drops_the_short_prompts_and_authors_notes_plain_text_drops() -> None:
    story = [
        "The council approved a $4 million budget for road repairs on Tuesday, officials said.",
        "The vote was seven to two after a long debate about potholes in the east of the city.",
        "The mayor is expected to sign the budget next week, aides said.",
    ]
    furniture = ["Watch the highlights", "Jenna Morales covers city government. Reach her at jm@example.com."]
    paragraphs = [story[0], furniture[0], story[1], furniture[1], story[2]]
    page = "<html><body><article><h1>Council passes budget</h1>{}</article></body></html>".format(
        "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    )
    for r in (extract(page, "html"), extract("\n".join(paragraphs))):
        assert all(s in r.text for s in story)
        assert not any(f in r.text for f in furniture), r.text
