"""HTML pages to plain article text: bounded before parsing, then trafilatura.

:func:`limit_html` bounds a page's size, its number of elements and the
attributes of each element before any parser sees it; :func:`html_to_text`
takes the main text out with trafilatura. The plain text then goes through
the same boilerplate filter as plain-text input (:mod:`.clean`).
"""

from __future__ import annotations

import itertools
import re

#: Longer HTML is refused before parsing. Article extraction costs about 2 s per MB of
#: ordinary HTML on one core (trafilatura 2.3); the API takes bodies up to 2 MiB.
MAX_HTML_CHARS = 4_000_000
#: More start tags than this are refused before parsing: trafilatura spends 50-250 µs per
#: element (the seed articles as HTML have one per 90 characters, 22,000 in 2 MB).
MAX_HTML_ELEMENTS = 50_000
#: Attributes kept per element; the rest are dropped before parsing. libxml2 compares each
#: attribute of an element with all the earlier ones: one element with 50,000 attributes took
#: 12.6 s to clean, 100,000 took 56 s.
MAX_HTML_ATTRIBUTES = 100
#: An element with more child elements than this is refused. trafilatura's article search
#: is quadratic in the links or inline elements of one paragraph (libxml2 merging the text
#: nodes of ``//p//text()``): 4,000 took 2.2 s, 8,000 took 8.6 s.
MAX_HTML_CHILDREN = 2_000


class HtmlRefused(ValueError):
    """HTML too large or too complex to hand to the parser; the message says why."""


# Tokens as an HTML5 tokenizer (and libxml2 2.14, which follows it) reads them: comments,
# <!...> and <?...> declarations, start and end tags with their attributes (a quoted value
# may hold ">"), and bogus "</..." comments. Every part is possessive or lazy with one way to
# match, so the scan reads each character a fixed number of times.
_HTML_ATTRIBUTE = (
    r"[^\t\n\f\r />][^\t\n\f\r />=]*+"
    r"(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:\"[^\"]*+\"?|'[^']*+'?|[^\t\n\f\r >]*+))?"
)
_HTML_ATTRIBUTE_RE = re.compile(_HTML_ATTRIBUTE)
_MARKUP_RE = re.compile(
    r"<!--(?:-?>|.*?--!?>|.*)"
    r"|<[!?][^>]*+>?"
    r"|<(?P<end>/?)(?P<name>[A-Za-z][^\t\n\f\r />]*+)"
    rf"(?P<attrs>(?:[\t\n\f\r ]++|/(?!>)|{_HTML_ATTRIBUTE})*+)(?P<close>/?>)?"
    r"|</[^>]*+>?",
    re.DOTALL,
)
# Elements whose content is text up to their end tag (libxml2: also in svg and math, and
# not after a self-closing "<script/>"; <noscript> content is parsed as tags).
_RAW_TEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "title", "textarea"})
_RAW_END_RE = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE) for name in _RAW_TEXT}


def limit_html(html: str) -> tuple[str, str]:
    """``html`` with at most ``MAX_HTML_ATTRIBUTES`` attributes per element; a note when any were dropped.

    Raises :class:`HtmlRefused` when the page is longer than ``MAX_HTML_CHARS``,
    has more than ``MAX_HTML_ELEMENTS`` elements or an element with more than
    ``MAX_HTML_CHILDREN`` children. Ordinary pages come back unchanged.
    """
    if len(html) > MAX_HTML_CHARS:
        raise HtmlRefused(f"HTML of {len(html):,} characters is over the limit of {MAX_HTML_CHARS:,}")
    elements = 0
    cuts: list[tuple[int, int]] = []  # (start, end) of the attribute text dropped from a tag
    pos = 0
    while (lt := html.find("<", pos)) >= 0:
        m = _MARKUP_RE.match(html, lt)
        if m is None:
            pos = lt + 1
            continue
        pos = m.end()
        name = m.group("name")
        if name is None or m.group("end"):
            continue
        elements += 1
        # every attribute takes at least two characters, so only long tags need counting
        if m.end("attrs") - m.start("attrs") > 2 * MAX_HTML_ATTRIBUTES:
            attrs = _HTML_ATTRIBUTE_RE.finditer(html, m.start("attrs"), m.end("attrs"))
            kept = next(itertools.islice(attrs, MAX_HTML_ATTRIBUTES - 1, None), None)
            if kept is not None and next(attrs, None) is not None:
                cuts.append((kept.end(), m.end("attrs")))
        raw = name.lower()
        if raw == "plaintext" and m.group("close") == ">":
            break
        if raw in _RAW_TEXT and m.group("close") == ">":
            end = _RAW_END_RE[raw].search(html, pos)
            if end is None:
                break
            pos = end.start()
    if elements > MAX_HTML_ELEMENTS:
        raise HtmlRefused(f"HTML has {elements:,} elements, over the limit of {MAX_HTML_ELEMENTS:,}")
    note = ""
    if cuts:
        parts: list[str] = []
        pos = 0
        for a, b in cuts:
            parts.append(html[pos:a])
            pos = b
        parts.append(html[pos:])
        html = " ".join(parts)  # a space keeps "/>" apart from an unquoted value before it
        elements_cut = f"{len(cuts):,} HTML element{'s' if len(cuts) > 1 else ''}"
        note = f"attributes after the first {MAX_HTML_ATTRIBUTES} dropped from {elements_cut}"
    if elements > MAX_HTML_CHILDREN:
        _check_children(html)
    return html, note


def _check_children(html: str) -> None:
    from lxml import etree
    from lxml import html as lxml_html

    # bytes: a str with an XML encoding declaration is refused by lxml
    parser = lxml_html.HTMLParser(encoding="utf-8")
    try:
        root = lxml_html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except etree.ParserError:
        return  # nothing to parse ("Document is empty"): trafilatura finds no text either
    widest = max((len(el) for el in root.iter()), default=0)
    if widest > MAX_HTML_CHILDREN:
        raise HtmlRefused(
            f"HTML has an element with {widest:,} child elements, over the limit of {MAX_HTML_CHILDREN:,}"
        )


def html_to_text(html: str) -> str:
    """Main article text of an HTML page via trafilatura (precision-oriented); '' when none found.

    Tables are left out unless the page has no article text outside them
    (a story laid out in a table); a page where trafilatura finds no article
    at all falls back to all of its visible text, which the boilerplate filter
    then judges sentence by sentence.

    Deduplication is off: ``deduplicate=True`` counts segments in one cache
    shared by the whole process, so a page's text depended on the pages
    extracted before it (the same page four times: 50,741, 50,242, 50,118 and
    4,945 characters); even a cache of the page's own segments made
    trafilatura discard a page whose article repeats its own blocks
    (1 of 181 pages of the article extraction benchmark). Lines repeated
    inside one article are the boilerplate filter's business.
    """
    import trafilatura

    text = _article(html, tables=False) or _table_cells(_article(html, tables=True))
    if not text:
        text = trafilatura.html2txt(html) or ""
    return text


def _article(html: str, *, tables: bool) -> str:
    import trafilatura

    text = trafilatura.extract(
        html,
        favor_precision=True,
        include_comments=False,
        include_tables=tables,
        include_images=False,
        include_links=False,
        deduplicate=False,
        output_format="txt",
    )
    return text or ""


def _table_cells(text: str) -> str:
    """trafilatura's table rows ("| cell | cell |") as one line per non-empty cell."""
    lines: list[str] = []
    for line in text.split("\n"):
        row = line.strip()
        if row.startswith("|") and row.endswith("|"):
            lines.extend(cell.strip() for cell in row.strip("|").split(" | ") if cell.strip())
        else:
            lines.append(line)
    return "\n".join(lines)
