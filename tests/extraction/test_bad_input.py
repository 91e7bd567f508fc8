"""Bad input gets a readable status instead of garbage."""

from __future__ import annotations

import pytest

from claims.extraction import EXTRACTOR_VERSION, extract, looks_binary


@pytest.mark.parametrize("body", ["", "   ", "\n\n\t  \n"])
def test_empty_text_fails_with_a_readable_reason(body: str) -> None:
    r = extract(body)
    assert r.status == "failed" and r.reason == "empty text"
    assert r.version == EXTRACTOR_VERSION and r.sentences == []


def test_non_english_text_is_done_with_no_claims_and_says_why() -> None:
    body = (
        "Der russische Präsident Wladimir Putin hat am Donnerstag in Moskau den chinesischen Staatschef "
        "Xi Jinping empfangen. Der Handel zwischen beiden Ländern erreichte 2024 einen Rekordwert von "
        "245 Milliarden Dollar, wie die chinesische Zollbehörde mitteilte."
    )
    r = extract(body)
    assert r.status == "done"
    assert r.language == "de"
    assert r.reason == "language de is not supported"
    assert r.claims == []


def test_russian_text_is_recognised() -> None:
    r = extract("Президент России Владимир Путин встретился с председателем КНР Си Цзиньпином в Москве.")
    assert r.language == "ru" and r.claims == [] and r.status == "done"


def test_binary_junk_is_refused() -> None:
    assert looks_binary(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    assert looks_binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert looks_binary(bytes(range(256)) * 4)
    assert looks_binary("text\x00with nul")
    assert not looks_binary("Plain English text, with “quotes” and ünïcödé.".encode())
    assert not looks_binary("Plain English text.")
    assert not looks_binary("Ein schöner Tag.".encode("latin-1"))
    r = extract("\x01\x02\x03\x04\x05\x06 binary \x07\x08\x0e\x0f")
    assert r.status == "failed" and "binary" in r.reason


def test_html_goes_through_the_article_extractor() -> None:
    html = (
        "<html><head><title>Port news</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/subscribe'>Subscribe</a></nav>"
        "<article><h1>Port traffic hits record</h1>"
        "<p>The port handled 4.2 million containers in 2024, up 12% from the previous year, "
        "the Harbour Authority said on Monday.</p>"
        "<p>Port director Maria Lopez said the growth came mostly from car exports to Europe, "
        "which rose by a third over the year.</p>"
        "<p>Shipping volumes are expected to grow another 5% next year, according to the "
        "authority's own forecast published on its website.</p></article>"
        "<footer>© 2025 Harbour Gazette. All rights reserved.</footer></body></html>"
    )
    r = extract(html, "html")
    assert r.status == "done"
    assert "4.2 million containers" in r.text
    assert "All rights reserved" not in r.text and "Home" not in r.text
    assert any("4.2 million" in s.text for s in r.claims)


def test_a_huge_article_finishes_quickly() -> None:
    import time

    para = (
        "The ministry said exports rose 12% to $4.5 billion in 2024, the highest level in a decade. "
        "“We expect more growth,” Trade Minister Ana Diaz said on Monday.\n"
    )

    def tag(i: int) -> str:  # distinct letters per paragraph (digits alone do not make lines distinct)
        return "".join(chr(97 + (i // 26**k) % 26) for k in range(3))

    body = "".join(para.replace("Monday", f"Monday in {tag(i)}") for i in range(4000))
    t0 = time.perf_counter()
    r = extract(body)
    assert r.status == "done" and len(r.sentences) > 1000
    assert time.perf_counter() - t0 < 20
